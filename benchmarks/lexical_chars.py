"""Do the single Chinese characters in the lexical index earn their memory?

`HF_HUB_OFFLINE=1 python benchmarks/lexical_chars.py [sets...]` evaluates the bm25 and hybrid modes on the
labelled sets twice: with today's tokens (jieba words + single CJK characters) and with the characters
pruned, and measures the lexical index's memory per composed record both ways (tracemalloc). Prints a
markdown table for benchmarks/RESULTS.md. Issue 13: "measure whether single-character postings can be
pruned without losing zh quality"."""
import argparse
import gc
import sys
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matcher.bench.corpus import compose, load_vocabulary  # noqa: E402
from matcher.config import get_settings  # noqa: E402
from matcher.domain.records import record_text  # noqa: E402
from matcher.search import lexical  # noqa: E402
from matcher.search.encoders import create_encoder  # noqa: E402
from matcher.search.evaluate import evaluate_dir  # noqa: E402

STS = ROOT.parent / "shared" / "benchmarks" / "sts-retrieval"
SETS = [STS / "zh", STS / "en", STS / "zh2en", STS / "en2zh", ROOT / "data" / "demo"]
_words_and_chars = lexical.tokenize


def _words_only(text: str) -> list[str]:
    return [t for t in _words_and_chars(text) if not lexical._IS_CJK_CHAR.match(t)]


def _memory_per_record(n: int) -> float:
    texts = [record_text(r) for r in compose(load_vocabulary(), "supply", n)]
    gc.collect()
    tracemalloc.start()
    index = lexical.LexicalIndex(use_taxonomy=False)
    index.build([f"S{i}" for i in range(n)], texts)
    index._ready()
    used = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return used / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sets", nargs="*", type=Path, default=SETS)
    parser.add_argument("--records", type=int, default=20000, help="composed records for the memory figure")
    args = parser.parse_args()
    settings = get_settings()
    encoder = create_encoder(settings)
    rows = {}
    for name, tokenize in (("words + characters (today)", _words_and_chars), ("words only", _words_only)):
        lexical.tokenize = tokenize
        memory = _memory_per_record(args.records)
        scores = {}
        for folder in args.sets:
            modes = evaluate_dir(folder, settings, encoder, modes=("bm25", "hybrid"))["modes"]
            scores[folder.name] = (modes["bm25"]["ndcg@10"], modes["hybrid"]["ndcg@10"])
        rows[name] = (memory, scores)
    lexical.tokenize = _words_and_chars
    names = [f.name for f in args.sets]
    print(f"Encoder `{settings.encoder}`; nDCG@10 as bm25 / hybrid; memory = lexical index (token tuples + bm25s "
          f"matrix) per composed record at N={args.records:,}.\n")
    print("| tokens | " + " | ".join(names) + " | lexical B/record |")
    print("|---|" + "---:|" * (len(names) + 1))
    for name, (memory, scores) in rows.items():
        cells = [f"{scores[n][0]:.4f} / {scores[n][1]:.4f}" for n in names]
        print(f"| {name} | " + " | ".join(cells) + f" | {memory:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
