"""Smoke run of `python -m matcher bench`: the command works and its JSON has the promised keys.

Timing targets are benchmark figures (benchmarks/RESULTS.md), not asserted here.
"""
import json
import subprocess
import sys
from pathlib import Path

from matcher.bench import OTHER_SECTIONS
from matcher.bench.corpus import compose, load_vocabulary
from matcher.domain.records import Side, record_text, validate_record

KEYS = ["hybrid_p50_ms", "hybrid_p95_ms", "query_encode_p50_ms", "baseline_p50_ms", "speedup_vs_baseline",
        "txtai_p50_ms", "add_one_ms", "bytes_per_vector", "bytes_floor", "ingest_encode_s_est"]


def test_composed_corpus_is_varied_valid_and_prefix_stable():
    vocab = load_vocabulary()
    small, big = compose(vocab, "supply", 200), compose(vocab, "supply", 400)
    assert big[:200] == small
    texts = [record_text(r) for r in big]
    assert len(set(texts)) == len(texts)
    assert any("\u4e00" <= c <= "\u9fff" for c in "".join(texts)) and any(c.isascii() and c.isalpha() for c in "".join(texts))
    for r in big[:50]:
        validate_record(Side.SUPPLY, r)
    for r in compose(vocab, "demand", 50):
        validate_record(Side.DEMAND, r)


def test_bench_smoke_json(tmp_path: Path):
    """Two encoders side by side: the real multilingual default (use) and MiniLM (sentence-transformers)."""
    cmd = [sys.executable, "-m", "matcher", "bench", "--sizes", "1000", "--encoders", "use,sentence-transformers",
           "--queries", "5", "--real-vectors", "300", "--encode-sample", "32", "--no-txtai", "--no-onnx",
           "--no-quality", "--rounds", "2", "--e2e-sizes", "400", "--e2e-real", "300", "--json",
           "--cache-dir", str(tmp_path / "cache"), "--results", str(tmp_path / "out")]
    (tmp_path / "out").mkdir()   # a results file with another benchmark's section, which the run must keep
    (tmp_path / "out" / "RESULTS.md").write_text(f"# old run\n\n{OTHER_SECTIONS}## Web load\n\nkept\n", encoding="utf-8")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    doc = json.loads(done.stdout)  # exactly one JSON object on stdout
    assert doc["machine"]["cpu"] and isinstance(doc["machine"]["vector_extensions"], list)
    assert len(doc["machine"]["load_avg_start"]) == 3 and len(doc["machine"]["load_avg_end"]) == 3
    floors = {"use": 4 * 512, "sentence-transformers": 4 * 384}
    for backend, floor in floors.items():
        enc = doc["encoders"][backend]
        assert enc["bytes_floor"] == floor and enc["single_queries"] == 5
        assert 0 < enc["single_query_p50_ms"] <= enc["single_query_p95_ms"]
        assert enc["encode_texts_per_s"] > 0 and enc["encode_texts_per_s_plain"] > 0 and enc["plain_call"]
        row = doc["sizes"]["1000"][backend]
        for key in KEYS:
            assert key in row, (backend, key)
        assert row["real_vectors"] == 300 and row["perturbed_vectors"] == 700
        assert 0 < row["hybrid_p50_ms"] <= row["hybrid_p95_ms"] and row["query_encode_p50_ms"] > 0
        assert row["baseline_p50_ms"] > 0 and row["speedup_vs_baseline"] > 0 and row["sklearn_dense_p50_ms"] > 0
        assert row["add_one_found"] and row["add_one_ms"] > 0
        # Adding records encodes only them and leaves the BM25 base index alone (no re-encode, no rebuild).
        assert row["add_one_texts_encoded"] == row["add_one_repeats"] and not row["add_one_bm25_rebuilt"]
        # the floor is float32's (4 B per dimension); the default float16 storage needs half of it
        assert row["bytes_floor"] == floor and floor / 2 <= row["bytes_per_vector"] < floor
        assert row["rounds"] == 2 and len(row["hybrid_round_p50_ms"]) == 2 and len(row["load_avg_per_round"]) == 2
    # End to end: both channels of the default encoder's engine, the first 300 records with real encodings.
    e2e = doc["e2e"]["sizes"]["400"]
    assert doc["e2e"]["encoder"] == "use" and e2e["real_vectors"] == 300 and e2e["perturbed_vectors"] == 100
    assert 0 < e2e["hybrid_p50_ms"] and e2e["lexical_p50_ms"] > 0 and e2e["dense_p50_ms"] > 0
    assert e2e["ann_recall10"] == 1.0 and e2e["dense_index"] == "flat"   # flat below the threshold: exact
    assert e2e["rss_bytes_per_record"] == round(e2e["rss_growth_mb"] * 1024 * 1024 / 400)
    # Each encoder keeps its own vector cache (the same text has a different vector per model).
    assert len(list((tmp_path / "cache").glob("vectors-*.npz"))) == 2
    targets = {t["target"]: t for t in doc["targets"]}
    assert any(t.startswith("use (default): single-query encoding") for t in targets)
    assert targets["use (default): hybrid top-10 at N=100,000 p50 <= 35 ms incl. encoding"]["met"] is None  # not run
    report = (tmp_path / "out" / "RESULTS.md").read_text(encoding="utf-8")
    assert "| 1,000 | use |" in report and "| 1,000 | sentence-transformers |" in report
    assert "## Targets" in report and "## Encoders side by side" in report and "Load average" in report
    assert "## End to end at large N" in report and "| 400 | 300 / 100 | flat |" in report
    assert "# old run" not in report and report.endswith(f"{OTHER_SECTIONS}## Web load\n\nkept\n")


def test_interleaved_contenders_rotate_and_ratio_spread():
    """Every contender sees every query of every round, the first-timed one rotating; the ratio is per round."""
    from matcher.bench.fair import interleave, ratio

    calls = []
    timed = interleave({"a": lambda q: calls.append(("a", q)), "b": lambda q: calls.append(("b", q))},
                       [["q1", "q2"], ["q3", "q4"]])
    assert calls[2:] == [("a", "q1"), ("b", "q1"), ("b", "q2"), ("a", "q2"),
                         ("b", "q3"), ("a", "q3"), ("a", "q4"), ("b", "q4")]   # after the two warm-ups
    assert [len(r) for r in timed["ms"]["a"]] == [2, 2] and len(timed["load_avg_per_round"]) == 2
    r = ratio([[1.0, 1.0], [2.0, 2.0], [1.0, 1.0]], [[3.0, 3.0], [3.0, 3.0], [2.0, 2.0]])
    assert r["per_round"] == [3.0, 1.5, 2.0] and (r["min"], r["median"], r["max"]) == (1.5, 2.0, 3.0)


def test_bench_rejects_unknown_encoder(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "matcher", "bench", "--encoders", "use,nope", "--sizes", "10"],
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    assert done.returncode == 1 and "nope" in done.stderr
