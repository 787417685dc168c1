"""Calls for scenarios (征集批次), as in city opportunity lists and challenge competitions.

An official creates a call (a title in zh and/or en, opening and closing dates, industries: none = all),
opens it and closes it; the sweep closes open calls after their closing day. A scenario may be submitted to
an open call between its dates (and of one of its industries); a closed call takes no new scenarios. The
report counts the call's listings by status and their pairings by stage, and exports both to Excel.
Every state change is an audit row (entity 'call').
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from matcher.domain.records import FieldError, PairingStatus, RecordValidationError
from matcher.domain.taxonomy import load_taxonomy
from matcher.io import labels
from matcher.io.workbook import Sheet, xlsx_bytes
from matcher.storage.schema import CallRow, CallScenario, Pairing, ScenarioRow
from matcher.storage.store import Store, row_to_dict

DRAFT, OPEN, CLOSED = "draft", "open", "closed"
TRANSITIONS = {DRAFT: {OPEN}, OPEN: {CLOSED}, CLOSED: {OPEN}}
STAGES = [str(p) for p in PairingStatus]


def _error(field: str, en: str, zh: str) -> FieldError:
    return FieldError(field, en, zh)


def validate_call(data: dict, today: dt.date | None = None) -> dict:
    """Clean call fields, or RecordValidationError naming every bad field in zh and en."""
    clean = {k: (str(data.get(k) or "").strip() or None) for k in ("title_zh", "title_en")}
    errors = []
    if not (clean["title_zh"] or clean["title_en"]):
        errors.append(_error("title", "title is required (Chinese, English or both)", "标题为必填项（中文、英文或两者）"))
    for key in ("title_zh", "title_en"):
        if clean[key] and len(clean[key]) > 200:
            errors.append(_error(key, "title is longer than 200 characters", "标题超过 200 个字符"))
    for key, en, zh in (("opens_on", "opening date", "开始日期"), ("closes_on", "closing date", "截止日期")):
        value = data.get(key)
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            errors.append(_error(key, f"{en} is required (a date like 2027-03-31)", f"{zh}为必填项（例如 2027-03-31）"))
        clean[key] = value if isinstance(value, dt.date) else None
    if clean["opens_on"] and clean["closes_on"] and clean["closes_on"] < clean["opens_on"]:
        errors.append(_error("closes_on", "closing date is before the opening date", "截止日期早于开始日期"))
    industries = [str(i) for i in (data.get("industries") or [])]
    unknown = [i for i in industries if i not in load_taxonomy().industries]
    if unknown:
        errors.append(_error("industries", f"unknown industry: {', '.join(unknown)}",
                             f"未知的行业：{'、'.join(unknown)}"))
    if errors:
        raise RecordValidationError(errors)
    clean["industries"] = list(dict.fromkeys(industries))
    return clean


def create_call(store: Store, data: dict, actor: str) -> int:
    """Save a new call (status draft). Nothing is saved when a field is bad."""
    clean = validate_call(data)
    with store.write() as s:
        row = CallRow(**clean, status=DRAFT, created_by=actor)
        s.add(row)
        s.flush()
        store.audit(s, actor, "call", str(row.id), "create", to_status=DRAFT, note=title(row_to_dict(row), "en"))
        return row.id


def set_status(store: Store, call_id: int, status: str, actor: str, today: dt.date,
               note: str | None = None) -> None:
    """Open or close a call (audited). A call past its closing day cannot be opened again."""
    with store.write() as s:
        row = s.get(CallRow, call_id)
        if row is None:
            raise KeyError(call_id)
        if status not in TRANSITIONS[row.status]:
            raise RecordValidationError([_error("status", f"a {row.status} call cannot become {status}",
                                                "此征集批次当前状态不能执行该操作")])
        if status == OPEN and today > row.closes_on:
            raise RecordValidationError([_error("closes_on", f"the closing date {row.closes_on} has passed",
                                                f"截止日期 {row.closes_on} 已过")])
        old, row.status, row.version = row.status, status, row.version + 1
        store.audit(s, actor, "call", str(call_id), "status", from_status=old, to_status=status, note=note)


def close_overdue(store: Store, today: dt.date) -> int:
    """Close the open calls whose closing day has passed (audited as 'system'); returns how many."""
    with store.read() as s:
        if not s.scalar(select(func.count()).select_from(CallRow).where(CallRow.status == OPEN,
                                                                         CallRow.closes_on < today)):
            return 0
    with store.write() as s:
        rows = list(s.scalars(select(CallRow).where(CallRow.status == OPEN, CallRow.closes_on < today)))
        for row in rows:
            row.status, row.version = CLOSED, row.version + 1
            store.audit(s, "system", "call", str(row.id), "status", from_status=OPEN, to_status=CLOSED,
                        reason_code="closing_date_passed", note=f"closed after {row.closes_on}")
        return len(rows)


def list_calls(store: Store, statuses: tuple[str, ...] | None = None) -> list[dict]:
    with store.read() as s:
        stmt = select(CallRow).order_by(CallRow.opens_on.desc(), CallRow.id.desc())
        if statuses:
            stmt = stmt.where(CallRow.status.in_(statuses))
        return [row_to_dict(r) for r in s.scalars(stmt)]


def accepting(store: Store, today: dt.date) -> list[dict]:
    """Calls that take scenarios today: open, between their opening and closing days."""
    return [c for c in list_calls(store, (OPEN,)) if c["opens_on"] <= today <= c["closes_on"]]


def title(call: dict, lang: str) -> str:
    """The call's title in lang, else in the other language."""
    first, second = ("title_zh", "title_en") if lang == "zh" else ("title_en", "title_zh")
    return call.get(first) or call.get(second) or ""


