"""The enterprises' marketplace as a query: published offerings and scenarios, filtered, searched and paged.

Only records whose status is *published* are ever listed (other statuses, such as an expiry added later,
stay out because the filter names published, not because it excludes a list of others). Contact details
are never selected, so no page built from these rows can show them.

Keyword search: the query is segmented with the lexical channel's tokenizer (jieba words for Chinese, words
for Latin script, stopwords dropped), and every word must occur (case-insensitive substring, SQL LIKE) in
the title, description, keywords or organisation, or one of its taxonomy synonyms must ("散热" also finds
"thermal management"). English words are matched by a light stem so that "batteries" finds "battery".
Substring matching makes the result independent of how jieba happens to segment each stored text. With a
keyword the best matches come first: a word in the title counts most, then in the keywords.

Cost: each word (and each of its synonyms) is one LIKE pass (ILIKE on PostgreSQL) over the published texts;
there is no text index. At 10,000 listings see benchmarks/RESULTS.md, "Marketplace".
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace

from sqlalchemy import Date, Float, String, and_, case, exists, func, literal, null, or_, select, union_all

from matcher.domain.organisations import TagStatus
from matcher.domain.records import RecordStatus, Side
from matcher.domain.taxonomy import load_taxonomy
from matcher.search.lexical import tokenize
from matcher.storage.schema import OfferingRow, OrganisationTagRow, RecordOrganisation, ScenarioRow
from matcher.storage.store import Store

PAGE_SIZES = (10, 20, 50)
SORTS = ("relevance", "newest", "deadline", "budget")
MAX_WORDS = 8          # more words than this are ignored (each word is one more scan of the text columns)
_CJK_CHAR = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]$")
_LATIN = re.compile(r"^[a-z]+$")


@dataclass(frozen=True)
class BrowseQuery:
    """What the user asked for. None / empty means 'any'; page counts from 1.

    maturity matches an offering's maturity and a scenario's required maturity. Budget and deadline exist on
    scenarios only, so setting either leaves offerings out."""
    side: Side | None = None
    text: str = ""
    industry: str | None = None
    region: str | None = None
    maturity: tuple[str, ...] = ()
    budget_min: float | None = None
    budget_max: float | None = None
    deadline_from: dt.date | None = None
    deadline_to: dt.date | None = None
    tags: tuple[str, ...] = ()          # organisation tag kinds (verified tags only), any of them
    sort: str = "relevance"             # relevance falls back to newest when there is no keyword
    page: int = 1
    page_size: int = 20


@dataclass
class BrowsePage:
    rows: list[dict]
    total: int
    page: int
    pages: int
    words: list[str] = field(default_factory=list)        # the keyword words searched for (for highlighting)
    query: BrowseQuery = field(repr=False, default_factory=BrowseQuery)

    @property
    def first(self) -> int:
        """1-based position of the first row shown (0 when the page is empty)."""
        return (self.page - 1) * self.query.page_size + 1 if self.rows else 0


def _stem(word: str) -> str:
    """A prefix that the word's singular and plural share (battery / batteries -> batter)."""
    if not _LATIN.match(word) or len(word) <= 4:
        return word
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("y") and len(word) > 4 else word


def query_words(text: str) -> list[str]:
    """The words of a keyword query: jieba words and Latin words, without the single Chinese characters
    the tokenizer adds for recall (unless a character is a word of its own), in order, at most MAX_WORDS."""
    tokens = tokenize(text)
    longer = [t for t in tokens if len(t) > 1]
    words: dict[str, None] = {}
    for tok in tokens:
        if _CJK_CHAR.match(tok) and any(tok in w for w in longer):
            continue
        words.setdefault(tok, None)
    return list(words)[:MAX_WORDS]


