"""Lexical channel: zh/en/mixed tokenisation, taxonomy synonym expansion, and a bm25s index keyed by record id."""
from __future__ import annotations

import heapq
import json
import logging
import math
import re
import sys
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rjieba

from matcher.search.bm25 import ScoreMatrix

log = logging.getLogger(__name__)

# Bump when tokenize() changes: a saved index tokenised the old way is then discarded and rebuilt.
TOKENIZER_VERSION = 1
PENDING_MIN, PENDING_SHARE = 2000, 0.02

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A run of CJK characters, or a Latin/digit word (an apostrophe suffix such as "'s" stays attached).
_RUN = re.compile(rf"([{_CJK}]+)|([0-9a-z]+(?:'[a-z]+)?)")
_IS_CJK_CHAR = re.compile(rf"^[{_CJK}]$")

STOPWORDS_EN = frozenset("""
a an the and or of to in on at for with by from is are was were be been being it its this that these
those as into than then there their they he she his her him we our you your i me my not no do does did
has have had will would can could should shall may might must so if but about over under up down out off
""".split())
STOPWORDS_ZH = frozenset("""
的 了 在 是 和 与 及 或 等 也 都 而 并 就 但 被 把 对 于 从 向 为 以 之 其 这 那 此 该 个 一个 着 过 吗 呢 吧 啊
将 已 所 中 上 下 里
""".split())
STOPWORDS = STOPWORDS_EN | STOPWORDS_ZH


def tokenize(text: str) -> list[str]:
    """Lower-cased index terms: jieba words plus single characters for Chinese, words for Latin script.

    The CJK characters are added next to the words because segmentation is not stable across texts
    (切黄瓜 vs 切开 黄瓜): on the Chinese STS benchmark words alone give nDCG@10 0.81, words + characters
    0.86 (+ character bigrams was worse, 0.85). English gets no stemming: a plural-only stemmer
    cost a little on the English benchmark and anything stronger needs a package we do not ship.
    """
    text = unicodedata.normalize("NFKC", text or "").lower().replace("\u2019", "'")
    out: list[str] = []
    for m in _RUN.finditer(text):
        run, word = m.group(1), m.group(2)
        if run:
            out.extend(w for w in rjieba.cut(run) if w not in STOPWORDS)
            out.extend(c for c in run if c not in STOPWORDS)
        else:
            if word.endswith("'s"):
                word = word[:-2]
            if word not in STOPWORDS:
                out.append(word)
    return out


# Words that occur in nearly every listing: shared, they are no evidence that two records are about the
# same thing, so they are never shown as matched terms (they still count, weakly, in BM25 through idf).
FILLER = frozenset("""
per part parts use used uses using based new system systems solution solutions provide provides provided
including include includes via within without more less high low also each all any one two three can
etc such other than well our able level type types method methods way ways make made
进行 系统 技术 方案 实现 提供 可以 通过 需要 要求 能够 相关 问题 以及 支持 使用 采用 基于 用于 具有 一种 包括
能力 功能 服务 我们 公司 企业 项目 工作 情况 方面 目前 已经 主要 重要 有效 部分 一些 不同
""".split())
_NUMBER = re.compile(r"^[0-9]+(?:[.,][0-9]+)*$")


def is_evidence(term: str) -> bool:
    """Whether a shared term is worth showing as evidence: no numbers, single letters or filler words."""
    return not (_NUMBER.match(term) or (len(term) == 1 and term.isascii()) or term in FILLER)


def display_terms(tokens: Iterable[str]) -> list[str]:
    """Tokens worth showing to a person: drops the single CJK characters added for recall."""
    seen: dict[str, None] = {}
    for t in tokens:
        if not _IS_CJK_CHAR.match(t):
            seen.setdefault(t, None)
    return list(seen)


def _term_index(taxonomy) -> list[tuple[str, frozenset[str]]]:
    """Every synonym term with its token set, cached on the taxonomy object (taxonomies are long-lived)."""
    cached = getattr(taxonomy, "_lexical_terms", None)
    if cached is None:
        terms = {t.lower() for group in getattr(taxonomy, "synonym_groups", ()) for t in group}
        cached = [(t, frozenset(toks)) for t in sorted(terms) if (toks := tokenize(t))]
        try:
            taxonomy._lexical_terms = cached
        except AttributeError:  # frozen or slotted taxonomy: recompute next time
            pass
    return cached


