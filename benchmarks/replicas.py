"""Several processes on one database: concurrent writers, cross-process visibility, match latency by backend.

    HF_HUB_OFFLINE=1 python benchmarks/replicas.py [--writes 200] [--visibility 100] [--records 10000]

Starts a throwaway PostgreSQL cluster (tests/pg_cluster.py: initdb + pg_ctl, Unix socket only; as root the
server runs as the `postgres` user) and measures, appending a section to benchmarks/RESULTS.md:

1. writers: 2 app processes (3 writer threads each, Platform.submit as the web form does) and 2 importer
   processes (Platform.import_file, the `python -m matcher import` path, 20 files of 10 rows) = 8 writers x N
   records at once on PostgreSQL; every process follows the change feed; afterwards, without any full sync,
   each process's index ids are compared with the database's published ids.
2. visibility: one process submits a record every 0.2 s, another process (following the feed) notes when the
   id reaches its index and checks it is in its suggestions; latency = seen - committed, per backend.
3. match latency at R records (fake encoder, so the store is the part that differs), SQLite vs PostgreSQL: both
   platforms open in one process, queries interleaved (each query on both backends back to back, the order
   alternating), so load drift hits both alike. `--only match` runs just this part.
"""
from __future__ import annotations

import argparse
import io
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def _settings(var: str, url: str):
    from matcher.config import Settings

    return Settings(var_dir=Path(var), db_url=url, encoder="fake", seed_demo=False, demo_accounts=False)


def _record(worker: int, i: int) -> dict:
    from reliability_worker import record

    return record(worker, i)


# --- worker processes (run as: replicas.py worker KIND ...) ----------------------------------------------