def alternatives(word: str) -> list[str]:
    """What may stand for word in a listing: its stem and its taxonomy synonyms."""
    out = {_stem(word): None}
    try:
        for syn in sorted(load_taxonomy().synonyms(word)):
            out.setdefault(_stem(syn.lower()), None)
    except (OSError, KeyError, ValueError):   # no taxonomy files: the word alone
        pass
    # An alternative that contains another one adds nothing to a substring match ("battery cell" is found
    # wherever "batter" is not missing): dropped, each one left is a pass over the texts.
    return [a for a in out if not any(b != a and b in a for b in out)]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _has(col, term: str, sqlite: bool):
    """col contains term, ignoring case. SQLite's LIKE already ignores ASCII case (and Chinese has none), so it
    gets plain LIKE: lower() on every description for every word was most of the search time there."""
    pattern = _like(term.lower())
    return col.like(pattern, escape="\\") if sqlite else col.ilike(pattern, escape="\\")


def _side_select(side: Side, q: BrowseQuery, words: list[list[str]], sqlite: bool):
    """One side's published records as the marketplace's common columns, with q's filters applied."""
    row = OfferingRow if side == Side.SUPPLY else ScenarioRow
    maturity = row.maturity if side == Side.SUPPLY else row.required_maturity
    budget = null().cast(Float) if side == Side.SUPPLY else row.budget_wan
    deadline = null().cast(Date) if side == Side.SUPPLY else row.deadline
    where = [row.status == RecordStatus.PUBLISHED.value]
    if q.industry:
        where.append(row.industry == q.industry)
    if q.region:
        where.append(_has(row.region, q.region.strip(), sqlite))
    if q.maturity:
        where.append(maturity.in_(list(q.maturity)))
    if side == Side.DEMAND:
        if q.budget_min is not None:
            where.append(row.budget_wan >= q.budget_min)
        if q.budget_max is not None:
            where.append(row.budget_wan <= q.budget_max)
        if q.deadline_from is not None:
            where.append(row.deadline >= q.deadline_from)
        if q.deadline_to is not None:
            where.append(row.deadline <= q.deadline_to)
    if q.tags:
        where.append(exists().where(
            RecordOrganisation.side == side.value, RecordOrganisation.record_id == row.id,
            OrganisationTagRow.organisation_id == RecordOrganisation.organisation_id,
            OrganisationTagRow.status == TagStatus.VERIFIED.value, OrganisationTagRow.tag.in_(list(q.tags))))
    relevance = literal(0)
    # one text to search per record: each word is one pass over it, not four (one per column)
    hay = row.title + " " + func.coalesce(row.keywords, "") + " " + row.organization + " " + row.description
    for alts in words:
        where.append(or_(*(_has(hay, a, sqlite) for a in alts)))
        relevance = relevance + case((or_(*(_has(row.title, a, sqlite) for a in alts)), 2), else_=0) \
            + case((or_(*(_has(row.keywords, a, sqlite) for a in alts)), 1), else_=0)
    # Only the keys and sort columns: the texts of the page's rows are fetched afterwards (_details), so the
    # sort does not carry every matching description along.
    return select(row.id.label("id"), literal(side.value, String).label("side"), budget.label("budget_wan"),
                  deadline.label("deadline"), row.created_at.label("created_at"),
                  relevance.label("relevance")).where(and_(*where))


def _details(s, keys: list[tuple[str, str]]) -> list[dict]:
    """The marketplace columns of the listed (side, id) pairs, in their order (never the contacts)."""
    found: dict[tuple[str, str], dict] = {}
    for side in (Side.SUPPLY, Side.DEMAND):
        ids = [rid for sd, rid in keys if sd == side.value]
        if not ids:
            continue
        row = OfferingRow if side == Side.SUPPLY else ScenarioRow
        maturity = row.maturity if side == Side.SUPPLY else row.required_maturity
        budget = null().cast(Float) if side == Side.SUPPLY else row.budget_wan
        deadline = null().cast(Date) if side == Side.SUPPLY else row.deadline
        stmt = select(row.id, row.title, row.description, row.organization, row.industry, row.region,
                      maturity.label("maturity"), budget.label("budget_wan"), deadline.label("deadline"),
                      row.language, row.owner_id, row.created_at).where(row.id.in_(ids))
        for r in s.execute(stmt).mappings():
            found[(side.value, r["id"])] = {**r, "side": side.value}
    return [found[k] for k in keys if k in found]


