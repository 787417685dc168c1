"""Import and export of the cultivation list (企业培育库): one row per organisation and tag, zh or en headers."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from matcher.domain.organisations import OrganisationIn, TagStatus, normalise_name, validate_organisation
from matcher.domain.records import FieldError, RecordValidationError
from matcher.io.imports import header_keys, read_table
from matcher.storage.schema import OrganisationRow, OrganisationTagRow
from matcher.storage.store import Store, row_to_dict
from matcher.workflow.organisations import _apply

COLUMNS = ["name", "credit_code", "district", "industry", "size", "tag", "level", "year", "status"]
HEADERS_ZH = {"name": "企业名称", "credit_code": "统一社会信用代码", "district": "所在区县", "industry": "行业",
              "size": "企业规模", "tag": "认定类型", "level": "级别", "year": "认定年份", "status": "核验状态"}
_HEADERS = header_keys({
    "name": ["企业名称", "单位名称", "名称", "organisation", "organization", "company"],
    "credit_code": ["统一社会信用代码", "信用代码", "社会信用代码", "uscc", "credit code"],
    "district": ["所在区县", "区县", "所在区", "地区", "district", "region"],
    "industry": ["行业", "所属行业", "industry"],
    "size": ["企业规模", "规模", "size"],
    "tag": ["认定类型", "资质", "标签", "称号", "tag"],
    "level": ["级别", "认定级别", "层级", "level"],
    "year": ["认定年份", "年份", "认定年度", "year"],
})


def parse_organisations(source: Path | bytes, filename: str) -> list[tuple[OrganisationIn, int]]:
    """Rows grouped into organisations (by credit code, else name); each validated, every bad row named.

    Returns (organisation, first row) pairs. Raises RecordValidationError listing every problem."""
    table = read_table(source, filename, header_map=_HEADERS)
    if table.rows and "name" not in table.columns:
        raise RecordValidationError([FieldError("name", "The file has no organisation name column (企业名称)",
                                                "文件缺少“企业名称”列", row=table.header_row)])
    groups: dict[str, dict] = {}
    errors: list[FieldError] = []
    for offset, cells in enumerate(table.rows):
        row = table.header_row + 1 + offset
        if not any(cells.values()):
            continue
        own_tag = [{k: cells.get(k) for k in ("tag", "level", "year")}] \
            if any(cells.get(k) for k in ("tag", "level", "year")) else []
        try:  # each row on its own first, so every error names the file row it came from
            validate_organisation({**{k: cells.get(k) for k in COLUMNS[:5]}, "tags": own_tag}, row=row)
        except RecordValidationError as exc:
            errors.extend(exc.errors)
            continue
        key = (cells.get("credit_code") or "").strip().upper() or normalise_name(cells.get("name") or "")
        group = groups.setdefault(key, {"row": row, "data": {}, "tags": []})
        for k in COLUMNS[:5]:  # later rows of the same organisation fill gaps, never overwrite
            if not group["data"].get(k):
                group["data"][k] = cells.get(k)
        group["tags"].extend(own_tag)
    parsed = []
    for g in groups.values():
        try:
            parsed.append((validate_organisation({**g["data"], "tags": g["tags"]}, row=g["row"]), g["row"]))
        except RecordValidationError as exc:
            errors.extend(exc.errors)
    if errors:
        raise RecordValidationError(sorted(errors, key=lambda e: (e.row or 0, e.field)))
    return parsed


def import_organisations(store: Store, source: Path | bytes, filename: str, actor: str,
                         verified: bool = True) -> list[int]:
    """All or nothing. The city's own list, imported by an official, counts as verification of its tags
    (audited as such); verified=False leaves them for an official to check."""
    parsed = parse_organisations(source, filename)
    status = TagStatus.VERIFIED if verified else TagStatus.PENDING
    ids = []
    with store.write() as s:
        for org, row in parsed:
            by_code = s.scalar(select(OrganisationRow).where(OrganisationRow.credit_code == org.credit_code)) \
                if org.credit_code else None
            by_name = s.scalar(select(OrganisationRow).where(OrganisationRow.name_key == normalise_name(org.name)))
            if by_code is not None and by_name is not None and by_code is not by_name:
                raise RecordValidationError([FieldError(
                    "credit_code", f"credit code {org.credit_code} belongs to {by_code.name}, not {org.name}",
                    f"统一社会信用代码 {org.credit_code} 属于“{by_code.name}”，不是“{org.name}”", row=row)])
            target = by_code or by_name
            created = target is None
            if created:
                target = OrganisationRow(name=org.name, name_key=normalise_name(org.name))
                s.add(target)
            _apply(store, s, target, org, actor, status, note=f"imported from {filename}")
            store.audit(s, actor, "organisation", str(target.id), "import_create" if created else "import_update",
                        note=f"{filename} row {row}")
            ids.append(target.id)
    return ids


def export_organisations(store: Store) -> list[dict]:
    """One row per organisation and tag (an organisation without tags gets one row), the import's columns."""
    out = []
    with store.read() as s:
        tags: dict[int, list] = {}
        for t in s.scalars(select(OrganisationTagRow).order_by(OrganisationTagRow.tag)):
            tags.setdefault(t.organisation_id, []).append(t)
        for org in s.scalars(select(OrganisationRow).order_by(OrganisationRow.id)):
            base = {k: v for k, v in row_to_dict(org).items() if k in COLUMNS}
            for t in tags.get(org.id) or [None]:
                out.append({**{c: base.get(c) for c in COLUMNS[:5]}, "tag": t.tag if t else None,
                            "level": t.level if t else None, "year": t.year if t else None,
                            "status": t.status if t else None})
    return out