def _terms_touching(taxonomy, tokens: set[str]) -> list[tuple[str, frozenset[str]]]:
    """The entries of _term_index that share a token with tokens, in _term_index order (a lookup per token
    instead of a pass over every synonym term; the token -> entries map is cached on the taxonomy too)."""
    index = _term_index(taxonomy)
    by_token = getattr(taxonomy, "_lexical_terms_by_token", None)
    if by_token is None:
        by_token = {}
        for pos, (_term, toks) in enumerate(index):
            for tok in toks:
                by_token.setdefault(tok, []).append(pos)
        try:
            taxonomy._lexical_terms_by_token = by_token
        except AttributeError:
            pass
    return [index[pos] for pos in sorted({pos for tok in tokens for pos in by_token.get(tok, ())})]


def synonym_terms_in(tokens: Sequence[str], taxonomy) -> list[str]:
    """Taxonomy synonym terms whose tokens all occur in tokens (bag containment, so word order is ignored)."""
    have = set(tokens)
    return [term for term, toks in _terms_touching(taxonomy, have) if toks <= have]


def expand(tokens: Sequence[str], taxonomy) -> list[str]:
    """Expansion tokens: the synonyms of every taxonomy term found in tokens, tokenised like documents.

    Only word tokens of the synonyms are returned (no single CJK characters): a synonym is evidence
    for its words, and its characters would mostly add noise. Tokens already in the query are left out.
    """
    if taxonomy is None:
        return []
    have, out = set(tokens), {}
    for term in synonym_terms_in(tokens, taxonomy):
        for syn in sorted(taxonomy.synonyms(term)):
            for tok in display_terms(tokenize(syn)):
                if tok not in have:
                    out.setdefault(tok, None)
    return list(out)


def _default_taxonomy():
    try:
        from matcher.domain.taxonomy import load_taxonomy

        return load_taxonomy()
    except (OSError, KeyError, ValueError) as exc:  # no taxonomy files yet: search without expansion
        log.warning("lexical: no taxonomy loaded (%s); synonym expansion is off", exc)
        return None


@dataclass(frozen=True)
class LexicalResult:
    """One query scored once: the top records, any record's score, the query's terms and self-score.

    Base-index scores stay in the array the score matrix returned (looked up by position) instead of a dict of
    every positive score: common terms (and single CJK characters) hit most records, and building that
    dict cost ~100 ms per query at 100k records (benchmarks/RESULTS.md).
    """
    top: list[tuple[str, float]]
    tokens: list[str]
    expansion: list[str]
    self_score: float
    base: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))  # by base position
    pos: Mapping[str, int] = field(default_factory=dict)        # record id -> base position
    pending: Mapping[str, float] = field(default_factory=dict)  # scores of records added since the build

    @property
    def terms(self) -> tuple[list[str], list[str]]:
        return self.tokens, self.expansion

    def score(self, rid: str) -> float:
        if rid in self.pending:
            return self.pending[rid]
        p = self.pos.get(rid)
        return float(self.base[p]) if p is not None else 0.0

    def scores_for(self, ids: Sequence[str]) -> np.ndarray:
        return np.array([self.score(str(rid)) for rid in ids], dtype=np.float32)