def check_accepting(store: Store, call_id: int | None, today: dt.date, industry: str | None = None) -> None:
    """Raise RecordValidationError (field 'call') unless the call takes this scenario today."""
    if call_id is None:
        return
    with store.read() as s:
        row = s.get(CallRow, int(call_id))
        call = row_to_dict(row) if row else None
    if call is None or call["status"] != OPEN or not call["opens_on"] <= today <= call["closes_on"]:
        raise RecordValidationError([_error("call", "this call is closed and takes no new scenarios",
                                            "该征集批次已截止，不再接受新的应用场景")])
    if industry and call["industries"] and industry not in call["industries"]:
        names = lambda lang: [labels.value("industry", i, lang) for i in call["industries"]]  # noqa: E731
        raise RecordValidationError([_error(
            "call", f"this call is for {', '.join(names('en'))}: choose one of them, or no call",
            f"该征集批次面向{'、'.join(names('zh'))}：请选择其中的行业，或不选征集批次")])


def attach(store: Store, scenario_id: str, call_id: int, actor: str) -> None:
    with store.write() as s:
        s.merge(CallScenario(scenario_id=scenario_id, call_id=int(call_id)))
        store.audit(s, actor, "scenario", scenario_id, "join_call", note=f"call {call_id}")


def call_of(store: Store, scenario_id: str) -> dict | None:
    with store.read() as s:
        link = s.get(CallScenario, scenario_id)
        return row_to_dict(s.get(CallRow, link.call_id)) if link else None


@dataclass
class CallReport:
    call: dict
    listings: list[dict]            # the call's scenarios: id, title, organization, industry, status, deadline
    by_status: dict[str, int]       # listings per record status
    by_stage: dict[str, int]        # pairings of those scenarios per stage (every stage, zeros included)
    pairings: list[dict]


def report(store: Store, call_id: int) -> CallReport:
    with store.read() as s:
        row = s.get(CallRow, call_id)
        if row is None:
            raise KeyError(call_id)
        scen = list(s.scalars(select(ScenarioRow).join(CallScenario, CallScenario.scenario_id == ScenarioRow.id)
                              .where(CallScenario.call_id == call_id).order_by(ScenarioRow.created_at)))
        ids = [r.id for r in scen]
        pairs = list(s.scalars(select(Pairing).where(Pairing.scenario_id.in_(ids)).order_by(Pairing.score.desc())))
        listings = [{k: getattr(r, k) for k in ("id", "title", "organization", "industry", "status", "deadline")}
                    for r in scen]
        titles = {r.id: r.title for r in scen}
        pairings = [{"id": p.id, "scenario_id": p.scenario_id, "scenario_title": titles[p.scenario_id],
                     "offering_id": p.offering_id, "score": round(p.score, 3), "status": p.status} for p in pairs]
        call = row_to_dict(row)
    stages = Counter(p["status"] for p in pairings)
    return CallReport(call, listings, dict(Counter(r["status"] for r in listings)),
                      {st: stages.get(st, 0) for st in STAGES}, pairings)


# Report columns: field, (zh, en) header when labels.HEADERS has none, and the labels kind of its values.
_STAGE_HEADERS = {"stage": ("阶段", "Stage"), "count": ("数量", "Count")}


def report_xlsx(rep: CallReport, lang: str) -> bytes:
    """The report as a workbook: listings, pairings, and pairings by stage; labels in lang."""
    h = labels.header
    listing_cols = ["id", "title", "organization", "industry", "status", "deadline"]
    kinds = {"industry": "industry", "status": "rstatus"}
    listings = Sheet(("场景" if lang == "zh" else "Scenarios"), [h(c, lang) for c in listing_cols],
                     [[labels.value(kinds[c], r[c], lang) if c in kinds else r[c] for c in listing_cols]
                      for r in rep.listings])
    pair_cols = ["id", "scenario_id", "scenario_title", "offering_id", "score", "status"]
    pairings = Sheet(labels.sheet_name("pairings", lang), [h(c, lang) for c in pair_cols],
                     [[labels.value("pstatus", r[c], lang) if c == "status" else r[c] for c in pair_cols]
                      for r in rep.pairings])
    pick = 0 if lang == "zh" else 1
    stages = Sheet(("按阶段" if lang == "zh" else "By stage"), [v[pick] for v in _STAGE_HEADERS.values()],
                   [[labels.value("pstatus", st, lang), n] for st, n in rep.by_stage.items()])
    return xlsx_bytes(listings, stages, pairings)
