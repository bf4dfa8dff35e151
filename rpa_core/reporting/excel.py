"""Excel workbooks for caseworkers, written with openpyxl: one sheet per list, money as numbers with øre.

Written to a temporary file and moved into place, so a reader never sees half a workbook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

MONEY_FORMAT = "#,##0.00"
MAX_COLUMN_WIDTH = 60
EXCEL_SHEET_NAME_LIMIT = 31


@dataclass(frozen=True)
class Sheet:
    """A named table: column headings and rows of values (Decimal for money, dates, text, numbers)."""

    name: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > EXCEL_SHEET_NAME_LIMIT or any(c in self.name for c in "[]:*?/\\"):
            raise ValueError(f"sheet name '{self.name}' must be 1-31 characters without []:*?/\\")
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"sheet '{self.name}' row {number} has {len(row)} values for {len(self.columns)} columns"
                )


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value  # openpyxl writes Decimal as a number
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; callers pass local time
    if value is None or isinstance(value, str | int | float | date | datetime):
        return value
    return str(value)


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> Path:
    """Write ``sheets`` to ``path`` (xlsx): bold headings, frozen heading row, filters, money formatted."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.name)
        worksheet.append(list(sheet.columns))
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        widths = [len(str(c)) for c in sheet.columns]
        for row in sheet.rows:
            worksheet.append([_cell_value(v) for v in row])
            for index, value in enumerate(row):
                widths[index] = max(widths[index], len(str(value)) if value is not None else 0)
                if isinstance(value, Decimal):
                    worksheet.cell(row=worksheet.max_row, column=index + 1).number_format = MONEY_FORMAT
        for index, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_COLUMN_WIDTH)
        worksheet.freeze_panes = "A2"
        if sheet.rows:
            worksheet.auto_filter.ref = worksheet.dimensions
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.writing")
    workbook.save(temporary)
    temporary.replace(path)
    return path
