"""Robot Framework keywords about the run itself: its work items, its artifacts folder, and its reports.

A reporter step uses them to tell caseworkers what the consumer did, e.g.::

    *** Settings ***
    Library    rpa_core.keywords.run.RunKeywords

    *** Tasks ***
    Report
        @{done}=    Get Run Work Items    flexloen    states=DONE
        Add Report Sheet    Behandlet    ${{["Reference", "Subsidy"]}}    ${rows}
        Save Report Workbook    ${REPORT_DIR}/fleksloen.xlsx
        Send Report Mail    team@kommune.dk    Fleksløn: ${count} behandlet    Rapporten ligger i ...

A mail server that wants encryption and a login (the login from the vault, never from the task files)::

    Library    rpa_core.keywords.run.RunKeywords    smtp_host=smtp.kommune.dk    smtp_port=587
    ...        smtp_security=starttls    smtp_credential=smtp
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from robot.api.deco import keyword, library

from rpa_core import context
from rpa_core.queue import ItemState, latest_attempts, list_items
from rpa_core.reporting import MailSettings, Sheet, mail_settings_from, send_mail, write_workbook
from rpa_core.store import open_store
from rpa_core.vault import login_of

_ALL = 1_000_000


@library(scope="SUITE", auto_keywords=False, doc_format="reST")
class RunKeywords:
    """The current run's work items and its reports (Excel workbook, summary mail).

    The run is the one the runner started this process for (``RPA_RUN_ID``, ``RPA_STORE_URL``).
    Library arguments configure mail:

    - ``smtp_host``, ``smtp_port``, ``sender``: the mail server and the sender's address;
    - ``smtp_security``: ``none`` (plain, e.g. a relay on port 25), ``starttls`` (upgrade, usually port 587) or
      ``ssl`` (TLS from the first byte, usually port 465). Certificates and the host name are always verified;
    - ``smtp_ca_file``: a PEM file of CA certificates trusted besides the system's (a municipality's own CA);
    - ``smtp_credential``: the name of the vault secret with ``username`` and ``password`` for the login; empty:
      no login. The password is read from the vault when a mail is sent and never appears in a log or message.
      A login needs ``starttls`` or ``ssl``;
    - ``smtp_timeout``: seconds to wait for the server to connect and for each of its answers.

    The mail settings are checked when a mail is sent, so a wrong one fails the mail, not the report before it.
    """

    def __init__(
        self,
        smtp_host: str = "localhost",
        smtp_port: int = 25,
        sender: str = "robot@localhost",
        smtp_security: str = "none",
        smtp_credential: str = "",
        smtp_ca_file: str = "",
        smtp_timeout: float = 30.0,
    ) -> None:
        # named as a robot's settings are, for mail_settings_from; only the vault secret's name, never its values
        self._mail: dict[str, Any] = {
            "smtp_host": smtp_host,
            "smtp_port": smtp_port,
            "mail_sender": sender,
            "smtp_security": smtp_security,
            "smtp_credential": smtp_credential,
            "smtp_ca_file": smtp_ca_file,
            "smtp_timeout": smtp_timeout,
        }
        self._sheets: list[Sheet] = []

    def _mail_settings(self) -> MailSettings:
        """The mail settings with the login read from the vault now (only the secret's name is kept)."""
        return mail_settings_from(self._mail, login=login_of)

    @keyword("Get Run Work Items")
    def get_run_work_items(self, queue: str | None = None, states: str | list[str] | None = None) -> list[dict]:
        """The work items this run created or worked, oldest first, as dictionaries with ``id``, ``reference``,
        ``state``, ``attempts``, ``payload`` and the latest finished attempt's ``outcome``, ``code``, ``message``
        and ``result`` (what the robot recorded with ``Set Work Item Result``; empty when nothing).

        ``states`` is one state or a list (``DONE``, ``BUSINESS_EXCEPTION``, ``APPLICATION_ERROR``, ``ABANDONED``,
        ``PENDING``, ``IN_PROGRESS``).
        """
        run_id = os.environ.get(context.RUN_ID)
        if not run_id:
            raise RuntimeError("no run: this keyword works in a step started by 'rpa run' or 'rpa worker'")
        wanted = [states] if isinstance(states, str) else list(states or [])
        store = open_store(os.environ.get(context.STORE_URL))
        try:
            items = list_items(store, queue=queue, states=[ItemState(s) for s in wanted], run_id=run_id, limit=_ALL)
            attempts = latest_attempts(store, [item.id for item in items])
        finally:
            store.close()
        rows = []
        for item in reversed(items):
            attempt = attempts.get(item.id)
            rows.append(
                {
                    "id": item.id,
                    "reference": item.reference,
                    "state": item.state.value,
                    "attempts": item.attempts,
                    "payload": item.payload,
                    "outcome": attempt.outcome.value if attempt and attempt.outcome else None,
                    "code": attempt.code if attempt else None,
                    "message": attempt.message if attempt else None,
                    "result": (attempt.result if attempt else None) or {},
                }
            )
        return rows

    @keyword("Get Artifacts Directory")
    def get_artifacts_directory(self) -> str:
        """The run's folder ``runs/<run-id>/`` (or the working directory outside a run)."""
        return os.environ.get(context.ARTIFACTS_DIR) or str(Path.cwd())

    @keyword("Add Report Sheet")
    def add_report_sheet(self, name: str, columns: list[str], rows: list[list[Any]]) -> None:
        """Add a sheet to the workbook being built: column headings and rows (lists of values).

        Money given as Decimal is written as a number with øre. Rows must have one value per column.
        """
        self._sheets.append(Sheet(name, list(columns), [list(r) for r in rows]))

    @keyword("Save Report Workbook")
    def save_report_workbook(self, path: str) -> str:
        """Write the sheets added so far to ``path`` (xlsx) and start a new workbook; returns the path."""
        written = write_workbook(Path(path), self._sheets)
        self._sheets = []
        return str(written)

    @keyword("Send Report Mail")
    def send_report_mail(self, to: str | list[str], subject: str, body: str) -> None:
        """Send a plain-text mail to one address or a list, with the library's mail settings.

        Refused when the subject or body holds a CPR number. Fails with one line saying what the server answered
        and which setting to check when it cannot be reached, does not answer within ``smtp_timeout``, has a
        certificate that is not trusted, or refuses the login or the mail; the password is never in it.
        """
        recipients = [to] if isinstance(to, str) else list(to)
        send_mail(self._mail_settings(), recipients, subject, body)
