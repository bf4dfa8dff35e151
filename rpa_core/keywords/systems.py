"""Robot Framework keywords for the municipal systems: benefits payments, income register, case system.

The keywords call the typed adapters in ``rpa_core.systems``; web adapters share the worker's one browser
(``rpa_core.browser.current_session``), a context per system. Credentials come from the vault
(``rpa_core.vault``: ``.rpa/secrets.toml`` or ``RPA_SECRET_<NAME>__<KEY>``), never from the robot's files.

A write keyword acts on the page a keyword read in the same work-item attempt left (``Register Income And
Subsidy`` right after ``Get Payment`` loads no page of its own); with each new input work item (a new attempt
at one included) the web adapters forget every page they read.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from rpa_core.privacy import register_secrets
from rpa_core.systems import Case, IncomeLine, JournalNote, Payment, Registration
from rpa_core.systems.retry import RetryPolicy
from rpa_core.vault import SecretStore

MODES = ("web", "api")
WORKITEMS = "RPA.Robocorp.WorkItems"


def _credentials(secret: str, *keys: str) -> dict[str, str]:
    values = SecretStore().get(secret)
    register_secrets(values)  # masked as *** in every log of this process from now on
    missing = [k for k in keys if not values.get(k)]
    if missing:
        raise ValueError(f"secret '{secret}' lacks {', '.join(missing)}; add them to the vault")
    return values


def _active_input_item() -> object | None:
    """rpaframework's active input work item (a new object for each reservation of an item), or None."""
    try:
        workitems = BuiltIn().get_library_instance(WORKITEMS)
    except (RobotNotRunningError, RuntimeError):  # not in Robot Framework, or the robot uses no work items
        return None
    return getattr(workitems, "active_input", None)


def _mode(mode: str, allowed: tuple[str, ...]) -> str:
    value = mode.strip().lower()
    if value not in allowed:
        raise ValueError(f"mode '{mode}' is not one of: {', '.join(allowed)}")
    return value


