"""Import and export of diagnosis campaigns as CSV/XLSX: one row per campaign, zh or en headers; industries in
one cell ('robotics_equipment; 工业互联网'). The export adds what happened (providers, diagnoses, scenarios);
those columns are ignored when the file is imported again."""
from __future__ import annotations

from pathlib import Path

from matcher.domain.records import FieldError, RecordValidationError
from matcher.io.imports import header_keys, read_table
from matcher.storage.store import Store
from matcher.workflow import campaigns as cp
from matcher.workflow import diagnoses

COLUMNS = ["title", "park", "district", "industries", "enterprise_count", "needs", "start_date", "end_date"]
REPORT_COLUMNS = ["id", *COLUMNS, "providers_assigned", "enterprises_diagnosed", "scenarios"]
HEADERS_ZH = {"id": "活动编号", "title": "活动名称", "park": "园区/镇", "district": "所在区县", "industries": "行业",
              "enterprise_count": "企业数量", "needs": "诊断需求", "start_date": "开始日期", "end_date": "结束日期",
              "providers_assigned": "已分配服务商", "enterprises_diagnosed": "已诊断企业", "scenarios": "生成的场景"}
_HEADERS = header_keys({
    "title": ["活动名称", "名称", "诊断活动", "campaign"], "park": ["园区/镇", "园区", "镇", "园区镇", "park", "town"],
    "district": ["所在区县", "区县", "地区", "region"], "industries": ["行业", "所属行业", "industry"],
    "enterprise_count": ["企业数量", "诊断企业数", "企业数", "enterprises"], "needs": ["诊断需求", "需求", "needs"],
    "start_date": ["开始日期", "开始", "start"], "end_date": ["结束日期", "结束", "end"],
})


def import_campaigns(store: Store, source: Path | bytes, filename: str, actor: str) -> list[int]:
    """All rows valid and stored in one transaction, or none (every bad row and field named)."""
    table = read_table(source, filename, header_map=_HEADERS)
    valid, errors = [], []
    for offset, cells in enumerate(table.rows):
        row = table.header_row + 1 + offset
        data = {k: v for k, v in cells.items() if k in COLUMNS}
        for day in ("start_date", "end_date"):   # an Excel date cell reads as '2026-12-01 00:00:00'
            if isinstance(data.get(day), str):
                data[day] = data[day].split(" ")[0].split("T")[0]
        try:
            cp.validate_campaign(data, row=row)
            valid.append(data)
        except RecordValidationError as exc:
            errors.extend(FieldError(e.field, e.en, e.zh, row=row) for e in exc.errors)
    if errors:
        raise RecordValidationError(errors)
    if not valid:
        raise RecordValidationError([FieldError("file", "The file holds no campaign", "文件中没有诊断活动")])
    return cp.create_campaigns(store, valid, actor)


def export_campaigns(store: Store) -> list[dict]:
    """Every campaign with the import's columns, then its assigned providers, diagnoses and scenarios."""
    out = []
    for c in cp.list_campaigns(store):
        found = diagnoses.list_diagnoses(store, c["id"])
        assigned = [p["organization"] for p in cp.providers(store, c["id"]) if p["status"] == cp.ProviderStatus.ASSIGNED]
        out.append({**{k: c.get(k) for k in ("id", *COLUMNS)}, "industries": "; ".join(c["industries"]),
                    "providers_assigned": "; ".join(assigned), "enterprises_diagnosed": len(found),
                    "scenarios": "; ".join(d["scenario_id"] for d in found if d["scenario_id"])})
    return out
