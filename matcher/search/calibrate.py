"""Fit a model's calibration (cosine floor, dense weight per language pair) from labelled sets.

Procedure (`python -m matcher calibrate DIR [DIR ...]`):
1. Each labelled folder is loaded into a temporary engine (as `evaluate` does). For every query the
   candidate pool of the real engine is taken once: cosines, raw BM25, coverages, language pairs and
   structured signals. Re-ranking a pool under other parameters is then pure array work.
2. The parameters are fitted by coordinate ascent over a grid, maximising the mean over sets of each
   set's hybrid nDCG@10 (every set counts the same, whatever its size).
3. Honest figures come from cross-validation: leave one set out (fit on the others, score the one left
   out), and 5 folds of queries within the sets. No reported CV figure is scored on what it was fitted on.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from matcher.domain.records import Side
from matcher.search import fusion, signals
from matcher.search.encoders.base import PAIRS, Calibration, ModelProfile
from matcher.search.evaluate import K, labelled_queries, loaded
from matcher.search.ranking import language_pairs, structured_signals

WEIGHTS = tuple(round(float(x), 2) for x in np.arange(0.0, 1.01, 0.05))
GRIDS = {"cosine_floor": tuple(round(float(x), 2) for x in np.arange(0.0, 0.66, 0.05)),
         "coverage_floor": (0.0, 0.25, 0.5), "coverage_full": (0.6, 0.7, 0.8, 0.9, 1.0)}
SHORTFALL_PENALTY = 10.0
_DISCOUNT = 1.0 / np.log2(np.arange(2, K + 2))


@dataclass
class Case:
    """One labelled query's candidate pool, as arrays aligned by candidate (ids sorted, as the engine does)."""
    set_name: str
    dense: np.ndarray
    lexical: np.ndarray
    doc_coverage: np.ndarray
    query_coverage: float
    lexical_ref: float
    pair: np.ndarray            # index into PAIRS per candidate
    signal_factor: np.ndarray   # structured-signal scaling per candidate (1 = neutral)
    gains: np.ndarray           # graded relevance per candidate
    ideal: float                # ideal DCG@10 over every judged document, retrieved or not


def collect(folder: Path, settings, encoder, name: str | None = None) -> list[Case]:
    """The candidate pools of every labelled query in the folder."""
    name = name or Path(folder).name
    cases = []
    with loaded(folder, settings, encoder) as (engine, scenarios, qrels):
        for qid in labelled_queries(scenarios, qrels):
            query = scenarios[qid]
            pool = engine.candidates(query, Side.DEMAND, exclude_own=False)
            gains = qrels[qid]
            ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[:K]
            if pool is None:
                continue
            factor = np.array([signals.factor(structured_signals(query, c, Side.DEMAND), signals.SIGNAL_WEIGHTS)
                               for c in pool.records])
            cases.append(Case(name, pool.dense.astype(np.float64), pool.lexical.astype(np.float64),
                              pool.doc_coverage, pool.query_coverage, pool.lexical_ref,
                              np.array([PAIRS.index(p) for p in language_pairs(query, pool.records)]), factor,
                              np.array([max(gains.get(c["id"], 0), 0) for c in pool.records], dtype=np.float64),
                              float(np.dot(ideal, _DISCOUNT[:len(ideal)]))))
    return cases


class Pools:
    """Every case padded into one matrix per quantity, so a calibration is scored in a few array operations."""

    def __init__(self, cases: list[Case]):
        self.cases = cases
        n, width = len(cases), max((len(c.dense) for c in cases), default=1)
        self.valid = np.zeros((n, width), bool)
        self.dense, self.lexical, self.lex_norm, self.coverage, self.factor, self.gains = (
            np.zeros((n, width)) for _ in range(6))
        self.pair = np.zeros((n, width), int)
        for i, c in enumerate(cases):
            m = len(c.dense)
            self.valid[i, :m] = True
            self.dense[i, :m], self.lexical[i, :m], self.gains[i, :m] = c.dense, c.lexical, c.gains
            self.lex_norm[i, :m] = fusion.normalise_lexical(c.lexical, c.lexical_ref)
            self.coverage[i, :m] = np.minimum(c.query_coverage, c.doc_coverage)
            self.factor[i, :m], self.pair[i, :m] = c.signal_factor, c.pair
        self.ideal = np.array([c.ideal for c in cases])
        self.sets = np.array([c.set_name for c in cases], dtype=object)
        single = single_channels(self)
        self.bars = {name: max(single["dense"][name], single["bm25"][name]) for name in single["dense"]}

    def subset(self, rows: np.ndarray) -> Pools:
        return Pools([self.cases[i] for i in np.flatnonzero(rows)])

    def without_signals(self) -> Pools:
        """The same pools with structured signals neutral: measures how much they move the ranking."""
        return Pools([replace(c, signal_factor=np.ones_like(c.signal_factor)) for c in self.cases])

    def ndcg(self, cal: Calibration) -> np.ndarray:
        """nDCG@10 per case under cal, with the ranking's own score and tie-breaks (rank_candidates)."""
        w = np.array([cal.weight_for(p) for p in PAIRS])[self.pair] * fusion.readability(
            self.coverage, cal.coverage_floor, cal.coverage_full)
        text = w * fusion.normalise_dense(self.dense, cal.cosine_floor) + (1 - w) * self.lex_norm
        score = np.where(self.valid, np.clip(text * self.factor, 0.0, 1.0), -1.0)
        return self._ndcg(score, self.lexical, w * self.dense)

    def _ndcg(self, *keys: np.ndarray) -> np.ndarray:
        """nDCG@10 of the order by keys (each descending, then candidate order), per case.

        The exact sort runs on the 3K best by the first key only (argpartition), which is all a top 10
        can come from unless more than 3K candidates tie with the 10th.
        """
        width = keys[0].shape[1]
        if width > 3 * K:
            near = np.argpartition(-keys[0], 3 * K, axis=1)[:, :3 * K]
            keys = tuple(np.take_along_axis(k, near, axis=1) for k in keys)
            order = near
        else:
            order = np.broadcast_to(np.arange(width), keys[0].shape)
        top = np.lexsort((order, *[-k for k in reversed(keys)]), axis=-1)[:, :K]
        top = np.take_along_axis(order, top, axis=1)
        dcg = (np.take_along_axis(self.gains, top, axis=1) * _DISCOUNT[:top.shape[1]]).sum(axis=1)
        return np.divide(dcg, self.ideal, out=np.zeros_like(dcg), where=self.ideal > 0)