def worker_app(var: str, url: str, ident: int, n: int, start: str, out: str) -> None:
    """3 writer threads x n submits; then waits for the feed and reports its index ids."""
    import threading

    from matcher.domain.records import RecordStatus, Side
    from matcher.service import Platform

    platform = Platform.open(_settings(var, url), follow=True)
    errors: list[str] = []
    while not os.path.exists(start):
        time.sleep(0.005)

    def write(thread: int) -> None:
        for i in range(n):
            side = Side.SUPPLY if i % 2 == 0 else Side.DEMAND
            try:
                platform.submit(side, _record(ident * 10 + thread, i), f"app{ident}", status=RecordStatus.PUBLISHED)
            except Exception as exc:  # noqa: BLE001 - counted: an error that would reach a user
                errors.append(repr(exc))

    threads = [threading.Thread(target=write, args=(t,)) for t in range(3)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _report_after_feed(platform, out, errors, time.monotonic() - t0, start)


def worker_import(var: str, url: str, ident: int, n: int, start: str, out: str) -> None:
    """n records as n/10 CSV imports of 10 rows each (the CLI import path)."""
    from matcher.domain.records import Side
    from matcher.service import Platform

    platform = Platform.open(_settings(var, url), follow=True)
    errors: list[str] = []
    while not os.path.exists(start):
        time.sleep(0.005)
    t0 = time.monotonic()
    for batch in range(n // 10):
        buf = io.StringIO(newline="")
        w = csv.writer(buf)
        w.writerow(["title", "description", "organization", "region", "keywords"])
        for i in range(batch * 10, batch * 10 + 10):
            r = _record(100 + ident, i)
            w.writerow([r["title"], r["description"], r["organization"], r["region"], r["keywords"]])
        side = Side.SUPPLY if batch % 2 == 0 else Side.DEMAND
        try:
            platform.import_file(side, buf.getvalue().encode(), "batch.csv", f"import{ident}")
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
    _report_after_feed(platform, out, errors, time.monotonic() - t0, start)


def _report_after_feed(platform, out: str, errors: list[str], seconds: float, start: str) -> None:
    """Wait until every writer is done (done-files), give the feed 2 s, then write the index ids."""
    from matcher.domain.records import Side

    Path(out + ".done").touch()
    folder = Path(start).parent
    while len(list(folder.glob("*.done"))) < 4:
        time.sleep(0.05)
    time.sleep(2.0)
    ids = {side.value: sorted(platform.engine.sides[side].vectors.hashes) for side in Side}
    lexical = {side.value: sorted(platform.engine.sides[side].lexical.ids) for side in Side}
    Path(out).write_text(json.dumps({"errors": errors, "seconds": seconds, "ids": ids, "lexical": lexical,
                                     "feed_applied": platform.feed.applied}), "utf-8")
    platform.close()


def worker_visibility_writer(var: str, url: str, n: int, start: str, out: str) -> None:
    from matcher.domain.records import RecordStatus, Side
    from matcher.service import Platform

    platform = Platform.open(_settings(var, url))
    while not os.path.exists(start):
        time.sleep(0.005)
    committed: dict[str, float] = {}
    real_add = platform.store.add_records

    def add_and_stamp(*args, **kwargs):       # the moment the transaction committed: visible from here on
        ids = real_add(*args, **kwargs)
        committed[ids[0]] = time.time()
        return ids

    platform.store.add_records = add_and_stamp
    for i in range(n):
        platform.submit(Side.SUPPLY, _record(7, 1000 + i), "vis", status=RecordStatus.PUBLISHED)
        time.sleep(0.2)
    Path(out).write_text(json.dumps(committed), "utf-8")
    platform.close()


def worker_visibility_reader(var: str, url: str, n: int, start: str, out: str) -> None:
    from matcher.domain.records import Side
    from matcher.service import Platform

    platform = Platform.open(_settings(var, url), follow=True)
    Path(start).touch()                     # following: the writer may begin
    index = platform.engine.sides[Side.SUPPLY]
    seen: dict[str, float] = {}
    in_suggestions = 0
    deadline = time.monotonic() + n * 0.2 + 60
    while len(seen) < n and time.monotonic() < deadline:
        now = time.time()
        for rid in set(index.vectors.hashes) - set(seen):
            seen[rid] = now
            record = platform.store.get_record(Side.SUPPLY, rid)
            found = platform.engine.match({"id": None, "title": record["title"], "description":
                                           record["description"]}, Side.DEMAND, k=5)
            in_suggestions += rid in [s.offering_id for s in found]
        time.sleep(0.01)
    Path(out).write_text(json.dumps({"seen": seen, "in_suggestions": in_suggestions}), "utf-8")
    platform.close()


# --- the measurements ------------------------------------------------------------------------------------


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, "worker", *args], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def measure_writers(cluster, n: int) -> dict:
    from matcher.domain.records import RecordStatus, Side
    from matcher.storage.store import Store

    url = cluster.url(cluster.create_database())
    work = Path(tempfile.mkdtemp(prefix="matcher-writers-"))
    Store(url).engine.dispose()                          # `python -m matcher init`
    start = str(work / "start")
    procs = [_spawn("app", str(work / "var"), url, str(p), str(n), start, str(work / f"app{p}.json")) for p in (1, 2)]
    procs += [_spawn("import", str(work / "var"), url, str(p), str(n), start, str(work / f"imp{p}.json"))
              for p in (1, 2)]
    time.sleep(15)                                       # every process has opened the database and indexes
    Path(start).touch()
    for p in procs:
        p.wait(timeout=1800)
    reports = {f.stem: json.loads(f.read_text("utf-8")) for f in sorted(work.glob("*.json"))}
    store = Store(url)
    published = {side.value: sorted(r["id"] for r in store.list_records(side, status=RecordStatus.PUBLISHED))
                 for side in Side}
    total = sum(store.count(side) for side in Side)
    store.engine.dispose()
    writes = 2 * 3 * n + 2 * n
    return {"writers": "2 app processes x 3 threads + 2 importer processes", "writes_attempted": writes,
            "records_in_db": total, "lost": writes - total,
            "errors": sum(len(r["errors"]) for r in reports.values()),
            "processes_with_index_equal_to_db": sum(r["ids"] == published and r["lexical"] == published
                                                    for r in reports.values()),
            "processes": len(reports), "writing_seconds": round(max(r["seconds"] for r in reports.values()), 1),
            "writes_per_second": round(writes / max(max(r["seconds"] for r in reports.values()), 0.1), 1)}


def measure_visibility(url: str, n: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="matcher-visibility-"))
    if not url:
        url = f"sqlite:///{work / 'var' / 'matcher.db'}"
    from matcher.storage.store import Store

    Store(url).engine.dispose()
    start = str(work / "start")
    reader = _spawn("vreader", str(work / "var"), url, str(n), start, str(work / "reader.json"))
    writer = _spawn("vwriter", str(work / "var"), url, str(n), start, str(work / "writer.json"))
    writer.wait(timeout=1800)
    reader.wait(timeout=1800)
    committed = json.loads((work / "writer.json").read_text("utf-8"))
    got = json.loads((work / "reader.json").read_text("utf-8"))
    lat = sorted(got["seen"][rid] - t for rid, t in committed.items() if rid in got["seen"])
    q = statistics.quantiles(lat, n=20) if len(lat) >= 2 else [float("nan")] * 19
    return {"records": n, "seen": len(lat), "in_suggestions": got["in_suggestions"],
            "p50_s": round(statistics.median(lat), 3), "p95_s": round(q[18], 3), "max_s": round(lat[-1], 3)}


