"""From what the systems show to what the rules read: one payment, its income lines and its master-data row.

Pure functions over plain values (the ``rpa_core.systems`` models or dictionaries with the same fields), so a
municipality whose systems name things differently changes only this mapping or its profile's column names.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flexloen.months import Month
from flexloen.rules import CaseState, IncomeKind
from rpa_core.queue import ItemState

# The income register's line kinds and what they are to the rules.
KINDS = {
    "LOEN": IncomeKind.INCOME,
    "FLEKSLOENTILSKUD": IncomeKind.INCOME,  # income type 0083: the rules leave it out of the wage
    "SYGEDAGPENGE": IncomeKind.SICKNESS_BENEFIT,
    "BARSELSDAGPENGE": IncomeKind.MATERNITY_BENEFIT,
}
# The benefits system's payment status and what it is to the rules.
STATUSES = {"PENDING": "open", "REGISTERED": "registered", "APPROVED": "approved"}
# The caseworkers' workbook: setting name -> default column heading.
DEFAULT_COLUMNS = {
    "cpr": "CPR-nr.",
    "case_number": "Sagsnummer",
    "pension_rate": "Pensionssats (%)",
    "loenloft": "Lønloft (kr./md.)",
}
# Case statuses that take no journal notes, for a case system whose adapter does not say (``is_open``).
REGISTRATION_FIELDS = {"wage": "0057", "own_pension": "0197", "employer_pension": "0198", "hours": "0096"}
HOLIDAY_PAY_FIELD = "0098"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _get(value: Any, name: str, default: Any = None) -> Any:
    if isinstance(value, Mapping):
        return value.get(name, default)
    return getattr(value, name, default)


def resolve_payment_month(setting: str | None, today: datetime | None = None) -> str:
    """The payment month to work: the setting (``YYYY-MM``) or, when empty, this month in Copenhagen."""
    if setting:
        return str(Month.parse(setting))
    now = today or datetime.now(COPENHAGEN)
    return str(Month(now.year, now.month))


def rule_income_lines(lines: Iterable[Any], unpaid_holiday_days: int = 0) -> list[dict[str, Any]]:
    """One rule line per reported field of each register line; absence becomes an ``unpaid_holiday`` line."""
    result = []
    for line in lines:
        kind = _get(line, "kind")
        if kind not in KINDS:
            raise ValueError(f"income line kind '{kind}' is not known to the robot ({', '.join(KINDS)})")
        for code, amount in (_get(line, "fields") or {}).items():
            result.append(
                {
                    "field_code": code,
                    "amount": str(amount),
                    "employer_cvr": _get(line, "cvr") or None,
                    "income_type": _get(line, "income_type"),
                    "kind": KINDS[kind].value,
                }
            )
    if unpaid_holiday_days:
        result.append({"field_code": "0000", "amount": "0", "kind": IncomeKind.UNPAID_HOLIDAY.value})
    return result


def master_data(row: Mapping[str, Any] | None, columns: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The rules' master data from a workbook row (None: no row, so every field is missing)."""
    names = {**DEFAULT_COLUMNS, **(columns or {})}
    if row is None:
        return {}
    values = {
        "loenloft": row.get(names["loenloft"]),
        "pension_rate": row.get(names["pension_rate"]),
        "case_id": row.get(names["case_number"]),
    }
    return {key: (None if value in (None, "") else value) for key, value in values.items()}


def find_master_row(rows: Sequence[Mapping[str, Any]], cpr: str, columns: Mapping[str, str] | None = None) -> Any:
    """The workbook row for ``cpr`` (compared without a hyphen), or None."""
    heading = {**DEFAULT_COLUMNS, **(columns or {})}["cpr"]
    wanted = cpr.replace("-", "").strip()
    for row in rows:
        if str(row.get(heading) or "").replace("-", "").strip() == wanted:
            return row
    return None


def case_number(row: Mapping[str, Any] | None, columns: Mapping[str, str] | None = None) -> str | None:
    """The master data's case number for the citizen (None: no row or no case number)."""
    number = master_data(row, columns).get("case_id")
    if number is None:
        return None
    return str(number).strip() or None


def case_is_open(case: Any) -> bool:
    """Whether an ESDH case takes journal notes: the case system's adapter says so (``is_open``)."""
    return bool(_get(case, "is_open", True))


def case_state(cases: Iterable[Any], number: str | None) -> CaseState | None:
    """The state of case ``number`` among the citizen's ``cases`` (from the ESDH); None without a number."""
    if not number:
        return None
    for case in cases:
        if str(_get(case, "case_number") or "").strip() == number:
            return CaseState.OPEN if case_is_open(case) else CaseState.CLOSED
    return CaseState.NOT_FOUND