def ndcg(case: Case, cal: Calibration) -> float:
    """nDCG@10 of one case re-ranked under cal."""
    return float(Pools([case]).ndcg(cal)[0])


def per_set(pools: Pools, cal: Calibration) -> dict[str, float]:
    """Mean nDCG@10 per set."""
    scores = pools.ndcg(cal)
    return {name: float(scores[pools.sets == name].mean()) for name in dict.fromkeys(pools.sets)}


def objective(pools: Pools, cal: Calibration) -> float:
    """Mean over sets of nDCG@10, less a steep penalty wherever the hybrid falls below its own best channel.

    The penalty encodes the rule that fusion must never lose to either channel alone on any set: a weight
    that helps one set a little by hurting another below its dense (or BM25) ranking is refused.
    """
    scores = per_set(pools, cal)
    if not scores:
        return 0.0
    bars = pools.bars
    shortfall = sum(max(0.0, bars[name] - score) for name, score in scores.items())
    return float(np.mean(list(scores.values()))) - SHORTFALL_PENALTY * shortfall


def fit(pools: Pools, start: Calibration | None = None, rounds: int = 4) -> Calibration:
    """Coordinate ascent over the floors and each pair's weight; ties keep the earlier value."""
    cal = start or Calibration()
    best = objective(pools, cal)
    present = [PAIRS[p] for p in np.unique(pools.pair[pools.valid])]
    for _ in range(rounds):
        improved = False
        for key in (*GRIDS, *present):
            for value in GRIDS.get(key, WEIGHTS):
                trial = (replace(cal, **{key: value}) if key in GRIDS else
                         replace(cal, dense_weight={**cal.dense_weight, key: value}))
                score = objective(pools, trial)
                if score > best + 1e-9:
                    cal, best, improved = trial, score, True
        if not improved:
            break
    return cal


def cross_validate(pools: Pools, folds: int = 5, seed: int = 0) -> dict:
    """Leave-one-set-out and k-fold (over queries, within every set) figures, each on held-out queries only."""
    names = list(dict.fromkeys(pools.sets))
    loso = {}
    for name in names:
        cal = fit(pools.subset(pools.sets != name))
        loso[name] = per_set(pools.subset(pools.sets == name), cal)[name]
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(pools.sets), int)
    for name in names:
        idx = np.flatnonzero(pools.sets == name)
        fold[rng.permutation(idx)] = np.arange(len(idx)) % folds
    held = np.zeros(len(pools.sets))
    for f in range(folds):
        cal = fit(pools.subset(fold != f))
        held[fold == f] = pools.subset(fold == f).ndcg(cal)
    return {"leave_one_set_out": loso,
            f"{folds}_fold": {name: float(held[pools.sets == name].mean()) for name in names}}


def single_channels(pools: Pools) -> dict[str, dict[str, float]]:
    """Each channel alone on the same pools, per set: the bars the hybrid must clear."""
    out = {}
    for channel, values in (("dense", pools.dense), ("bm25", pools.lexical)):
        scores = pools._ndcg(np.where(pools.valid, values, -np.inf))
        out[channel] = {name: float(scores[pools.sets == name].mean()) for name in dict.fromkeys(pools.sets)}
    return out


def calibrate(folders: list[Path], settings, encoder, folds: int = 5, log=print) -> tuple[ModelProfile, dict]:
    """The whole procedure: collect, report the single channels, cross-validate, fit on everything.

    Returns the model's new profile (its `fitted` field records how) and the report.
    """
    cases = []
    for folder in folders:
        log(f"collecting candidate pools: {folder}")
        cases += collect(Path(folder), settings, encoder)
    pools = Pools(cases)
    log(f"{len(cases)} queries in {len(folders)} sets; cross-validating ({folds} folds, and leave one set out)")
    cv = cross_validate(pools, folds)
    cal = fit(pools)
    before = encoder.profile.calibration
    report = {
        "sets": {name: int((pools.sets == name).sum()) for name in dict.fromkeys(pools.sets)},
        "single_channel": single_channels(pools),
        "before": per_set(pools, before),
        "in_sample": per_set(pools, cal),
        "cross_validated": cv,
        "signals_off": per_set(pools.without_signals(), cal),
        "calibration": asdict(cal),
        "fitted_at": dt.date.today().isoformat(),
    }
    profile = replace(encoder.profile, calibration=cal, fitted=report)
    return profile, report
