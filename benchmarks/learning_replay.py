"""Replay benchmark for learning from decisions on SIMULATED histories (see matcher/bench/replay.py):
`python benchmarks/learning_replay.py [--append benchmarks/RESULTS.md] [--json]`."""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher.bench.replay import render, run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--append", help="markdown file to append the section to")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    doc = run()
    text = render(doc, "python benchmarks/learning_replay.py")
    print(json.dumps(doc, ensure_ascii=False, indent=2) if args.json else text)
    if args.append:
        with open(args.append, "a", encoding="utf-8") as f:
            f.write("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
