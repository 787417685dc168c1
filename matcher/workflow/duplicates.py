"""Near-duplicate check of a draft record before it is saved: against the published records (the engine's
fused text score) and against what the index does not hold yet: records waiting for moderation and the
submitter's own earlier submissions (character similarity of the normalised text, from difflib)."""
from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from matcher.domain.records import RecordStatus, Side, record_text
from matcher.search.engine import OTHER, Engine
from matcher.storage.store import ROW_FOR_SIDE, Store, row_to_dict


@dataclass(frozen=True)
class Duplicate:
    record_id: str
    title: str
    organization: str
    status: str
    similarity: float   # 0..1


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def similarity(a: str, b: str) -> float:
    """Character similarity of two texts after case, width and spacing are normalised (0..1)."""
    matcher = difflib.SequenceMatcher(None, _norm(a), _norm(b), autojunk=False)
    return matcher.ratio() if matcher.real_quick_ratio() > 0.5 and matcher.quick_ratio() > 0.5 else 0.0


def find(store: Store, engine: Engine, side: Side, data: dict[str, Any], owner_id: int | None = None,
         threshold: float = 0.85) -> list[Duplicate]:
    """Records on the same side very close to the draft, most similar first. Withdrawn records and the draft
    itself (when it is an edit: data['id']) are left out."""
    out: dict[str, Duplicate] = {}
    # Published: the engine searching the draft's own side (a draft posted on OTHER[side] finds side's records).
    for sug in engine.match({"id": data.get("id"), **data}, OTHER[side], k=3, exclude_own=False):
        if sug.channels["text"] >= threshold:
            rid = sug.counterpart_id(OTHER[side])
            rec = store.get_record(side, rid)
            if rec:
                out[rid] = Duplicate(rid, rec["title"], rec["organization"], rec["status"], sug.channels["text"])
    row_cls = ROW_FOR_SIDE[side]
    wanted = [row_cls.status == RecordStatus.PENDING]
    if owner_id is not None:
        wanted.append((row_cls.owner_id == owner_id) & (row_cls.status != RecordStatus.WITHDRAWN))
    with store.read() as s:
        rows = [row_to_dict(r) for r in s.scalars(select(row_cls).where(or_(*wanted)))]
    draft = record_text(data)
    for rec in rows:
        if rec["id"] in out or rec["id"] == data.get("id"):
            continue
        score = similarity(draft, record_text(rec))
        if score >= threshold:
            out[rec["id"]] = Duplicate(rec["id"], rec["title"], rec["organization"], rec["status"], round(score, 3))
    return sorted(out.values(), key=lambda d: (-d.similarity, d.record_id))
