"""The sandbox's live state: the generated data, what robots and users change, and the audit table."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from rpa_core.privacy import mask_cpr
from rpa_core.sandbox.calculation import atp_for
from rpa_core.sandbox.generator import GeneratorConfig, generate
from rpa_core.sandbox.ids import format_cpr, normalise_cpr
from rpa_core.sandbox.model import (
    APPROVED,
    CASE_CLOSED,
    CASE_OPEN,
    PENDING,
    REGISTERED,
    TZ,
    Case,
    Dataset,
    IncomeLine,
    Note,
    Payment,
    now,
)
from rpa_core.sandbox.outcomes import assess, case_takes_notes

PAGE_SIZE = 13
STATUS_FILTERS = {"afventer": (PENDING, REGISTERED), "godkendt": (APPROVED,), "alle": (PENDING, REGISTERED, APPROVED)}


class SandboxError(Exception):
    """A request the system refuses, with a stable code, an HTTP status and a Danish message."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code, self.code, self.message = status_code, code, message


@dataclass
class AuditEntry:
    """One write (or refused write) in one of the systems. Never holds a CPR number."""

    entry_id: int
    at: datetime
    system: str
    user: str
    action: str
    object_id: str
    result: str
    details: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "at": self.at.isoformat(),
            "system": self.system,
            "user": self.user,
            "action": self.action,
            "object_id": self.object_id,
            "result": self.result,
            "details": dict(self.details),
        }


def parse_cpr(text: str | None) -> str:
    """``ddmmyy-ssss`` from user input, or SandboxError 422 (the input is never echoed)."""
    digits = normalise_cpr(text or "")
    if digits is None:
        raise SandboxError(422, "INVALID_CPR", "CPR-nummeret skal skrives som ddmmåå-xxxx (10 cifre).")
    return format_cpr(digits)