class LexicalIndex:
    """BM25 (bm25s, Lucene variant) over tokenised records, addressed by string ids.

    bm25s cannot update an index in place. A full build is one pass over every stored token (about 2 s
    per 100k records of ~25 tokens on a 2-core machine), so records added after the build are kept
    "pending" and scored directly with the base index's statistics, and removed ones are masked. Past
    PENDING_MIN records (or PENDING_SHARE of the base) the next query rebuilds once.
    """

    def __init__(self, taxonomy=None, expansion_weight: float = 0.5, k1: float = 1.5, b: float = 0.75,
                 use_taxonomy: bool = True):
        """Args:
            taxonomy: synonym source; None loads the project taxonomy on first use (if present).
            expansion_weight: weight of a synonym-expansion term relative to a term the query wrote
                (demo set nDCG@10 0.79 / 0.82 / 0.82 at 0 / 0.5 / 1.0; no effect on the STS sets).
            use_taxonomy: False turns synonym expansion off.
        """
        self.k1, self.b, self.expansion_weight = k1, b, expansion_weight
        self._taxonomy, self._use_taxonomy = taxonomy, use_taxonomy
        # Each record's tokens as an array of integer token ids into one vocabulary (2 bytes a token while
        # the vocabulary has fewer than 65,536 tokens): 73 tokens per composed record cost 6.1 KB as lists of
        # fresh strings, 0.65 KB as tuples of shared ones, 0.2 KB as ids (benchmarks/RESULTS.md). bm25s is
        # built from these ids directly, so its vocabulary is ours. Token ids are never reused.
        self._docs: dict[str, array] = {}
        self._vocab: dict[str, int] = {"": 0}    # "": the placeholder token of an empty document
        self._words: list[str] = [""]            # token id -> token
        self._built_vocab = 0                    # tokens the score matrix has a column for
        self._bm25: ScoreMatrix | None = None
        self._pending: dict[str, tuple[str, ...]] = {}   # added since the last build, scored beside it
        self._masked: set[str] = set()             # base records removed or replaced since the build
        self._order: list[str] = []
        self._pos: dict[str, int] = {}
        self._avgdl = 1.0

    # -- content -------------------------------------------------------------------------------------
    def build(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        """Replace the whole content with these records."""
        self._docs = {}
        self.add(ids, texts)

    def add(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        """Add or replace records; the index is rebuilt lazily at the next query."""
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids but {len(texts)} texts")
        for rid, text in zip(ids, texts):
            rid = str(rid)
            self._docs[rid] = tokens = self._ids(tokenize(text))
            if self._bm25 is not None:      # score it beside the base index until the next rebuild
                self._pending[rid] = tokens
                if rid in self._pos:
                    self._masked.add(rid)
        self._rebuild_if_much_pending()

    def _ids(self, tokens: Iterable[str]) -> array:
        """The tokens as ids, new tokens added to the vocabulary."""
        vocab, words = self._vocab, self._words
        ids = []
        for tok in tokens:
            tid = vocab.get(tok)
            if tid is None:
                tid = vocab[tok] = len(words)
                words.append(tok)
            ids.append(tid)
        return array("H" if len(words) <= 65536 else "I", ids)

    def tokens_of(self, record_id: str) -> list[str] | None:
        """The indexed tokens of one record (None if it is not indexed)."""
        ids = self._docs.get(record_id)
        return None if ids is None else [self._words[i] for i in ids]

    def _base_ids(self, tokens: Iterable[str]) -> list[int]:
        """Token ids the bm25s matrix has a column for (repeats kept; tokens it has never seen left out)."""
        vocab, built = self._vocab, self._built_vocab
        return [tid for tok in tokens if (tid := vocab.get(tok)) is not None and tid < built]

    def remove(self, ids: Iterable[str]) -> None:
        """Forget records (unknown ids are ignored); the index is rebuilt lazily at the next query."""
        for rid in map(str, ids):
            self._docs.pop(rid, None)
            self._pending.pop(rid, None)
            if rid in self._pos:
                self._masked.add(rid)
        self._rebuild_if_much_pending()

    def _rebuild_if_much_pending(self) -> None:
        # Pending records are scored in Python; past a few thousand, one rebuild is cheaper than that.
        if len(self._pending) + len(self._masked) > max(PENDING_MIN, PENDING_SHARE * len(self._order)):
            self._bm25 = None

    @property
    def ids(self) -> list[str]:
        return list(self._docs)

    def __len__(self) -> int:
        return len(self._docs)

    @property
    def taxonomy(self):
        if self._taxonomy is None and self._use_taxonomy:
            self._taxonomy = _default_taxonomy()
            self._use_taxonomy = self._taxonomy is not None
        return self._taxonomy if self._use_taxonomy else None

    # -- querying ------------------------------------------------------------------------------------
    def _ready(self) -> ScoreMatrix | None:
        """The score matrix of the base records; rebuilt only when none exists or too much is pending."""
        if self._bm25 is None and self._docs:
            self._order = list(self._docs)
            self._pos = {rid: i for i, rid in enumerate(self._order)}
            empty = array("H", [0])
            corpus = [ids or empty for ids in self._docs.values()]  # bm25s needs a token per document
            self._avgdl = max(float(np.mean([len(t) for t in self._docs.values()])), 1.0)
            # Our ids and vocabulary as they are now (a copy: tokens added later have no column in this matrix).
            bm = ScoreMatrix.build(corpus, dict(self._vocab), self.k1, self.b)
            self._built_vocab = len(self._words)
            self._bm25, self._pending, self._masked = bm, {}, set()
        return self._bm25

    def query_terms(self, query_text: str) -> tuple[list[str], list[str]]:
        """(tokens the query wrote, synonym-expansion tokens)."""
        toks = tokenize(query_text)
        return toks, expand(toks, self.taxonomy)

    def _idf(self, bm: ScoreMatrix, token: str, pending_df: int = 0) -> float:
        """Lucene idf from the base index's document frequency plus the pending records holding token."""
        n = len(self._order) + len(self._pending)
        tid = self._vocab.get(token)
        df = pending_df + (int(bm.df[tid]) if tid is not None and tid < self._built_vocab else 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _score_pending(self, bm: ScoreMatrix, weights: dict[str, float]) -> dict[str, float]:
        """BM25 of the pending records, scored like the base records (same k1, b, avgdl; idf counts both)."""
        counts = {rid: Counter(doc) for rid, doc in self._pending.items()}
        ids = {tok: tid for tok in weights if (tid := self._vocab.get(tok)) is not None}  # others occur nowhere
        idf = {tok: self._idf(bm, tok, sum(tid in c for c in counts.values())) for tok, tid in ids.items()}
        out = {}
        for rid, c in counts.items():
            norm = self.k1 * (1 - self.b + self.b * len(self._pending[rid]) / self._avgdl)
            value = sum(weights[tok] * idf[tok] * c[tid] / (c[tid] + norm) for tok, tid in ids.items() if tid in c)
            if value > 0:
                out[rid] = value
        return out

    def search(self, query_text: str, k: int) -> "LexicalResult":
        """Score the query once against every record: its top k, any record's score, and its terms."""
        bm = self._ready()
        toks, extra = self.query_terms(query_text)
        if bm is None:
            return LexicalResult([], toks, extra, self._self_score(bm, toks))
        base = np.zeros(len(self._order), dtype=np.float32)
        # scores() sums over the ids it is given, so a repeated query word counts once per repetition.
        if own := self._base_ids(toks):
            base += bm.scores(own)
        if self.expansion_weight and (syn := self._base_ids(extra)):
            base += self.expansion_weight * bm.scores(syn)
        if self._masked:
            base[[self._pos[rid] for rid in self._masked if rid in self._pos]] = 0.0
        pending: dict[str, float] = {}
        if self._pending:
            weights = Counter(toks)
            for tok in extra:
                weights[tok] += self.expansion_weight
            pending = self._score_pending(bm, weights)
        top: list[tuple[str, float]] = []
        if k > 0:
            # Top k of the base array without visiting every hit in Python, then merged with pending.
            cut = np.argpartition(-base, k - 1)[:k] if k < len(base) else np.arange(len(base))
            # Keep every record tied with the k-th score, so ties are ordered by id as the ranking does
            # (only those: sorting every hit in Python cost ~70 ms per query at 100k records).
            cut = np.flatnonzero(base >= max(float(base[cut].min()), 1e-12)) if len(cut) else cut
            top = [(self._order[i], float(base[i])) for i in cut if base[i] > 0]
            top = heapq.nsmallest(k, [*top, *pending.items()], key=lambda kv: (-kv[1], kv[0]))
        return LexicalResult(top, toks, extra, self._self_score(bm, toks), base, self._pos, pending)

    def scores(self, query_text: str, ids: Sequence[str] | None = None) -> np.ndarray:
        """Raw BM25 scores for the given ids (0.0 for ids not indexed), or for all records in `ids` order."""
        return self.search(query_text, 0).scores_for(self.ids if ids is None else ids)

    def top(self, query_text: str, k: int) -> list[tuple[str, float]]:
        """The k best records with a positive score, best first."""
        return self.search(query_text, k).top

    def self_score(self, query_text: str) -> float:
        return self._self_score(self._ready(), tokenize(query_text))

    def _self_score(self, bm: ScoreMatrix | None, toks: list[str]) -> float:
        """BM25 score the query would get against itself as a document: the reference for normalising.

        A candidate scoring this much matches every query term as often as the query uses it, at the
        query's own length; fusion.normalise_lexical divides by it so 1.0 means "says all the query says".
        Terms the corpus has never seen get the largest possible idf (df = 0): a query whose key words
        appear nowhere cannot have a near-perfect lexical match.
        """
        if not toks:
            return 0.0
        norm = self.k1 * (1 - self.b + self.b * len(toks) / self._avgdl)
        total = 0.0
        for tok, tf in Counter(toks).items():
            idf = self._idf(bm, tok) if bm is not None else math.log(1 + (len(self._docs) + 0.5) / 0.5)
            total += tf * idf * tf / (tf + norm)  # query tf times the Lucene tf component at doc tf = tf
        return total

    def matched_terms(self, query_text: str, doc_text: str,
                      terms: tuple[list[str], list[str]] | None = None, doc_id: str | None = None) -> list[str]:
        """Query words and synonym terms found in the document, for explaining a match (no lone CJK chars).

        Args:
            terms: the query's (tokens, expansion tokens) if already known, e.g. LexicalResult.terms.
            doc_id: the document's id if it is indexed here with this text: its stored tokens are used
                instead of tokenising doc_text again (jieba, ~0.2 ms per shown suggestion).
        """
        return self.term_matcher(query_text, terms)(doc_id, doc_text)

    def term_matcher(self, query_text: str, terms: tuple[list[str], list[str]] | None = None
                     ) -> Callable[[str | None, str | Callable[[], str]], list[str]]:
        """matched_terms with the query's half worked out once: a function (doc_id, doc_text) -> terms for the
        suggestions of one query. doc_text may be a function, called only for a document not indexed here."""
        toks, extra = terms or self.query_terms(query_text)
        shown = [t for t in display_terms(toks) if is_evidence(t)]
        # Show a synonym as the whole term the document uses ("machine vision"), not its pieces.
        synonyms = _terms_touching(self.taxonomy, set(extra)) if self.taxonomy is not None and extra else []

        def match(doc_id: str | None, doc_text: str | Callable[[], str]) -> list[str]:
            stored = self.tokens_of(doc_id) if doc_id is not None else None
            if stored is None:
                stored = tokenize(doc_text() if callable(doc_text) else doc_text)
            doc = set(stored)
            out = [t for t in shown if t in doc]
            for term, term_toks in synonyms:
                if term_toks <= doc and term not in out:
                    out.append(term)
            return out
        return match

    def nbytes(self) -> int:
        """Bytes this index holds: the id arrays and their map, the vocabulary, the score matrix (search/bm25.py),
        the base order and pending records (record id strings are counted by RecordFacts)."""
        total = sys.getsizeof(self._docs) + sum(sys.getsizeof(a) for a in self._docs.values())
        total += sys.getsizeof(self._vocab) + sys.getsizeof(self._words) + sum(sys.getsizeof(w) for w in self._words)
        total += sys.getsizeof(self._pos) + sys.getsizeof(self._order) + sys.getsizeof(self._pending)
        total += sys.getsizeof(self._masked)
        if self._bm25 is not None:
            total += self._bm25.nbytes()
        return total

    # -- persistence ---------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> None:
        """Write the token lists and settings as JSON (the bm25s matrix is cheap to rebuild on load)."""
        self.write(folder, self.snapshot())

    def snapshot(self) -> dict:
        """What save() writes, copied (id arrays are replaced on change, never mutated, and the vocabulary only
        grows: shallow copies)."""
        return {"tokenizer_version": TOKENIZER_VERSION, "k1": self.k1, "b": self.b,
                "expansion_weight": self.expansion_weight, "docs": dict(self._docs), "words": list(self._words)}

    @staticmethod
    def write(folder: str | Path, state: dict) -> None:
        """JSON with each record's tokens as strings (readable, and independent of the ids), written record by
        record so no second copy of every token list is built in memory."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "lexical.json.tmp"
        words, docs = state["words"], state["docs"]
        head = {k: v for k, v in state.items() if k not in ("docs", "words")}
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "docs": {')
            for i, (rid, ids) in enumerate(docs.items()):
                f.write(("," if i else "") + json.dumps(rid, ensure_ascii=False) + ":"
                        + json.dumps([words[t] for t in ids], ensure_ascii=False))
            f.write("}}")
        tmp.replace(folder / "lexical.json")  # atomic: a crash mid-write leaves the old file

    @classmethod
    def load(cls, folder: str | Path, taxonomy=None) -> LexicalIndex:
        """Read a saved index; one saved by an older tokenizer comes back empty so callers re-add records."""
        state = json.loads((Path(folder) / "lexical.json").read_text(encoding="utf-8"))
        index = cls(taxonomy, state.get("expansion_weight", 0.5), state.get("k1", 1.5), state.get("b", 0.75))
        if state.get("tokenizer_version") != TOKENIZER_VERSION:
            log.warning("lexical index in %s uses tokenizer v%s (now v%s): starting empty",
                        folder, state.get("tokenizer_version"), TOKENIZER_VERSION)
            return index
        index._docs = {str(k): index._ids(v) for k, v in state["docs"].items()}
        return index
