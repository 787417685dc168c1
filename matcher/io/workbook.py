"""Spreadsheets that can be handed on: a named sheet with a bold frozen header, filters, column widths from
the content and real date cells; CSV with the same header even when there are no rows. Text cells are
neutralised against formula injection exactly as the plain exports are."""
from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, field

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from matcher.io.imports import neutralise

MAX_WIDTH, MIN_WIDTH = 60, 8
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")


@dataclass
class Sheet:
    """One table: a sheet name, headers (already in the reader's language) and rows of cell values."""
    name: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)


def display_width(value) -> int:
    """Characters a cell needs: East Asian wide characters take two columns."""
    text = value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else str(value if value is not None else "")
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text[:200])


def _cell_value(value):
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def fill_sheet(ws: Worksheet, sheet: Sheet) -> None:
    ws.title = sheet.name[:31]   # Excel's limit
    ws.append([_cell_value(h) for h in sheet.headers])
    for row in sheet.rows:
        ws.append([_cell_value(v) for v in row])
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=False)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"   # never a formula, whatever the text looks like
            elif isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    last = get_column_letter(max(1, len(sheet.headers)))
    ws.auto_filter.ref = f"A1:{last}{max(1, len(sheet.rows) + 1)}"
    for i, head in enumerate(sheet.headers, start=1):
        widest = max([display_width(head) + 2, *(display_width(r[i - 1]) for r in sheet.rows[:2000])])
        ws.column_dimensions[get_column_letter(i)].width = max(MIN_WIDTH, min(MAX_WIDTH, widest + 1))


def xlsx_bytes(*sheets: Sheet) -> bytes:
    """A workbook with one sheet per table, in order (the first is the one that opens)."""
    wb = openpyxl.Workbook()
    fill_sheet(wb.active, sheets[0])
    for sheet in sheets[1:]:
        fill_sheet(wb.create_sheet(), sheet)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(sheet: Sheet) -> bytes:
    """UTF-8 with BOM (Excel shows Chinese), header row always present, dates as ISO text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_cell_value(h) for h in sheet.headers])
    for row in sheet.rows:
        writer.writerow(["" if v is None else v.isoformat(sep=" ", timespec="minutes")
                         if isinstance(v, dt.datetime) else v.isoformat() if isinstance(v, dt.date)
                         else _cell_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