def _match_platform(url: str, records: int):
    from matcher.domain.records import Side, validate_record
    from matcher.service import Platform

    work = Path(tempfile.mkdtemp(prefix="matcher-match-"))
    platform = Platform.open(_settings(str(work / "var"), url))
    for side in Side:
        for chunk in range(0, records, 1000):
            platform.store.add_records(side, [validate_record(side, _record(i % 50, i))
                                              for i in range(chunk, min(records, chunk + 1000))])
    platform.engine.sync()
    return platform


def _stats(times: list[float]) -> dict:
    q = statistics.quantiles(times, n=20)
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(q[18], 2)}


def measure_match(urls: dict[str, str], records: int, queries: int = 300) -> dict:
    """Platform.suggestions (a stored scenario: what the app shows) and Engine.match_text (free text) on each
    backend, interleaved per query; per-query ratios give the spread."""
    from matcher.domain.records import Side

    platforms = {name: _match_platform(url, records) for name, url in urls.items()}
    first = next(iter(platforms.values()))
    # the same scenarios on every backend (ids are random per database: matched by their unique titles)
    by_title = {name: {r["title"]: r["id"] for r in p.store.list_records(Side.DEMAND)} for name, p in platforms.items()}
    texts = sorted(by_title[next(iter(platforms))])[:queries]
    ids = {name: [titles[t] for t in texts] for name, titles in by_title.items()}
    facts = first.engine.sides[Side.SUPPLY].facts
    names = list(platforms)
    calls = {"suggestions": lambda n, i: platforms[n].suggestions(Side.DEMAND, ids[n][i]),
             "free_text": lambda n, i: platforms[n].engine.match_text(texts[i], Side.DEMAND)}
    out: dict = {"records_per_side": records, "queries": len(texts),
                 "facts_bytes_per_record": round(facts.nbytes() / max(len(facts), 1))}
    for kind, call in calls.items():
        for name in names:
            for i in range(20):
                call(name, i)                                    # warm-up
        times: dict[str, list[float]] = {n: [] for n in names}
        for i in range(len(texts)):
            for name in (names if i % 2 == 0 else names[::-1]):
                t0 = time.perf_counter()
                call(name, i)
                times[name].append((time.perf_counter() - t0) * 1000)
        ratios = sorted(b / a for a, b in zip(times[names[0]], times[names[1]]))
        q = statistics.quantiles(ratios, n=4)
        out[kind] = {**{n: _stats(t) for n, t in times.items()},
                     f"ratio_{names[1]}_over_{names[0]}_p50": round(statistics.median(times[names[1]])
                                                                    / statistics.median(times[names[0]]), 2),
                     "per_query_ratio_median": round(statistics.median(ratios), 2),
                     "per_query_ratio_iqr": [round(q[0], 2), round(q[2], 2)]}
    for p in platforms.values():
        p.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--visibility", type=int, default=100)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--only", choices=["match"], help="run just the match-latency part")
    args = parser.parse_args()
    from pg_cluster import Cluster, find_bin_dir

    load = os.getloadavg()
    cluster = Cluster(find_bin_dir()).start()
    target = ROOT / "benchmarks" / "replicas.json"
    try:
        results = json.loads(target.read_text("utf-8")) if args.only and target.exists() else {}
        if args.only == "match":
            for key in [k for k in results if k.startswith("match")]:
                del results[key]
            results["match"] = {"load_before_1_5_15_min": [round(x, 2) for x in load],
                                "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                **measure_match({"sqlite": "", "postgresql": cluster.url(cluster.create_database())},
                                                args.records)}
            results["match"]["load_after_1_5_15_min"] = [round(x, 2) for x in os.getloadavg()]
            return
        results["load_before"] = round(load[0], 2)
        results["writers_postgresql"] = measure_writers(cluster, args.writes)
        print(json.dumps(results, indent=1), flush=True)
        results["visibility_postgresql"] = measure_visibility(cluster.url(cluster.create_database()), args.visibility)
        results["visibility_sqlite"] = measure_visibility("", args.visibility)
        print(json.dumps(results, indent=1), flush=True)
        results["match"] = {"load_before_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
                            **measure_match({"sqlite": "", "postgresql": cluster.url(cluster.create_database())},
                                            args.records)}
        results["load_after"] = round(os.getloadavg()[0], 2)
    finally:
        cluster.stop()
        print(json.dumps(results, indent=1))
        target.write_text(json.dumps(results, indent=1), "utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        kind, *rest = sys.argv[2:]
        {"app": lambda a: worker_app(a[0], a[1], int(a[2]), int(a[3]), a[4], a[5]),
         "import": lambda a: worker_import(a[0], a[1], int(a[2]), int(a[3]), a[4], a[5]),
         "vwriter": lambda a: worker_visibility_writer(a[0], a[1], int(a[2]), a[3], a[4]),
         "vreader": lambda a: worker_visibility_reader(a[0], a[1], int(a[2]), a[3], a[4])}[kind](rest)
    else:
        main()
