"""Import templates: an XLSX per side whose first sheet has exactly the headers the importer accepts (in zh
or en), required columns marked in a comment, drop-downs for coded columns, and the valid codes with their
names on a second sheet."""
from __future__ import annotations

import io

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from matcher.domain.records import MODEL_FOR_SIDE, Maturity, Side
from matcher.domain.taxonomy import load_taxonomy
from matcher.io import labels
from matcher.io.imports import HEADERS_ZH
from matcher.io.workbook import Sheet, fill_sheet

CODED = {"industry": "industry", "maturity": "maturity", "required_maturity": "maturity"}
NOTE = {"required": ("必填", "required"), "codes": ("请填写“{sheet}”表中的代码", "use a code from the sheet “{sheet}”"),
        "date": ("日期，例如 2026-12-31", "a date, e.g. 2026-12-31"), "number": ("数字", "a number")}


def template_fields(side: Side) -> list[str]:
    return [f for f in MODEL_FOR_SIDE[side].model_fields if f != "id"]


def _codes(lang: str) -> list[list[str]]:
    rows = [["industry", code, ind.name_zh, ind.name_en] for code, ind in load_taxonomy().industries.items()]
    rows += [["maturity", m.value, labels.value("maturity", m.value, "zh"), labels.value("maturity", m.value, "en")]
             for m in Maturity]
    return rows


def template_xlsx(side: Side, lang: str = "zh") -> bytes:
    """The template for importing side's records, headers in lang (both languages import)."""
    fields = template_fields(side)
    model = MODEL_FOR_SIDE[side].model_fields
    kind = "offerings" if side == Side.SUPPLY else "scenarios"
    codes_name = labels.sheet_name("codes", lang)
    pick = 0 if lang == "zh" else 1
    wb = openpyxl.Workbook()
    data = wb.active
    fill_sheet(data, Sheet(labels.sheet_name(kind, lang), [HEADERS_ZH.get(f, f) if lang == "zh" else f
                                                           for f in fields]))
    codes = _codes(lang)
    heads = [("字段", "Field"), ("代码", "Code"), ("中文名称", "Chinese name"), ("英文名称", "English name")]
    fill_sheet(wb.create_sheet(), Sheet(codes_name, [h[pick] for h in heads], codes))
    for col, field in enumerate(fields, start=1):
        cell = data.cell(1, col)
        notes = [NOTE["required"][pick]] if model[field].is_required() else []
        kind_of = CODED.get(field)
        if kind_of:
            notes.append(NOTE["codes"][pick].format(sheet=codes_name))
            first = next(i for i, r in enumerate(codes, start=2) if r[0] == kind_of)
            last = first + sum(1 for r in codes if r[0] == kind_of) - 1
            check = DataValidation(type="list", formula1=f"='{codes_name}'!$B${first}:$B${last}", allow_blank=True)
            check.add(f"{get_column_letter(col)}2:{get_column_letter(col)}5000")
            data.add_data_validation(check)
        elif field == "deadline":
            notes.append(NOTE["date"][pick])
        elif field == "budget_wan":
            notes.append(NOTE["number"][pick])
        if model[field].is_required():
            cell.font = Font(bold=True, color="9C0006")
        if notes:
            cell.comment = Comment("; ".join(notes), "matcher")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
