"""Errors that mean "the user asked for something we cannot do": shown as one clear line, exit code 2."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in input (file, field, URL, option) that the user can fix. Never shown as a traceback."""

    exit_code = 2


class ConfigError(UserError):
    """A manifest, profile or setting that is missing or invalid; the message names the file and field."""


class StoreUnavailableError(UserError):
    """The store URL is malformed, of an unknown kind, or the database cannot be reached."""


class StoreNotFoundError(StoreUnavailableError):
    """No store at the URL (no SQLite file, or a database without our tables) for a command that never creates one."""

    def __init__(self, where: str) -> None:
        super().__init__(f"no store at {where}; `rpa run` or `rpa store upgrade` creates one")


class StoreRevisionError(StoreUnavailableError):
    """The store's schema is not this code's: older (``rpa store upgrade`` migrates it) or newer (upgrade rpa-core)."""


class BusinessException(Exception):
    """A case a person must handle (not found, refused, needs a decision): never retried.

    Raise it, or a subclass with a stable ``code`` (the systems' ``BusinessError``, a robot's ``ManualHandling``),
    anywhere in a work item's keywords, and the item is released BUSINESS_EXCEPTION with that code and message.
    Robot Framework hands the queue only a failure's message, so each one is remembered here by its message
    (``business_code_of``), in the process that raised it.
    """

    RPA_BUSINESS_EXCEPTION = True
    ROBOT_SUPPRESS_NAME = True  # Robot Framework shows the message alone, so tasks can match "CODE:*"
    code: str | None = None

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        _RECENT_BUSINESS[str(self)] = self.code
        while len(_RECENT_BUSINESS) > _RECENT_LIMIT:
            del _RECENT_BUSINESS[next(iter(_RECENT_BUSINESS))]


_RECENT_LIMIT = 256
_RECENT_BUSINESS: dict[str, str | None] = {}


def business_code_of(message: str) -> tuple[bool, str | None]:
    """Whether ``message`` is that of a BusinessException raised in this process, and its code.

    Robot Framework may put the exception's class name before the message ("ManualHandling: ...")."""
    for text, code in reversed(_RECENT_BUSINESS.items()):
        if message == text or message.endswith(f": {text}"):
            return True, code
    return False, None
