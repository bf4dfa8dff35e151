"""The caseworkers' master-data workbook, stamdata.xlsx, written with openpyxl as municipalities keep it."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from rpa_core.sandbox.model import Dataset

SHEET = "Stamdata"
HEADERS = ("CPR-nr.", "Sagsnummer", "Pensionssats (%)", "Lønloft (kr./md.)", "Ugentlige timer")


def stamdata_bytes(data: Dataset) -> bytes:
    """stamdata.xlsx as bytes: one row per citizen in the master data (missing cells stay empty)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["D"].width = 18
    bold = Font(bold=True)
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in sorted(data.master_data, key=lambda r: r.cpr):
        lonloft = WriteOnlyCell(ws, value=row.lonloft)
        lonloft.number_format = "#,##0.00"
        ws.append([row.cpr, row.case_number, row.pension_rate, lonloft, row.weekly_hours])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_stamdata(data: Dataset, path: str | Path) -> Path:
    """Write stamdata.xlsx to ``path`` (a file, or a folder to put stamdata.xlsx in) and return the file."""
    path = Path(path)
    if path.is_dir():
        path = path / "stamdata.xlsx"
    path.write_bytes(stamdata_bytes(data))
    return path
