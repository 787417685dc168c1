"""Smoke run of `python -m matcher bench`: the command works and its JSON has the promised keys.

Timing targets are benchmark figures (benchmarks/RESULTS.md), not asserted here.
"""
import json
import subprocess
import sys
from pathlib import Path

from matcher.bench.corpus import compose, load_vocabulary
from matcher.domain.records import Side, record_text, validate_record

KEYS = ["hybrid_p50_ms", "hybrid_p95_ms", "baseline_p50_ms", "speedup_vs_baseline", "txtai_p50_ms", "add_one_ms",
        "bytes_per_vector", "encode_texts_per_s", "encode_texts_per_s_plain"]


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
    cmd = [sys.executable, "-m", "matcher", "bench", "--sizes", "1000", "--queries", "5", "--real-vectors", "300",
           "--encode-sample", "32", "--no-txtai", "--no-onnx", "--no-quality", "--json",
           "--cache-dir", str(tmp_path / "cache"), "--results", str(tmp_path / "out")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    doc = json.loads(done.stdout)  # exactly one JSON object on stdout
    row = doc["sizes"]["1000"]
    for key in KEYS:
        assert key in row, key
    assert row["real_vectors"] == 300 and row["perturbed_vectors"] == 700
    assert 0 < row["hybrid_p50_ms"] <= row["hybrid_p95_ms"]
    assert row["baseline_p50_ms"] > 0 and row["speedup_vs_baseline"] > 0
    assert row["add_one_found"] and row["add_one_ms"] > 0
    # Adding records encodes only them and leaves the BM25 base index alone (no re-encode, no rebuild).
    assert row["add_one_texts_encoded"] == row["add_one_repeats"] and not row["add_one_bm25_rebuilt"]
    assert row["bytes_floor"] == 1536 <= row["bytes_per_vector"] < 2 * 1536
    assert row["encode_texts_per_s"] > 0 and row["encode_texts_per_s_plain"] > 0
    report = (tmp_path / "out" / "RESULTS.md").read_text(encoding="utf-8")
    assert "| 1,000 |" in report and "## Targets" in report and "Load average" in report
