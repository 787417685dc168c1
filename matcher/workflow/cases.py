"""The case library (应用场景案例): validated cases, consent to show a contact, and hybrid case search."""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select

from matcher.domain.records import FieldError, RecordValidationError, _explain, detect_language
from matcher.search import fusion
from matcher.search.lexical import LexicalIndex
from matcher.domain.organisations import normalise_name
from matcher.storage.schema import CaseRow, OrganisationRow
from matcher.storage.store import Store, row_to_dict

FIELD_ZH = {"title": "案例标题", "problem": "问题", "solution": "解决方案", "supplier": "供给方", "adopter": "应用方",
            "results": "成效", "indicator": "指标", "measured": "实测值", "industry": "行业", "region": "地区",
            "contact": "联系方式"}


class ResultIn(BaseModel):
    """One indicator of the scenario and what was measured against it."""
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    indicator: str = Field(..., min_length=1, max_length=300)
    measured: str = Field(..., min_length=1, max_length=300)
    met: bool = False


class CaseIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    id: str | None = Field(None, max_length=64)
    title: str = Field(..., min_length=1, max_length=200)
    problem: str = Field(..., min_length=1, max_length=5000)
    solution: str = Field(..., min_length=1, max_length=5000)
    supplier: str = Field(..., min_length=1, max_length=200)
    adopter: str | None = Field(None, max_length=200)
    industry: str | None = Field(None, max_length=64)
    region: str | None = Field(None, max_length=100)
    results: list[ResultIn]
    contact: str | None = Field(None, max_length=300)

    @field_validator("results", mode="after")
    @classmethod
    def _some_results(cls, value: list[ResultIn]) -> list[ResultIn]:
        if not value:
            raise ValueError("no_results")
        return value


def field_errors(exc: ValidationError, names_zh: dict[str, str], custom: dict[str, tuple[str, str]],
                 row: int | None = None) -> list[FieldError]:
    """pydantic errors as bilingual FieldErrors; list positions read 'result 2' / '第2项'."""
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"]]
        key = str((err.get("ctx") or {}).get("error", ""))
        en, zh = custom[key] if key in custom else _explain(err)
        where_en = " ".join(f"#{int(x) + 1}" if x.isdigit() else x for x in loc)
        where_zh = "".join(f"第{int(x) + 1}项" if x.isdigit() else names_zh.get(x, x) for x in loc)
        out.append(FieldError(".".join(loc), f"{where_en} {en}", f"{where_zh}{zh}", row=row))
    return out


_CUSTOM = {"no_results": ("are required: a case needs measured results against at least one indicator",
                          "为必填项：案例至少需要一项指标的实测成效")}


def validate_case(data: dict[str, Any]) -> CaseIn:
    try:
        return CaseIn.model_validate(data)
    except ValidationError as exc:
        raise RecordValidationError(field_errors(exc, FIELD_ZH, _CUSTOM)) from None


def problem_text(case: dict) -> str:
    """What a new scenario is compared with: a scenario states a problem, so the case's problem."""
    return "\n".join(x for x in (case.get("title"), case.get("problem")) if x)


def case_text(case: dict) -> str:
    """What library search reads: problem, solution and results."""
    results = "; ".join(f"{r['indicator']} {r['measured']}" for r in case.get("results") or [])
    return "\n".join(x for x in (case.get("title"), case.get("problem"), case.get("solution"), results) if x)


def add_case(store: Store, data: dict[str, Any], actor: str, project_id: int | None = None,
             supplier_org_id: int | None = None) -> str:
    """Validate and store one case (raises RecordValidationError naming each bad field; saves nothing)."""
    case = validate_case(data)
    with store.write() as s:
        return _insert(store, s, case, actor, project_id, supplier_org_id)


def add_cases(store: Store, rows: list[dict[str, Any]], actor: str) -> list[str]:
    """Several cases in one transaction (an import): all stored or none."""
    valid = [validate_case(r) for r in rows]
    with store.write() as s:
        return [_insert(store, s, c, actor) for c in valid]


