"""Indicator-check benchmark: `python benchmarks/indicators.py [--append benchmarks/RESULTS.md] [--json]`.

Prints accuracy, met precision and the confusion matrix on data/indicators/labels.tsv (tune and held-out
parts) and the time per shown suggestion; --append adds the section at the end of RESULTS.md."""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher.bench.indicator_check import label_report, render, timing  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--append", help="markdown file to append the section to")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report, speed = label_report(), timing()
    text = render(report, speed, "python benchmarks/indicators.py")
    if args.json:
        print(json.dumps({"labels": report, "timing": speed}, ensure_ascii=False, indent=2))
    else:
        print(text)
    if args.append:
        with open(args.append, "a", encoding="utf-8") as f:
            f.write("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
