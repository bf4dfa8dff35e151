"""The pre-flight dry run's two helpers for Robot Framework: a modifier that reaches every keyword, a listener.

Robot Framework's dry run walks only keywords that are called, and ``For Each Input Work Item    Handle One``
passes the consumer's keyword as an argument, so its body would never be checked. :class:`CallEveryKeyword`
(``--prerunmodifier``) adds a task per user keyword of the task file that calls it with placeholder arguments.

:class:`DryRunProblems` (``--listener ...;<file>``) writes each innermost failing call (a keyword that does not
exist, wrong argument counts) and each import error as JSON lines, with the file and line, for the check to read.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from robot.api import SuiteVisitor
from robot.api.interfaces import ListenerV3

from rpa_core.privacy import mask_text


class DryRunProblems(ListenerV3):
    """Collects the dry run's problems into a JSON-lines file."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.path.write_text("", encoding="utf-8")

    def _write(self, source: object, lineno: object, message: str) -> None:
        text = " ".join(mask_text(message).split())  # one line: "Did you mean" lists come on lines of their own
        record = {"source": str(source or ""), "lineno": int(lineno or 0), "message": text}
        with self.path.open("a", encoding="utf-8") as sink:
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")

    def end_keyword(self, data, result) -> None:
        if not result.failed:
            return
        if any(getattr(child, "failed", False) for child in getattr(result, "body", ())):
            return  # a call inside it failed: that one is recorded
        self._write(getattr(data, "source", None), getattr(data, "lineno", 0), result.message)

    def message(self, message) -> None:
        # Robot Framework's own import and syntax errors: "Error in file '<path>' on line <n>: <what>".
        match = _FILE_ERROR.match(message.message)
        if message.level == "ERROR" and match:
            self._write(match["source"], match["lineno"] or 0, match["what"])


_FILE_ERROR = re.compile(r"^Error in file '(?P<source>[^']+)'(?: on line (?P<lineno>\d+))?: (?P<what>.*)$", re.S)
PLACEHOLDER = "dry-run"


class CallEveryKeyword(SuiteVisitor):
    """Pre-run modifier for the dry run only: one task per user keyword of each task file, calling it."""

    def start_suite(self, suite) -> None:
        if suite.resource is None or not suite.has_tests:
            return
        for keyword in list(suite.resource.keywords):
            if keyword.embedded:
                continue  # its name holds its arguments; it is checked where it is called
            spec = keyword.args
            required = [arg for arg in spec.positional if arg not in spec.defaults]
            task = suite.tests.create(name=f"Dry run: {keyword.name}", lineno=keyword.lineno)
            task.body.create_keyword(keyword.name, args=[PLACEHOLDER] * len(required))
