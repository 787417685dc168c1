"""float16 against float32 storage in the dense index (settings.vector_precision).

`HF_HUB_OFFLINE=1 python benchmarks/vector_precision.py [--n 100000]` prints a markdown section: on n random
unit vectors of the default encoder's dimension, bytes per vector, top-10 agreement and the largest cosine
difference between the two precisions, and single-query search time (one thread); then nDCG@10 of the
dense and hybrid modes on every labelled set with each precision."""
import argparse
import os
import sys
import time
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matcher.config import get_settings  # noqa: E402
from matcher.search.encoders import create_encoder  # noqa: E402
from matcher.search.evaluate import evaluate_dir  # noqa: E402
from matcher.search.index import PRECISIONS, VectorIndex  # noqa: E402

STS = ROOT.parent / "shared" / "benchmarks" / "sts-retrieval"
SETS = [STS / "zh", STS / "en", STS / "zh2en", STS / "en2zh", ROOT / "data" / "demo"]


def synthetic(n: int, dim: int, queries: int = 100) -> dict:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = x[:queries] + 0.5 * rng.standard_normal((queries, dim)).astype(np.float32)
    ids = [f"r{i}" for i in range(n)]
    out, found = {}, {}
    for precision in PRECISIONS:
        index = VectorIndex(dim, precision=precision)
        index.upsert(ids, x)
        found[precision] = index.search(q, 10)
        times = []
        for row in q:
            t = time.perf_counter()
            index.search(row[None, :], 10)
            times.append(time.perf_counter() - t)
        out[precision] = {"bytes": len(faiss.serialize_index(index._index)) / n,
                          "p50_ms": 1000 * float(np.median(times))}
    a, b = found["float32"], found["float16"]
    out["agreement"] = float(np.mean([len({r for r, _ in x} & {r for r, _ in y}) / 10 for x, y in zip(a, b)]))
    score32 = {(i, r): s for i, row in enumerate(a) for r, s in row}
    out["max_diff"] = max(abs(s - score32[(i, r)]) for i, row in enumerate(b) for r, s in row if (i, r) in score32)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("sets", nargs="*", type=Path, default=SETS)
    args = parser.parse_args()
    settings = get_settings()
    encoder = create_encoder(settings)
    load = os.getloadavg()
    syn = synthetic(args.n, encoder.dim)
    print(f"`HF_HUB_OFFLINE=1 python benchmarks/vector_precision.py --n {args.n}`, encoder `{settings.encoder}` "
          f"({encoder.dim}-d), load average at start {load[0]:.1f}.\n")
    print(f"{args.n:,} random unit vectors, 100 noisy queries: top-10 agreement float16 vs float32 "
          f"{syn['agreement']:.4f}, largest cosine difference {syn['max_diff']:.1e}.\n")
    print("| precision | bytes/vector | single query p50 ms (flat, 1 thread) | " +
          " | ".join(f"{f.name} dense / hybrid" for f in args.sets) + " |")
    print("|---|---:|---:|" + "---:|" * len(args.sets))
    for precision in PRECISIONS:
        cells = []
        for folder in args.sets:
            modes = evaluate_dir(folder, settings.model_copy(update={"vector_precision": precision}), encoder,
                                 modes=("dense", "hybrid"))["modes"]
            cells.append(f"{modes['dense']['ndcg@10']:.4f} / {modes['hybrid']['ndcg@10']:.4f}")
        print(f"| {precision} | {syn[precision]['bytes']:,.0f} | {syn[precision]['p50_ms']:.1f} | " +
              " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
