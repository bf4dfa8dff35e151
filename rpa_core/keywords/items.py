"""Work-item keywords of ours next to rpaframework's: a loop that survives an item's failure, and an item's result.

rpaframework's ``For Each Input Work Item`` stops at the first item that fails: the task fails, the process
ends, and on this runner the next item then pays for a new process (logins, a workbook read) again. The runner
hands every step :class:`ItemLoop` (a pre-run modifier) that points each ``For Each Input Work Item`` of the task
file at :class:`ItemKeywords`. It keeps rpaframework's contract (same arguments, same results list, same
releases), but a failing item is released with the classifier's outcome (a business exception with its code,
or an application error that is retried) and the loop takes the next item in the same process. A stop by a
signal, a timeout or a fatal error still ends the loop at once.

``Set Work Item Result`` records what the robot did with the item (``outcome=CALCULATED  subsidy=...``); the
queue stores it with the attempt, and reports read it from there.
"""

from __future__ import annotations

import os
from typing import Any

from robot.api import SuiteVisitor, logger
from robot.api.deco import keyword, library
from robot.errors import ExecutionFailed
from robot.libraries.BuiltIn import BuiltIn
from robot.utils import normalize

from rpa_core import context
from rpa_core.queue.classify import classify
from rpa_core.queue.lifecycle import Outcome

WORKITEMS = "RPA.Robocorp.WorkItems"
LIBRARY = "rpa_core.keywords.items.ItemKeywords"
FOR_EACH = "For Each Input Work Item"
_FOR_EACH = {normalize(name, ignore="_") for name in (FOR_EACH, f"{WORKITEMS}.{FOR_EACH}")}


def business_codes() -> frozenset[str]:
    """The codes the robot lists under ``[queue] business_codes`` (the runner passes them to the step)."""
    return frozenset(code for code in os.environ.get(context.BUSINESS_CODES, "").split(",") if code)


@library(scope="SUITE", auto_keywords=False, doc_format="reST")
class ItemKeywords:
    """Work-item keywords of this framework, beside rpaframework's ``RPA.Robocorp.WorkItems`` (imported too).

    Example::

        *** Keywords ***
        Handle One
            ${subsidy}    Calculate    ${case}
            Set Work Item Result    outcome=CALCULATED    subsidy=${subsidy}
    """

    @staticmethod
    def _workitems():
        return BuiltIn().get_library_instance(WORKITEMS)

    @keyword("For Each Input Work Item")
    def for_each_input_work_item(
        self, keyword_or_func: str, *args: Any, items_limit: int = 0, return_results: bool = True, **kwargs: Any
    ) -> list[Any] | None:
        """Run ``keyword_or_func`` for each input work item, as rpaframework's keyword of that name does, but a
        failing item does not end the loop: it is released (a business exception or an application error, by
        the framework's classifier) and the next item is taken in the same process.

        The item is released DONE when the keyword returns without releasing it. Returns the keyword's results
        (``return_results=${False}``: nothing). ``items_limit``: stop after that many items.
        """
        from RPA.Robocorp.WorkItems import Error, State

        items = self._workitems()
        items._raise_under_iteration("iterate input work items")
        results: list[Any] = []
        count = 0
        codes = business_codes()
        try:
            items._under_iteration.set()
            while items._ensure_input_for_iteration():
                try:
                    result = BuiltIn().run_keyword(keyword_or_func, *args, **kwargs)
                except ExecutionFailed as failure:
                    if failure.dont_continue:  # stopped by a signal, a timeout, a fatal error: stop here too
                        raise
                    verdict = classify(str(failure), business_codes=codes)
                    kind = Error.BUSINESS if verdict.outcome is Outcome.BUSINESS_EXCEPTION else Error.APPLICATION
                    logger.warn(f"Work item failed ({verdict.outcome.value}): {verdict.message}; taking the next")
                    items.release_input_work_item(
                        State.FAILED,
                        exception_type=kind,
                        code=verdict.code,
                        message=verdict.message,
                        _internal_release=True,
                    )
                else:
                    if return_results:
                        results.append(result)
                    items.release_input_work_item(State.DONE, _internal_release=True)
                count += 1
                if items_limit and count >= items_limit:
                    break
        finally:
            items._under_iteration.clear()
        return results if return_results else None

    @keyword("Set Work Item Result")
    def set_work_item_result(self, **fields: Any) -> None:
        """What the robot did with the current input item, e.g. ``outcome=CALCULATED    subsidy=15920.00``.

        Stored with the item's attempt when it is released (CPR numbers masked), for the reports and the
        dashboard; calling it again adds or replaces fields.
        """
        items = self._workitems()
        current = items.active_input
        if current is None or current.id is None:
            raise RuntimeError("Set Work Item Result needs an input work item: reserve one first")
        adapter = items.adapter
        if hasattr(adapter, "set_result"):
            adapter.set_result(current.id, fields)


class ItemLoop(SuiteVisitor):
    """Pre-run modifier: each ``For Each Input Work Item`` of the task file runs :class:`ItemKeywords`' loop.

    Used by the runner for every step (``--prerunmodifier rpa_core.keywords.items.ItemLoop``). Only the task
    file's own calls are changed; one in a resource file keeps rpaframework's stop-at-first-failure loop.
    """

    def start_suite(self, suite) -> None:
        if suite.resource is None or not suite.has_tests:
            return
        names = {normalize(item.name or "", ignore="_") for item in suite.resource.imports if item.type == "LIBRARY"}
        if normalize(WORKITEMS, ignore="_") not in names:
            return
        suite.resource.imports.library(LIBRARY)
        for task in suite.tests:
            self._rewrite(task.body)
        for user_keyword in suite.resource.keywords:
            self._rewrite(user_keyword.body)

    def _rewrite(self, body) -> None:
        for step in body:
            if getattr(step, "type", None) == "KEYWORD" and normalize(step.name or "", ignore="_") in _FOR_EACH:
                step.name = f"{LIBRARY}.For Each Input Work Item"
            elif hasattr(step, "body"):  # FOR, WHILE, IF and TRY (and their branches) hold steps of their own
                self._rewrite(step.body)