def _order(listed, sort: str, keyword: bool) -> list:
    newest = [listed.c.created_at.desc(), listed.c.side, listed.c.id]
    if sort == "deadline":   # soonest first; listings without a deadline last
        return [case((listed.c.deadline.is_(None), 1), else_=0), listed.c.deadline, *newest]
    if sort == "budget":
        return [case((listed.c.budget_wan.is_(None), 1), else_=0), listed.c.budget_wan.desc(), *newest]
    if sort == "relevance" and keyword:
        return [listed.c.relevance.desc(), *newest]
    return newest


def browse(store: Store, q: BrowseQuery) -> BrowsePage:
    """One page of published listings with the total count; a page past the end is clamped to the last.
    Each row carries its organisation's verified tags as (tag, level, year)."""
    words = query_words(q.text)
    alts = [alternatives(w) for w in words]
    budget_or_deadline = any(v is not None for v in (q.budget_min, q.budget_max, q.deadline_from, q.deadline_to))
    sides = [q.side] if q.side else [Side.SUPPLY, Side.DEMAND]
    if budget_or_deadline:
        sides = [s for s in sides if s == Side.DEMAND]
    size = max(1, int(q.page_size))
    if not sides:
        return BrowsePage([], 0, 1, 1, words, replace(q, page=1, page_size=size))
    sqlite = store.engine.dialect.name == "sqlite"
    selects = [_side_select(s, q, alts, sqlite) for s in sides]
    listed = (union_all(*selects) if len(selects) > 1 else selects[0]).subquery("listed")
    order = _order(listed, q.sort, bool(words))
    with store.read() as s:
        # The page and the total in one pass (a window count), not a count query and a page query.
        def fetch(page: int) -> list[dict]:
            stmt = (select(listed, func.count().over().label("_total")).order_by(*order)
                    .offset((page - 1) * size).limit(size))
            return [dict(r) for r in s.execute(stmt).mappings()]

        page = max(1, int(q.page))
        rows = fetch(page)
        if rows:
            total = rows[0]["_total"]
        else:   # past the end (or nothing at all): count, and show the last page
            total = s.scalar(select(func.count()).select_from(listed)) or 0
            page = max(1, math.ceil(total / size))
            rows = fetch(page) if total else []
        pages = max(1, math.ceil(total / size))
        relevance = {(r["side"], r["id"]): r["relevance"] for r in rows}
        rows = _details(s, list(relevance))
    for r in rows:
        r["relevance"] = relevance[(r["side"], r["id"])]
    attach_tags(store, rows)
    return BrowsePage(rows, total, page, pages, words, replace(q, page=page, page_size=size))


def attach_tags(store: Store, rows: list[dict]) -> None:
    """Add to each row (with 'side' and 'id') the verified tags of its organisation, best level first."""
    wanted = {(r["side"], r["id"]) for r in rows}
    if not wanted:
        return
    level_rank = {"national": 0, "provincial": 1, "municipal": 2}
    stmt = (select(RecordOrganisation.side, RecordOrganisation.record_id, OrganisationTagRow.tag,
                   OrganisationTagRow.level, OrganisationTagRow.year)
            .join(OrganisationTagRow, OrganisationTagRow.organisation_id == RecordOrganisation.organisation_id)
            .where(OrganisationTagRow.status == TagStatus.VERIFIED.value,
                   RecordOrganisation.record_id.in_([rid for _, rid in wanted])))
    found: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    with store.read() as s:
        for side, rid, tag, level, year in s.execute(stmt):
            if (side, rid) in wanted:
                found.setdefault((side, rid), []).append((tag, level, year))
    for r in rows:
        r["tags"] = sorted(found.get((r["side"], r["id"]), []), key=lambda t: (level_rank.get(t[1], 9), t[0]))
