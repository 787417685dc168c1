"""Indicator-check benchmark: accuracy, `met` precision and the confusion matrix on the hand-written labels
(tuning part and held-out part reported apart), and the time the check adds per shown suggestion."""
from __future__ import annotations

import csv
import os
import random
import statistics
import time
from pathlib import Path

from matcher.config import DATA_DIR
from matcher.domain import indicators, quantities, units
from matcher.domain.indicators import STATUSES, check, check_all
from matcher.domain.records import detect_language, record_text

LABELS = DATA_DIR / "indicators" / "labels.tsv"


def read_labels(path: Path = LABELS) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def score(rows: list[dict]) -> dict:
    """Accuracy, per-status precision/recall and the confusion matrix (expected -> predicted)."""
    confusion = {e: {p: 0 for p in STATUSES} for e in STATUSES}
    errors = []
    for row in rows:
        got = check(row["indicator"], row["offering"])
        confusion[row["expected"]][got.status] += 1
        if got.status != row["expected"]:
            errors.append({**row, "predicted": got.status, "evidence": got.evidence})
    n = len(rows)
    correct = sum(confusion[s][s] for s in STATUSES)
    out = {"pairs": n, "accuracy": round(correct / n, 4) if n else None, "confusion": confusion}
    for s in STATUSES:
        predicted = sum(confusion[e][s] for e in STATUSES)
        actual = sum(confusion[s].values())
        out[f"{s}_precision"] = round(confusion[s][s] / predicted, 4) if predicted else None
        out[f"{s}_recall"] = round(confusion[s][s] / actual, 4) if actual else None
    out["errors"] = errors
    return out


def label_report(path: Path = LABELS) -> dict:
    rows = read_labels(path)
    langs = {}
    for row in rows:
        key = f"{detect_language(row['indicator'])}->{detect_language(row['offering'])}"
        langs[key] = langs.get(key, 0) + 1
    return {"languages": langs,
            "tune": score([r for r in rows if r["split"] == "tune"]),
            "heldout": score([r for r in rows if r["split"] == "heldout"]),
            "all": score(rows)}


def _clear_caches() -> None:
    for fn in (indicators.parse_requirement, indicators.statements, quantities.mentions, units.find_unit):
        fn.cache_clear()


def timing(demo_dir: Path = DATA_DIR / "demo", per_scenario: int = 10, seed: int = 7) -> dict:
    """Milliseconds per suggestion for checking all of a scenario's indicators against one offering.

    cold: every parse cache emptied before each suggestion (a record seen for the first time);
    warm: caches kept, as when a page is shown again."""
    with open(demo_dir / "scenarios.csv", encoding="utf-8") as f:
        scenarios = [r for r in csv.DictReader(f) if r.get("indicators")]
    with open(demo_dir / "offerings.csv", encoding="utf-8") as f:
        offerings = [record_text(r) for r in csv.DictReader(f)]
    rng = random.Random(seed)
    pairs = [(s["indicators"], text) for s in scenarios for text in rng.sample(offerings, per_scenario)]
    check_all("≥1 kg", "一公斤")   # imports (cn2an, pint registry) happen once per process, not per suggestion
    cold = []
    for ind, text in pairs:
        _clear_caches()
        t0 = time.perf_counter()
        check_all(ind, text)
        cold.append((time.perf_counter() - t0) * 1000)
    for ind, text in pairs:   # prime: every record parsed once, as after its first page view
        check_all(ind, text)
    warm = []
    for ind, text in pairs:
        t0 = time.perf_counter()
        check_all(ind, text)
        warm.append((time.perf_counter() - t0) * 1000)
    q = lambda xs, p: round(sorted(xs)[min(len(xs) - 1, int(p * len(xs)))], 3)  # noqa: E731
    return {"suggestions": len(pairs), "indicators": sum(len(indicators.split_indicators(i)) for i, _ in pairs),
            "cold_mean_ms": round(statistics.mean(cold), 3), "cold_p95_ms": q(cold, 0.95),
            "cold_max_ms": round(max(cold), 3), "warm_mean_ms": round(statistics.mean(warm), 4),
            "load_average": round(os.getloadavg()[0], 1)}


def render(report: dict, speed: dict, command: str) -> str:
    """The RESULTS.md section."""
    lines = ["## Indicator check (指标核对)", "",
             f"`{command}` — rules in `matcher/domain/indicators.py`, `quantities.py`, `units.py` (pint for "
             "units, cn2an for Chinese numerals); labels `data/indicators/labels.tsv`, written before the rules. "
             "The held-out third (chosen by a hash of each pair) was not looked at while the rules were tuned.", "",
             "Pairs by language (indicator->offering): " +
             ", ".join(f"{k} {v}" for k, v in sorted(report["languages"].items())), "",
             "| part | pairs | accuracy | met precision | met recall | unmet precision | unknown precision |",
             "|---|---|---|---|---|---|---|"]
    for part in ("tune", "heldout", "all"):
        r = report[part]
        lines.append(f"| {part} | {r['pairs']} | {r['accuracy']} | {r['met_precision']} | {r['met_recall']} | "
                     f"{r['unmet_precision']} | {r['unknown_precision']} |")
    for part in ("heldout", "all"):
        lines += ["", f"Confusion matrix, {part} (rows expected, columns predicted):", "",
                  "| expected \\ predicted | met | unmet | unknown |", "|---|---|---|---|"]
        for e in STATUSES:
            c = report[part]["confusion"][e]
            lines.append(f"| {e} | {c['met']} | {c['unmet']} | {c['unknown']} |")
    lines += ["", f"Held-out errors ({len(report['heldout']['errors'])}):", ""]
    for err in report["heldout"]["errors"]:
        lines.append(f"- `{err['indicator']}` / `{err['offering']}`: expected {err['expected']}, "
                     f"got {err['predicted']}")
    lines += ["", f"Time per shown suggestion (all indicators of the scenario against one offering; "
              f"{speed['suggestions']} demo suggestions, {speed['indicators']} indicator checks): "
              f"cold (parse caches emptied before each) mean {speed['cold_mean_ms']} ms, p95 "
              f"{speed['cold_p95_ms']} ms, max {speed['cold_max_ms']} ms; warm mean {speed['warm_mean_ms']} ms. "
              f"Target ≤ 5 ms. Load average during the run: {speed['load_average']} on 2 shared cores.", ""]
    return "\n".join(lines)
