"""Import and export of the case library as CSV/XLSX. Results sit in one cell: 'indicator = measured = met; …'."""
from __future__ import annotations

from pathlib import Path

from matcher.domain.records import FieldError, RecordValidationError
from matcher.io.imports import header_keys, read_table
from matcher.storage.store import Store
from matcher.workflow import cases

COLUMNS = ["id", "title", "problem", "solution", "supplier", "adopter", "industry", "region", "results", "contact"]
HEADERS_ZH = {"id": "案例编号", "title": "案例标题", "problem": "问题", "solution": "解决方案", "supplier": "供给方",
              "adopter": "应用方", "industry": "行业", "region": "地区", "results": "成效", "contact": "联系方式"}
_HEADERS = header_keys({
    "id": ["编号", "案例编号"], "title": ["案例标题", "标题"], "problem": ["问题", "痛点"], "solution": ["解决方案", "方案"],
    "supplier": ["供给方", "供应商", "技术提供方"], "adopter": ["应用方", "需求方"], "industry": ["行业"],
    "region": ["地区", "区县"], "results": ["成效", "指标成效", "results against indicators"],
    "contact": ["联系方式", "联系人"],
})
_YES = {"yes", "y", "met", "true", "1", "是", "达标", "已达标", "✓"}
_NO = {"no", "n", "not met", "false", "0", "否", "未达标", "✗"}


def parse_results(cell: str | None) -> list[dict]:
    """'Energy saved ≥ 40 万kWh = 52 万kWh = yes; Availability ≥ 99% = 99.4% = 是' -> result dicts."""
    out = []
    for part in (cell or "").replace("；", ";").split(";"):
        if not part.strip():
            continue
        bits = [b.strip() for b in part.replace("＝", "=").split("=")]
        met = len(bits) >= 3 and bits[-1].lower() in _YES
        if len(bits) >= 3 and (bits[-1].lower() in _YES or bits[-1].lower() in _NO):
            bits = bits[:-1]
        out.append({"indicator": bits[0], "measured": "=".join(bits[1:]) or None, "met": met})
    return out


def format_results(results: list[dict]) -> str:
    return "; ".join(f"{r['indicator']} = {r['measured']} = {'yes' if r.get('met') else 'no'}" for r in results)


def import_cases(store: Store, source: Path | bytes, filename: str, actor: str) -> list[str]:
    """All rows valid and stored, or none (every bad row and field named)."""
    table = read_table(source, filename, header_map=_HEADERS)
    valid, errors = [], []
    for offset, cells in enumerate(table.rows):
        row = table.header_row + 1 + offset
        data = {**cells, "results": parse_results(cells.get("results"))}
        try:
            cases.validate_case(data)
            valid.append(data)
        except RecordValidationError as exc:
            errors.extend(FieldError(e.field, e.en, e.zh, row=row) for e in exc.errors)
    if errors:
        raise RecordValidationError(errors)
    return cases.add_cases(store, valid, actor)


def export_cases(store: Store) -> list[dict]:
    """Every case with the import's columns (contacts only where both parties agreed)."""
    return [{**{c: cases.public(k).get(c) for c in COLUMNS}, "results": format_results(k["results"])}
            for k in cases.list_cases(store)]