def _insert(store: Store, s, case: CaseIn, actor: str, project_id: int | None = None,
            supplier_org_id: int | None = None) -> str:
    case_id = case.id or "C-" + uuid.uuid4().hex[:8]
    if s.get(CaseRow, case_id) is not None:
        raise RecordValidationError([FieldError("id", f"case {case_id} already exists", f"案例 {case_id} 已存在")])
    if supplier_org_id is None:  # a case from before the platform: the supplier's organisation by name
        supplier_org_id = s.scalar(select(OrganisationRow.id).where(
            OrganisationRow.name_key == normalise_name(case.supplier)))
    fields = case.model_dump(exclude={"id"})
    fields["results"] = [r.model_dump() for r in case.results]
    s.add(CaseRow(id=case_id, project_id=project_id, supplier_org_id=supplier_org_id, created_by=actor,
                  language=detect_language(case_text(fields)), **fields))
    s.flush()
    store.audit(s, actor, "case", case_id, "create", to_status="published",
                note=f"from demonstration project {project_id}" if project_id else None)
    return case_id


def set_consent(store: Store, case_id: str, side: str, agree: bool, actor: str) -> None:
    """One party (supply or demand) agrees, or stops agreeing, to show the case's contact publicly."""
    with store.write() as s:
        row = s.get(CaseRow, case_id)
        if row is None:
            raise KeyError(case_id)
        setattr(row, "consent_supply" if side == "supply" else "consent_demand", agree)
        store.audit(s, actor, "case", case_id, f"consent_{side}", to_status="yes" if agree else "no")


def public(case: dict) -> dict:
    """The case as the library shows it: the contact only once both parties agreed."""
    shown = dict(case)
    if not (case.get("consent_supply") and case.get("consent_demand")):
        shown["contact"] = None
    return shown


def list_cases(store: Store) -> list[dict]:
    with store.read() as s:
        return [row_to_dict(r) for r in s.scalars(select(CaseRow).order_by(CaseRow.created_at, CaseRow.id))]


def get_case(store: Store, case_id: str) -> dict | None:
    with store.read() as s:
        row = s.get(CaseRow, case_id)
        return row_to_dict(row) if row else None


@dataclass(frozen=True)
class CaseHit:
    id: str
    score: float


class CaseIndex:
    """Vectors (the engine's encoder and cache) and BM25 over every case, fused like listings. The library
    holds hundreds of cases, not 100k: it is rebuilt in memory whenever the set of cases changes."""

    def __init__(self, text_of=problem_text):
        self._text_of = text_of
        self._lock = threading.Lock()
        self._key: tuple = ()
        self._ids: list[str] = []

    def _ensure(self, engine, store: Store) -> None:
        cases = list_cases(store)
        key = tuple((c["id"], c["created_at"]) for c in cases)
        if key == self._key:
            return
        texts = [self._text_of(c) for c in cases]
        self._vectors = engine.embed(texts) if texts else np.zeros((0, engine.encoder.dim), np.float32)
        self._coverage = np.array([engine.encoder.coverage(t) for t in texts])
        self._lexical = LexicalIndex()
        if texts:
            self._lexical.build([c["id"] for c in cases], texts)
        self._ids, self._key = [c["id"] for c in cases], key

    def search(self, engine, store: Store, text: str, k: int = 5, min_score: float = 0.0,
               remember: bool = False) -> list[CaseHit]:
        """The k cases most similar to text, best first (fused score in [0, 1], like listings' text score)."""
        with self._lock:
            self._ensure(engine, store)
            if not self._ids or not text.strip():
                return []
            qvec = engine.embed([text], remember=remember)[0]
            lex = self._lexical.search(text, len(self._ids))
            fused = fusion.fuse(self._vectors @ qvec, lex.scores_for(self._ids), engine.encoder.coverage(text),
                                self._coverage, lexical_ref=lex.self_score)
        order = sorted(range(len(self._ids)), key=lambda i: (-fused[i], self._ids[i]))
        return [CaseHit(self._ids[i], round(float(fused[i]), 4)) for i in order[:k] if fused[i] >= min_score]