@library(scope="GLOBAL", auto_keywords=False, doc_format="reST")
class SystemKeywords:
    """Keywords for the case systems a municipal robot works in, one connection per system and worker.

    Connect each system once (usually in ``Suite Setup``), then use its keywords. Web connections log in by
    themselves, log in again when the session expired, close system message dialogs and page through lists;
    temporary failures (HTTP 500, timeouts, pages that did not render) are retried a few times with backoff.

    Failures carry a stable code first, so tasks can tell a caseworker's case from a technical error:

    - ``ALREADY_APPROVED: ...``, ``UNKNOWN_CPR: ...``, ``CASE_CLOSED: ...``, ``VALIDATION_ERROR: ...`` are
      business errors (catch them with ``EXCEPT    ALREADY_APPROVED:*    type=GLOB``);
    - anything else is an application error (the system misbehaved; the work item is retried).

    Money is kroner as text (``21000.50``), months are ``YYYY-MM``.

    Example::

        *** Settings ***
        Library    rpa_core.keywords.systems.SystemKeywords
        Suite Setup    Connect Ydelsessystem    http://127.0.0.1:8400/ydelse    secret=ydelse

        *** Tasks ***
        List Payments
            @{payments}=    Find Pending Payments    2024-11    unit=FLEKS    grant_type=FLT
            Log    ${payments}[0].payment_id
    """

    def __init__(self, retry_attempts: int = 3, backoff_seconds: float = 0.5) -> None:
        self._retry = RetryPolicy(attempts=retry_attempts, backoff_seconds=backoff_seconds)
        self._benefits: Any = None
        self._income: Any = None
        self._cases: Any = None
        self._item: object | None = None  # the input work item the web adapters' page reads belong to

    # ------------------------------------------------------------------ connect
    @keyword("Connect Ydelsessystem")
    def connect_ydelsessystem(self, base_url: str, secret: str = "ydelse") -> None:
        """Connect to the benefits system (Ydelsessystem) at ``base_url`` through its web pages.

        ``secret`` names the vault entry with ``username`` and ``password``.

        Example::

            Connect Ydelsessystem    http://127.0.0.1:8400/ydelse    secret=ydelse
        """
        from rpa_core.browser import current_session
        from rpa_core.systems.web import YdelseWeb

        login = _credentials(secret, "username", "password")
        page = current_session().page("ydelse")
        self._benefits = YdelseWeb(page, base_url, login["username"], login["password"], retry=self._retry)

    @keyword("Connect Indkomstregister")
    def connect_indkomstregister(self, base_url: str, secret: str = "indkomst", mode: str = "api") -> None:
        """Connect to the income register (Indkomstregister) at ``base_url``.

        ``mode=api`` uses the JSON API with the secret's ``api_key``; ``mode=web`` the pages with its
        ``username`` and ``password``.

        Example::

            Connect Indkomstregister    http://127.0.0.1:8400/indkomst    mode=web
        """
        self._income = self._connect("indkomst", base_url, secret, mode)

    @keyword("Connect ESDH")
    def connect_esdh(self, base_url: str, secret: str = "esdh", mode: str = "api") -> None:
        """Connect to the case and records system (ESDH) at ``base_url``; ``mode`` is ``api`` or ``web``.

        Example::

            Connect ESDH    http://127.0.0.1:8400/esdh    secret=esdh    mode=api
        """
        self._cases = self._connect("esdh", base_url, secret, mode)

    def _connect(self, system: str, base_url: str, secret: str, mode: str) -> Any:
        if _mode(mode, MODES) == "api":
            from rpa_core.systems.api import EsdhApi, IndkomstApi

            api_class = IndkomstApi if system == "indkomst" else EsdhApi
            return api_class(base_url, _credentials(secret, "api_key")["api_key"], retry=self._retry)
        from rpa_core.browser import current_session
        from rpa_core.systems.web import EsdhWeb, IndkomstWeb

        web_class = IndkomstWeb if system == "indkomst" else EsdhWeb
        login = _credentials(secret, "username", "password")
        return web_class(
            current_session().page(system), base_url, login["username"], login["password"], retry=self._retry
        )

    def _need(self, adapter: Any, name: str) -> Any:
        if adapter is None:
            raise RuntimeError(f"not connected to the {name}: call 'Connect {name}' first")
        self._follow_work_item()
        return adapter

    def _follow_work_item(self) -> None:
        """A page read while another work item (or another attempt at this one) was worked is never acted on:
        on a new input work item every web adapter forgets what its page was read as."""
        item = _active_input_item()
        if item is self._item:
            return
        self._item = item
        for adapter in (self._benefits, self._income, self._cases):
            if hasattr(adapter, "forget_page"):
                adapter.forget_page()

    # ------------------------------------------------------------ Ydelsessystem
    @keyword("Find Pending Payments")
    def find_pending_payments(self, month: str, unit: str, grant_type: str) -> list[Payment]:
        """Every payment of ``month`` (``YYYY-MM``) not yet approved, for one unit and grant type, all pages.

        Each payment has ``payment_id``, ``cpr``, ``name``, ``payment_month``, ``status``, ``previous_subsidy``.

        Example::

            @{payments}=    Find Pending Payments    2024-11    unit=FLEKS    grant_type=FLT
        """
        return self._need(self._benefits, "Ydelsessystem").pending_payments(month, unit=unit, grant_type=grant_type)

    @keyword("Get Payment")
    def get_payment(self, payment_id: str) -> Payment:
        """One payment with its status (``PENDING``, ``REGISTERED``, ``APPROVED``), registration and ATP.

        Also ``unpaid_holiday_days``: absence the benefits system has registered for the month.
        """
        return self._need(self._benefits, "Ydelsessystem").get_payment(payment_id)

    @keyword("Register Income And Subsidy")
    def register_income_and_subsidy(
        self,
        payment_id: str,
        wage: Decimal,
        subsidy: Decimal,
        own_pension: Decimal = Decimal("0"),
        employer_pension: Decimal = Decimal("0"),
        hours: Decimal = Decimal("0"),
        holiday_pay: Decimal = Decimal("0"),
    ) -> Payment:
        """Register the month's income and the subsidy on a payment. Fails ``ALREADY_APPROVED:`` when approved.

        Example::

            Register Income And Subsidy    B0000001    wage=13976.82    subsidy=14753.31    hours=78
        """
        registration = Registration(
            wage=wage,
            subsidy=subsidy,
            own_pension=own_pension,
            employer_pension=employer_pension,
            hours=hours,
            holiday_pay=holiday_pay,
        )
        return self._need(self._benefits, "Ydelsessystem").register(payment_id, registration)

    @keyword("Approve Payment")
    def approve_payment(self, payment_id: str) -> Payment:
        """Approve a registered payment through the confirmation step. Fails ``ALREADY_APPROVED:`` when it is."""
        return self._need(self._benefits, "Ydelsessystem").approve(payment_id)

    # --------------------------------------------------------- Indkomstregister
    @keyword("Get Income Lines")
    def get_income_lines(self, cpr: str, month: str) -> list[IncomeLine]:
        """The income register's lines for a person and a basis month (``YYYY-MM``).

        Each line has ``kind`` (``LOEN``, ``SYGEDAGPENGE``, ``BARSELSDAGPENGE``, ``FLEKSLOENTILSKUD``),
        ``income_type``, ``cvr`` and ``fields`` (field code to amount, e.g. ``${line.fields['0057']}``).
        Fails ``UNKNOWN_CPR:`` when the register does not know the person.
        """
        return self._need(self._income, "Indkomstregister").income_lines(cpr, month)

    # --------------------------------------------------------------------- ESDH
    @keyword("Find Cases")
    def find_cases(self, cpr: str, kind: str = "", open_only: bool = False) -> list[Case]:
        """The person's cases in the ESDH; with ``kind`` (e.g. ``FLEKSJOB``) only those, with ``open_only``
        only cases that accept journal notes."""
        cases = self._need(self._cases, "ESDH").find_cases(cpr)
        return [c for c in cases if (not kind or c.kind == kind) and (not open_only or c.is_open)]

    @keyword("Get Journal Notes")
    def get_journal_notes(self, case_number: str) -> list[JournalNote]:
        """The notes on a case, oldest first."""
        return self._need(self._cases, "ESDH").journal_notes(case_number)

    @keyword("Add Journal Note")
    def add_journal_note(self, case_number: str, title: str, text: str) -> JournalNote:
        """Add a journal note to a case. Fails ``CASE_CLOSED:`` when the case is closed."""
        return self._need(self._cases, "ESDH").add_journal_note(case_number, title, text)