class SandboxState:
    """Data and writes of all three systems, guarded by one lock (the server runs requests in threads)."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Regenerate the data from the seed and empty the audit table."""
        data = generate(self.config)
        with self._lock:
            self.data: Dataset = data
            self.payments = {p.payment_id: p for p in data.payments}
            self.payments_by_cpr: dict[str, list[Payment]] = {}
            for p in data.payments:
                self.payments_by_cpr.setdefault(p.cpr, []).append(p)
            self.cases_by_cpr: dict[str, list[Case]] = {}
            for case in data.cases.values():
                self.cases_by_cpr.setdefault(case.cpr, []).append(case)
            self.notes: dict[str, list[Note]] = {}
            self.audit: list[AuditEntry] = []
            # The payments as generated (writes replace a payment's fields, never mutate them), for the expected
            # outcomes when an admin hook changes what a robot would see; and the admin hooks' changes.
            self._generated = {p.payment_id: copy.copy(p) for p in data.payments}
            self.close_on_next_note: set[str] = set()
            self.unknown_to_income_register: set[str] = set()
            self._note_id = 0
            self._version = 0
            self._list_cache: dict[tuple[str | None, str | None, str], tuple[int, list[Payment]]] = {}
            for case in sorted(data.cases.values(), key=lambda c: c.case_number):
                self._note_id += 1
                opened = datetime.fromisoformat(case.opened).replace(hour=10, tzinfo=TZ)
                title = "Sag oprettet" if case.kind != "FLEKSJOB" else "Bevilling af fleksjob og fleksløntilskud"
                note = Note(self._note_id, case.case_number, title, "Sagen er oprettet.", case.caseworker, opened)
                self.notes[case.case_number] = [note]

    # --- audit -------------------------------------------------------------------------------------------
    def record(self, system: str, user: str, action: str, object_id: str, result: str = "ok", **details: Any) -> None:
        """Append to the audit table."""
        with self._lock:
            entry = AuditEntry(len(self.audit) + 1, now(), system, user, action, object_id, result)
            entry.details = {k: mask_cpr(str(v)) for k, v in details.items()}
            self.audit.append(entry)

    def audit_for(self, object_id: str) -> list[AuditEntry]:
        """The audit entries of one payment or case, oldest first."""
        return [e for e in self.audit if e.object_id == object_id]

    # --- Ydelsessystem -----------------------------------------------------------------------------------
    def list_payments(
        self, unit: str | None, grant: str | None, status: str, page: int, page_size: int = PAGE_SIZE
    ) -> tuple[list[Payment], int, int]:
        """One page of payments matching the filters: (rows, total rows, total pages)."""
        rows = self._filtered(unit, grant, status)
        pages = max(1, -(-len(rows) // page_size))
        if page > pages:
            raise SandboxError(404, "NO_SUCH_PAGE", f"Siden findes ikke; der er {pages} sider.")
        start = (page - 1) * page_size
        return rows[start : start + page_size], len(rows), pages

    def _filtered(self, unit: str | None, grant: str | None, status: str) -> list[Payment]:
        """The matching payments, cached until the next write (the list is read far more often than written)."""
        key = (unit, grant, status)
        with self._lock:
            cached = self._list_cache.get(key)
            if cached is not None and cached[0] == self._version:
                return cached[1]
            statuses = STATUS_FILTERS[status]
            rows = [
                p
                for p in self.data.payments
                if p.status in statuses and (not unit or p.unit == unit) and (not grant or p.grant_type == grant)
            ]
            self._list_cache[key] = (self._version, rows)
            return rows

    def payment(self, payment_id: str) -> Payment:
        """The payment, or SandboxError 404."""
        found = self.payments.get(payment_id)
        if found is None:
            raise SandboxError(404, "UNKNOWN_PAYMENT", "Betalingen findes ikke.")
        return found

    def payments_for(self, cpr: str) -> list[Payment]:
        """This month's payments for a CPR number (404 when the citizen is unknown)."""
        self.citizen(cpr)
        return list(self.payments_by_cpr.get(cpr, []))

    def previous_payment(self, cpr: str) -> Payment | None:
        """Last month's approved payment of a citizen in a flexjob."""
        return self.data.previous_payments.get(cpr)

    def register(self, payment_id: str, values: dict[str, Decimal], user: str) -> Payment:
        """Register income and subsidy on a payment that is not yet approved."""
        with self._lock:
            pay = self.payment(payment_id)
            if pay.status == APPROVED:
                self.record("ydelse", user, "register_income", payment_id, "refused", reason="ALREADY_APPROVED")
                raise SandboxError(409, "ALREADY_APPROVED", "Betalingen er godkendt og kan ikke ændres.")
            pay.registration = dict(values)
            pay.atp = atp_for(values["subsidy"])
            pay.status, pay.registered_by = REGISTERED, user
            self._version += 1
            self.record("ydelse", user, "register_income", payment_id, **values, atp=pay.atp)
            return pay

    def approve(self, payment_id: str, user: str) -> Payment:
        """Approve a registered payment; a second approval is refused (409) and audited."""
        with self._lock:
            pay = self.payment(payment_id)
            if pay.status == APPROVED:
                self.record("ydelse", user, "approve", payment_id, "refused", reason="ALREADY_APPROVED")
                raise SandboxError(
                    409, "ALREADY_APPROVED", "Betalingen er allerede godkendt og kan ikke godkendes igen."
                )
            if pay.status != REGISTERED or pay.registration is None:
                raise SandboxError(409, "NOT_REGISTERED", "Indkomst og tilskud skal registreres før godkendelse.")
            pay.status, pay.approved_by, pay.approved_at = APPROVED, user, now()
            self._version += 1
            self.record("ydelse", user, "approve", payment_id, subsidy=pay.registration["subsidy"], atp=pay.atp)
            return pay

    # --- Indkomstregister --------------------------------------------------------------------------------
    def citizen(self, cpr: str) -> Any:
        """The citizen, or SandboxError 404 (the CPR number is not repeated in the message)."""
        found = self.data.citizens.get(cpr)
        if found is None:
            raise SandboxError(404, "UNKNOWN_CPR", "Der findes ingen borger med dette CPR-nummer.")
        return found

    def income(self, cpr: str, month: str) -> list[IncomeLine]:
        """The income lines reported for a citizen with this basis month."""
        self.citizen(cpr)
        if cpr in self.unknown_to_income_register:
            raise SandboxError(404, "UNKNOWN_CPR", "Der findes ingen borger med dette CPR-nummer.")
        return list(self.data.income.get((cpr, month), []))

    def forget_in_income_register(self, cpr: str) -> None:
        """Admin: from now on the income register does not know the citizen (UNKNOWN_CPR); the others do."""
        with self._lock:
            self.citizen(cpr)
            self.unknown_to_income_register.add(cpr)

    # --- ESDH --------------------------------------------------------------------------------------------
    def cases_for(self, cpr: str) -> list[Case]:
        """The citizen's cases (404 when the citizen is unknown)."""
        self.citizen(cpr)
        return sorted(self.cases_by_cpr.get(cpr, []), key=lambda c: c.case_number)

    def case(self, case_number: str) -> Case:
        """The case, or SandboxError 404."""
        found = self.data.cases.get(case_number)
        if found is None:
            raise SandboxError(404, "UNKNOWN_CASE", "Sagen findes ikke.")
        return found

    def notes_for(self, case_number: str) -> list[Note]:
        """The journal notes on a case, oldest first."""
        self.case(case_number)
        return list(self.notes.get(case_number, []))

    def set_case_status(self, case_number: str, status: str) -> Case:
        """Admin: close (``Afsluttet``) or reopen (``Åben``) a case; the expected outcomes of its payments follow."""
        if status not in (CASE_OPEN, CASE_CLOSED):
            raise SandboxError(422, "VALIDATION_ERROR", f"Status skal være {CASE_OPEN} eller {CASE_CLOSED}.")
        with self._lock:
            case = self.case(case_number)
            case.status = status
            self.close_on_next_note.discard(case_number)
            self._reassess(case_number)
            return case

    def close_case_on_next_note(self, case_number: str) -> Case:
        """Admin: the case closes when the next note arrives, and refuses that note (CASE_CLOSED)."""
        with self._lock:
            case = self.case(case_number)
            self.close_on_next_note.add(case_number)
            return case

    def _reassess(self, case_number: str) -> None:
        """The expected outcome of each payment whose stamdata row names ``case_number``, decided anew from the
        data as generated and the case as it is now."""
        masters = {row.cpr: row for row in self.data.master_data if row.case_number == case_number}
        income_month = self.data.income_month
        for index, expected in enumerate(self.data.expected):
            master = masters.get(expected.cpr)
            if master is None:
                continue
            payment = self._generated[expected.payment_id]
            self.data.expected[index] = assess(
                payment, self.data.income.get((payment.cpr, str(income_month)), []), master, self.config.rates,
                income_month, self.config.change_threshold, expected.scenario,
                case_open=case_takes_notes(master, self.data.cases),
            )  # fmt: skip

    def add_note(self, case_number: str, title: str, text: str, user: str) -> Note:
        """Journalise a note on an open case."""
        with self._lock:
            case = self.case(case_number)
            if case_number in self.close_on_next_note:  # an admin hook: closed just as this note arrives
                self.set_case_status(case_number, CASE_CLOSED)
            if case.status != CASE_OPEN:
                self.record("esdh", user, "add_note", case_number, "refused", reason="CASE_CLOSED")
                raise SandboxError(409, "CASE_CLOSED", "Sagen er afsluttet; der kan ikke journaliseres på den.")
            self._note_id += 1
            note = Note(self._note_id, case_number, title, text, user, now())
            self.notes.setdefault(case_number, []).append(note)
            self.record("esdh", user, "add_note", case_number, note_id=note.note_id, title=title)
            return note
