"""Keywords of the mixed test robot."""

from rpa_core.errors import BusinessException


class CaseClosed(BusinessException):
    """The case system refused: a caseworker must reopen the case."""

    code = "CASE_CLOSED"


def refuse_the_note() -> None:
    """Fails as the case system does when a case is closed."""
    raise CaseClosed("CASE_CLOSED: the case is closed; no note can be written")
