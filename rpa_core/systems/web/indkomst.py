"""Indkomstregister page objects (IncomeRegister over the web pages): the payslip page per CPR and month."""

from __future__ import annotations

from rpa_core.systems.models import IncomeLine
from rpa_core.systems.retry import TransientError
from rpa_core.systems.web.base import WebAdapter, to_decimal
from rpa_core.systems.web.selectors import indkomst as sel


class IndkomstWeb(WebAdapter):
    """The Indkomstregister through its pages. ``base_url`` e.g. ``http://127.0.0.1:8400/indkomst``."""

    SYSTEM = sel.SYSTEM
    NAME_SELECTORS = sel.NAME_SELECTORS

    def income_lines(self, cpr: str, month: str) -> list[IncomeLine]:
        """The lines reported for ``cpr`` with basis month ``month`` (``YYYY-MM``).

        BusinessError UNKNOWN_CPR when the register does not know the person, VALIDATION_ERROR when the
        search form refuses the CPR number or the month."""

        def attempt() -> list[IncomeLine]:
            self.goto(sel.SEARCH_PATH, ready=sel.SEARCH_FORM)
            self.submit(sel.SEARCH_BUTTON, ready=sel.LINES, fill={sel.CPR: cpr, sel.MONTH: month})
            (shown_month,) = self.read((sel.PAYSLIP, "data-month"))
            if not shown_month:
                raise TransientError("the payslip page is incomplete", code="NOT_RENDERED")
            return [
                IncomeLine(
                    line_id=row["data"].get("lineId", ""),
                    month=shown_month,
                    kind=row["data"].get("kind", ""),
                    income_type=row["data"].get("incomeType", ""),
                    cvr=row["data"].get("cvr", ""),
                    reporter=row["cells"].get(sel.REPORTER_CELL, {}).get("text", ""),
                    fields={code: to_decimal(value) for code, value in row["fields"].items() if value},
                )
                for row in self.rows(sel.LINE, sel.FIELD_ROW, sel.FIELD_VALUE)
            ]

        return self.run("income_lines", attempt)
