"""Replay benchmark for learning from decisions on SIMULATED histories (see matcher/bench/replay.py):
`python benchmarks/learning_replay.py [--shown 10] [--noise 0.03] [--seeds 11,23,37,41,53] [--shuffles 10] [--limits]
[--append benchmarks/RESULTS.md] [--json]`. Prints the RESULTS.md section (with the load average during the run);
--limits prints instead what limits the gain (binding, headroom, oracle by gate depth, ceiling:
matcher/bench/replay_limits.py)."""
import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher.bench import replay_limits  # noqa: E402
from matcher.bench.replay import NOISE, SEEDS, SHOWN, render, run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shown", type=int, default=SHOWN, help="offerings shown (and decided) per scenario")
    parser.add_argument("--noise", type=float, default=NOISE, help="share of decisions flipped at random")
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)), help="comma-separated history seeds")
    parser.add_argument("--shuffles", type=int, default=0,
                        help="further shuffled-reason histories per seed, to count moves on noise")
    parser.add_argument("--limits", action="store_true", help="the limits table (noise-free) instead of the replay")
    parser.add_argument("--append", help="markdown file to append the section to")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    seeds = tuple(int(s) for s in args.seeds.split(","))
    load_before = os.getloadavg()[0]
    if args.limits:
        doc = replay_limits.limits(args.shown)
        text = replay_limits.render(doc, f"python benchmarks/learning_replay.py --limits --shown {args.shown}")
    else:
        doc = run(seeds=seeds, shown=args.shown, noise=args.noise, shuffles=args.shuffles)
        command = (f"python benchmarks/learning_replay.py --shown {args.shown} --noise {args.noise} "
                   f"--seeds {args.seeds}" + (f" --shuffles {args.shuffles}" if args.shuffles else ""))
        text = render(doc, command)
    doc["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    text += f"Load average (1 min) at start / end: {doc['load_average']}.\n"
    print(json.dumps(doc, ensure_ascii=False, indent=2) if args.json else text)
    if args.append:
        with open(args.append, "a", encoding="utf-8") as f:
            f.write("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
