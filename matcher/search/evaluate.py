"""Offline evaluation: nDCG@10, Recall@10 and MRR of the bm25, dense and hybrid modes on a labelled folder.

The folder holds offerings.csv, scenarios.csv and qrels.csv (scenario_id, offering_id, relevance).
It is loaded into a temporary database and index, so the user's own data is never touched.
"""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from matcher.config import Settings
from matcher.search.engine import Engine
from matcher.io.imports import parse_records
from matcher.search.metrics import evaluate_run
from matcher.domain.records import RecordStatus, Side, record_text
from matcher.service import read_qrels
from matcher.storage.store import Store

MODES = ("bm25", "dense", "hybrid")
K = 10


@contextmanager
def loaded(folder: Path, settings: Settings, encoder, progress: bool = False) -> Iterator[tuple[Engine, dict, dict]]:
    """The labelled folder in a temporary store and engine: yields (engine, scenarios by id, qrels)."""
    folder = Path(folder)
    qrels = read_qrels(folder / "qrels.csv")
    with tempfile.TemporaryDirectory(prefix="matcher-eval-") as tmp:
        temp = settings.model_copy(update={"var_dir": Path(tmp), "db_url": ""})
        store = Store(temp.database_url)
        try:
            for side, name in ((Side.SUPPLY, "offerings.csv"), (Side.DEMAND, "scenarios.csv")):
                store.add_records(side, parse_records(side, folder / name, name), actor="evaluate",
                                  status=RecordStatus.PUBLISHED)
            engine = Engine(temp, store, encoder)
            engine.sync(progress=progress)
            scenarios = {r["id"]: r for r in store.list_records(Side.DEMAND)}
            yield engine, scenarios, qrels
        finally:
            store.engine.dispose()


def labelled_queries(scenarios: dict, qrels: dict) -> list[str]:
    """Scenario ids with at least one relevant offering (the queries every metric is averaged over)."""
    return [qid for qid in qrels if qid in scenarios and any(g > 0 for g in qrels[qid].values())]


def evaluate_dir(folder: Path, settings: Settings, encoder, progress: Callable[[int, int], None] | None = None,
                 modes: tuple[str, ...] = MODES) -> dict:
    """Returns {"n_queries": N, "modes": {mode: {"ndcg@10", "recall@10", "mrr"}}}."""
    with loaded(folder, settings, encoder, progress=progress is not None) as (engine, scenarios, qrels):
        queries = labelled_queries(scenarios, qrels)
        offerings = engine.sides[Side.SUPPLY]
        runs: dict[str, dict[str, list[str]]] = {m: {} for m in modes}
        for n, qid in enumerate(queries, 1):
            query = scenarios[qid]
            text = record_text(query)
            if "bm25" in modes:
                runs["bm25"][qid] = [rid for rid, _ in offerings.lexical.top(text, K)]
            if "dense" in modes:
                runs["dense"][qid] = [rid for rid, _ in offerings.vectors.search(engine.embed([text]), K)[0]]
            if "hybrid" in modes:
                # Labelled sets are not organisations: one "organisation" may post every record of a set.
                runs["hybrid"][qid] = [s.offering_id for s in engine.match(query, Side.DEMAND, K, exclude_own=False)]
            if progress:
                progress(n, len(queries))
    return {"n_queries": len(queries), "modes": {m: evaluate_run(runs[m], qrels, k=K) for m in modes}}
