"""Robot Framework keywords that connect the systems' data to the fleksløn rules (see ``case_data``)."""

from __future__ import annotations

from typing import Any

from robot.api.deco import keyword, library

from flexloen import case_data


@library(scope="GLOBAL", auto_keywords=False, doc_format="reST")
class FlexloenProcessKeywords:
    """Turn a payment, its income lines and a master-data row into a fleksløn case, and back into a registration.

    ``columns`` (library argument) maps ``cpr``, ``case_number``, ``pension_rate`` and ``loenloft`` to the
    headings of the municipality's master-data workbook, e.g. ``{"loenloft": "Lønloft"}``.
    """

    def __init__(self, columns: dict[str, str] | None = None) -> None:
        self._columns = dict(columns or {})
        self._rows: list[dict[str, Any]] = []

    @keyword("Use Master Data")
    def use_master_data(self, rows: list[dict[str, Any]]) -> None:
        """Keep the master-data workbook's rows (from ``Read Master Data Workbook``) for the whole step."""
        self._rows = list(rows)

    @keyword("Resolve Payment Month")
    def resolve_payment_month(self, setting: str = "") -> str:
        """The payment month to work (``YYYY-MM``): the setting, or this month in Copenhagen when empty."""
        return case_data.resolve_payment_month(setting)

    @keyword("Find Master Data Row")
    def find_master_data_row(self, cpr: str) -> dict[str, Any] | None:
        """The citizen's row of the master data given to ``Use Master Data``, or ``None``."""
        return case_data.find_master_row(self._rows, cpr, self._columns)

    @keyword("Master Data Case Number")
    def master_data_case_number(self, master_row: dict[str, Any] | None) -> str | None:
        """The case number in the citizen's master-data row, or ``None`` (no row, or no case number)."""
        return case_data.case_number(master_row, self._columns)

    @keyword("Build Fleksløn Case")
    def build_fleksloen_case(
        self,
        payment: Any,
        income_lines: list[Any],
        master_row: dict[str, Any] | None,
        registered_by_robot: bool = False,
        cases: list[Any] | None = None,
    ) -> dict[str, Any]:
        """The case ``Decide Fleksløn Case`` reads, from the payment, the income month's lines and the row.

        ``registered_by_robot``: the robot registered this payment in an earlier attempt that was interrupted,
        so it is finished rather than left as already handled. ``cases``: the citizen's cases in the ESDH (from
        ``Find Cases``), so the rules send a closed case to a caseworker (``CASE_CLOSED``) before anything is
        paid; ``None``: not looked up.
        """
        return case_data.fleksloen_case(
            payment,
            income_lines,
            master_row,
            columns=self._columns,
            registered_by_robot=registered_by_robot,
            cases=cases,
        )

    @keyword("Registration For Payment")
    def registration_for_payment(self, income_lines: list[Any], subsidy: Any) -> dict[str, str]:
        """Income fields and subsidy to register: wage, own_pension, employer_pension, hours, holiday_pay, subsidy."""
        return case_data.registration(income_lines, subsidy)

    @keyword("Pick Spot Checks")
    def pick_spot_checks(self, items: list[Any], share: float, seed: int) -> list[Any]:
        """A reproducible random sample (``share`` of the items, at least one) for the caseworkers' spot check."""
        return case_data.spot_checks(items, float(share), int(seed))

    @keyword("Build Report Sheets")
    def build_report_sheets(self, items: list[dict[str, Any]], share: float, seed: int) -> list[dict[str, Any]]:
        """The report's sheets (``name``, ``columns``, ``rows``): Behandlet, Manuel behandling, Fejl, Stikprøve."""
        sheets = case_data.report_sheets(items, float(share), int(seed))
        return [{"name": n, "columns": case_data.REPORT_COLUMNS[n], "rows": rows} for n, rows in sheets.items()]