def fleksloen_case(
    payment: Any,
    lines: Iterable[Any],
    row: Mapping[str, Any] | None,
    *,
    columns: Mapping[str, str] | None = None,
    registered_by_robot: bool = False,
    cases: Iterable[Any] | None = None,
) -> dict[str, Any]:
    """The case for ``decide``. A payment the robot itself began to register (or approve) in an earlier,
    interrupted attempt counts as open, so the robot finishes it instead of leaving it half done.

    ``cases``: the citizen's cases in the ESDH, so the rules see whether the master data's case takes the
    journal note (None: not looked up, nothing is checked)."""
    status = STATUSES.get(str(_get(payment, "status")), "open")
    if registered_by_robot:
        status = "open"
    previous = _get(payment, "previous_subsidy")
    state = None if cases is None else case_state(cases, case_number(row, columns))
    return {
        "payment_month": str(_get(payment, "payment_month")),
        "income_lines": rule_income_lines(lines, int(_get(payment, "unpaid_holiday_days", 0) or 0)),
        "master_data": master_data(row, columns),
        "previous_subsidy": None if previous is None else str(previous),
        "payment_status": status,
        "case_state": None if state is None else state.value,
    }


def registration(lines: Iterable[Any], subsidy: Decimal | str) -> dict[str, str]:
    """What to register on the payment: the single wage line's fields and the subsidy."""
    wage_lines = [line for line in lines if _get(line, "kind") == "LOEN"]
    if len(wage_lines) != 1:
        raise ValueError(f"a registration needs exactly one wage line, found {len(wage_lines)}")
    fields = _get(wage_lines[0], "fields") or {}
    values = {name: str(fields.get(code, "0")) for name, code in REGISTRATION_FIELDS.items()}
    values["holiday_pay"] = str(fields.get(HOLIDAY_PAY_FIELD, "0"))
    values["subsidy"] = str(subsidy)
    return values


def spot_checks(items: Sequence[Any], share: float, seed: int) -> list[Any]:
    """A reproducible random sample of ``share`` of ``items`` (at least one when there are any and share > 0)."""
    if not items or share <= 0:
        return []
    count = min(len(items), max(1, round(len(items) * share)))
    return random.Random(seed).sample(list(items), count)


REPORT_COLUMNS = {
    "Behandlet": ["CPR-nr.", "Betaling", "Måned", "Fleksløntilskud", "ATP-bidrag", "Resultat"],
    "Manuel behandling": ["CPR-nr.", "Betaling", "Måned", "Årsag", "Besked"],
    "Fejl": ["CPR-nr.", "Betaling", "Måned", "Status", "Forsøg", "Fejl"],
    "Stikprøve": ["CPR-nr.", "Betaling", "Måned", "Fleksløntilskud", "ATP-bidrag"],
}


def report_sheets(items: Sequence[Mapping[str, Any]], share: float, seed: int) -> dict[str, list[list[Any]]]:
    """The caseworkers' report from the run's work items (``Get Run Work Items``): processed, manual (with
    reasons), errors, spot check.

    Each item's ``state``, and its latest attempt's ``code``, ``message`` and ``result`` (what the consumer
    recorded with ``Set Work Item Result``: ``outcome``, ``subsidy``, ``atp``); who and which payment from the
    payload (``cpr``, ``payment_id``, ``payment_month``). The report is the one artifact with CPR numbers in
    full: caseworkers look the citizens up by them.
    """
    processed, manual, errors = [], [], []
    for item in items:
        payload = item.get("payload") or {}
        who = [payload.get("cpr", ""), payload.get("payment_id", ""), payload.get("payment_month", "")]
        if item["state"] == ItemState.DONE:
            result = item.get("result") or {}
            shown = "Godkendt" if result.get("outcome") == "CALCULATED" else "Allerede behandlet"
            processed.append([*who, _money(result.get("subsidy")), _money(result.get("atp")), shown])
        elif item["state"] == ItemState.BUSINESS_EXCEPTION:
            manual.append([*who, item.get("code") or "", item.get("message") or ""])
        else:
            errors.append([*who, item["state"], item.get("attempts", 0), item.get("message") or ""])
    calculated = [row for row in processed if row[-1] == "Godkendt"]
    sample = [row[:5] for row in spot_checks(calculated, share, seed)]
    return {"Behandlet": processed, "Manuel behandling": manual, "Fejl": errors, "Stikprøve": sample}


def _money(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))
