"""What ranking and explanations read of each indexed record, kept in memory beside the indexes (no SQL per match).

One `RecordFacts` per side holds, for every published record in that side's indexes, exactly the fields that
`ranking.rank_candidates` (signals, filters, explanations, indicator checks, matched terms) and the service's
lifts (`search/evidence.py`) read, and nothing else: no contacts, dates or budgets. The engine updates it in
the same locked step that updates the vectors (create, edit, status change, change feed, sync), so a record
that leaves the indexes (withdrawn, rejected, expired) leaves here too.

Memory: columns, not an object per record. The four text fields are one zlib-compressed UTF-8 blob per record
(about 0.7 of the UTF-8 size on the demo data), decompressed only when read: `records()` returns FactRecord
mappings, and ranking reads the texts of the few candidates it checks and explains, not of all ~150;
the short repeated values (organisation, industry, region, maturity, language) are codes into a table holding
each distinct value once; numbers sit in typed arrays. A dropped record's slot is reused by the next one.
"""
from __future__ import annotations

import sys
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from matcher.domain.records import RecordStatus

TEXT_FIELDS = ("title", "description", "keywords", "indicators")
# Short values shared by many records: one string object each.
SHARED_FIELDS = ("organization", "industry", "region", "maturity", "required_maturity", "language")
# Every column the facts need from a record row (the engine selects just these).
COLUMNS = ("id", "version", "owner_id", "industry_inferred", *SHARED_FIELDS, *TEXT_FIELDS)
_PUBLISHED = str(RecordStatus.PUBLISHED)
_SEP = "\x1f"   # unit separator: never in validated text (control characters are refused by the records model)


class Link(NamedTuple):
    """A record's organisation and that organisation's verified tags ((tag, level, year), as evidence.tag_lifts
    reads them). Supplied by the service layer: search never reads the organisation tables itself."""
    organisation_id: int | None
    tags: tuple[tuple[str, str, int], ...] = ()


NO_LINK = Link(None, ())


class FactRecord(Mapping):
    """One record's facts as a read-only mapping (the keys and values of its database row, published). The
    short fields are ready; the four texts are decompressed on their first read."""

    __slots__ = ("_fields", "_blob")

    def __init__(self, fields: dict[str, Any], blob: bytes):
        self._fields, self._blob = fields, blob

    def _texts(self) -> dict[str, Any]:
        if self._blob is not None:   # racing readers decode the same bytes to the same values
            title, description, keywords, indicators = zlib.decompress(self._blob).decode("utf-8").split(_SEP)
            self._fields.update(title=title, description=description, keywords=keywords or None,
                                indicators=indicators or None)
            self._blob = None
        return self._fields

    def __getitem__(self, key: str) -> Any:
        return (self._texts() if key in _TEXT_SET else self._fields)[key]

    def get(self, key: str, default: Any = None) -> Any:
        return (self._texts() if key in _TEXT_SET else self._fields).get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._fields or (self._blob is not None and key in _TEXT_SET)

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts())

    def __len__(self) -> int:
        return len(self._texts())

    def __repr__(self) -> str:
        return f"FactRecord({self._texts()!r})"


_TEXT_SET = frozenset(TEXT_FIELDS)


