"""Robot Framework hooks that keep CPR numbers, secrets and citizens' names out of output.xml and log.html.

``CprMaskingListener`` (listener API 3) masks messages, keyword arguments, names, documentation and
failure texts as they are written. ``CprMaskingModifier`` does the same to a finished result, used by
rebot when runs' outputs are merged, as a second line of defence. Both use ``mask_text``: the secret values and
names registered in this process (``rpa_core.privacy.registry``), then CPR numbers.
"""

from __future__ import annotations

import contextlib

from robot.api import ResultVisitor

from rpa_core.privacy.registry import mask_data, mask_text

# Which attributes of each result item type can carry text from the data (only those are touched, so
# that no deprecated attribute of a control structure is read).
_ATTRIBUTES = {
    "SUITE": ("name", "doc", "message", "metadata"),
    "TEST": ("name", "doc", "message"),
    "KEYWORD": ("name", "doc", "args", "message"),
    "SETUP": ("name", "doc", "args", "message"),
    "TEARDOWN": ("name", "doc", "args", "message"),
    "FOR": ("values", "message"),
    "ITERATION": ("assign", "message"),
    "VAR": ("value", "message"),
    "RETURN": ("values", "message"),
    "IF": ("condition", "message"),
    "ELSE IF": ("condition", "message"),
    "WHILE": ("condition", "message"),
    "EXCEPT": ("patterns", "message"),
    "ERROR": ("values", "message"),
}


def _mask_item(item) -> None:
    for attribute in _ATTRIBUTES.get(getattr(item, "type", None), ("message",)):
        value = getattr(item, attribute, None)
        if not value:
            continue
        if attribute == "metadata":
            for key in list(value):
                value[key] = mask_text(value[key])
            continue
        masked = mask_data(dict(value) if attribute == "assign" else value)
        if masked != value:
            with contextlib.suppress(AttributeError, TypeError):  # read-only on some item types
                setattr(item, attribute, masked)


class CprMaskingListener:
    """Listener v3: mask secrets, names and CPR numbers in everything Robot Framework writes (``--listener``)."""

    ROBOT_LISTENER_API_VERSION = 3

    def start_suite(self, data, result) -> None:
        _mask_item(result)

    def end_suite(self, data, result) -> None:
        _mask_item(result)

    def start_test(self, data, result) -> None:
        _mask_item(result)

    def end_test(self, data, result) -> None:
        _mask_item(result)

    def start_body_item(self, data, result) -> None:
        """Keywords and every control structure (IF, FOR, TRY, VAR, ...): Robot Framework 7 calls this for each."""
        _mask_item(result)

    def end_body_item(self, data, result) -> None:
        _mask_item(result)

    def log_message(self, message) -> None:
        message.message = mask_text(message.message)

    def message(self, message) -> None:
        message.message = mask_text(message.message)


class CprMaskingModifier(ResultVisitor):
    """A pre-rebot modifier: mask CPR numbers anywhere in a result before it becomes output.xml or log.html."""

    def start_suite(self, suite) -> None:
        _mask_item(suite)

    def start_test(self, test) -> None:
        _mask_item(test)

    def start_body_item(self, item) -> None:
        _mask_item(item)

    def visit_message(self, message) -> None:
        message.message = mask_text(message.message)

    def start_errors(self, errors) -> None:
        for message in errors.messages:
            message.message = mask_text(message.message)