class RecordFacts:
    """record id -> the fields ranking reads, for one side. Not thread-safe on its own: the engine holds the
    side's lock around every call, as for the vector and lexical indexes."""

    def __init__(self) -> None:
        self._slot: dict[str, int] = {}
        self._free: list[int] = []
        self._text: list[bytes] = []
        self._rid: list[str | None] = []                    # slot -> record id (the same str objects)
        self._version, self._owner, self._org = array("q"), array("q"), array("q")   # -1: none
        self._inferred = array("b")
        self._codes = {k: array("I") for k in SHARED_FIELDS}
        self._values: list[str | None] = [None]             # code -> value (0: None)
        self._code_of: dict[str | None, int] = {None: 0}
        self._tagged: dict[str, tuple[tuple[str, str, int], ...]] = {}   # only records with verified tags

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, record_id: str) -> bool:
        return record_id in self._slot

    def ids(self) -> list[str]:
        return list(self._slot)

    def version(self, record_id: str) -> int | None:
        slot = self._slot.get(record_id)
        return None if slot is None else self._version[slot]

    def _code(self, value: Any) -> int:
        code = self._code_of.get(value)
        if code is None:
            code = self._code_of[value] = len(self._values)
            self._values.append(value)
        return code

    def put(self, rows: Iterable[Mapping[str, Any]], links: Mapping[str, Link] | None = None) -> None:
        """Store (or replace) the facts of these record rows (mappings with at least COLUMNS)."""
        for row in rows:
            rid = row["id"]
            text = zlib.compress(_SEP.join(row.get(k) or "" for k in TEXT_FIELDS).encode("utf-8"), 6)
            link = (links or {}).get(rid, NO_LINK)
            values = (int(row.get("version") or 1), _none(row.get("owner_id")), _none(link.organisation_id),
                      int(bool(row.get("industry_inferred"))))
            slot = self._slot.get(rid)
            if slot is None:
                slot = self._free.pop() if self._free else None
            if slot is None:
                slot = len(self._text)
                self._text.append(text)
                self._rid.append(rid)
                for column, value in zip((self._version, self._owner, self._org, self._inferred), values):
                    column.append(value)
                for k in SHARED_FIELDS:
                    self._codes[k].append(self._code(row.get(k)))
            else:
                self._text[slot], self._rid[slot] = text, rid
                for column, value in zip((self._version, self._owner, self._org, self._inferred), values):
                    column[slot] = value
                for k in SHARED_FIELDS:
                    self._codes[k][slot] = self._code(row.get(k))
            self._slot[rid] = slot
            self._tagged.pop(rid, None)
            if link.tags:
                self._tagged[rid] = tuple(tuple(sys.intern(x) if isinstance(x, str) else x for x in t)
                                          for t in link.tags)

    def drop(self, record_ids: Iterable[str]) -> None:
        for rid in record_ids:
            slot = self._slot.pop(rid, None)
            if slot is not None:
                self._text[slot], self._rid[slot] = b"", None
                self._org[slot] = -1
                self._free.append(slot)
                self._tagged.pop(rid, None)

    def records(self, record_ids: Iterable[str]) -> list[FactRecord]:
        """The records as ranking reads them (the same keys and values as their database rows; published),
        in the given order; ids without facts are left out."""
        out, values = [], self._values
        for rid in record_ids:
            slot = self._slot.get(rid)
            if slot is None:
                continue
            owner = self._owner[slot]
            fields = {"id": rid, "status": _PUBLISHED, "owner_id": None if owner < 0 else owner,
                      "industry_inferred": bool(self._inferred[slot])}
            for k in SHARED_FIELDS:
                fields[k] = values[self._codes[k][slot]]
            out.append(FactRecord(fields, self._text[slot]))
        return out

    def tagged(self) -> dict[str, tuple[tuple[str, str, int], ...]]:
        """record id -> its organisation's verified tags, for the records that have any."""
        return dict(self._tagged)

    def of_organisations(self, organisation_ids: Iterable[int]) -> dict[int, list[str]]:
        """organisation id -> its records here (sorted). A scan of one integer column (~0.1 ms at 100k)."""
        wanted = np.array(sorted(set(organisation_ids)), dtype=np.int64)
        if not len(wanted) or not self._slot:
            return {}
        orgs = np.frombuffer(self._org, dtype=np.int64)
        out: dict[int, list[str]] = {}
        for slot in np.flatnonzero(np.isin(orgs, wanted)).tolist():
            out.setdefault(int(orgs[slot]), []).append(self._rid[slot])
        return {org: sorted(ids) for org, ids in out.items()}

    def nbytes(self) -> int:
        """Bytes these facts hold: the id map and its keys, the texts, the columns, the value table."""
        total = sys.getsizeof(self._slot) + sum(sys.getsizeof(rid) for rid in self._slot)
        total += sys.getsizeof(self._rid) + sys.getsizeof(self._text) + sum(sys.getsizeof(t) for t in self._text)
        total += sum(sys.getsizeof(c) for c in (self._version, self._owner, self._org, self._inferred,
                                                 *self._codes.values()))
        total += sys.getsizeof(self._values) + sys.getsizeof(self._code_of) + sum(
            sys.getsizeof(v) for v in self._values if v is not None)
        total += sys.getsizeof(self._tagged) + sum(sys.getsizeof(t) + sum(sys.getsizeof(x) for x in t)
                                                   for t in self._tagged.values())
        return total


def _none(value: int | None) -> int:
    return -1 if value is None else int(value)
