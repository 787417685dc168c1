"""Data safety under concurrency and crashes: concurrent writers, kill -9 mid-import, index repair at start,
online backup during writes and restore, two officials acting on one pairing at once.
Every test runs on SQLite and on the PostgreSQL test server (tests/pg_cluster.py).

CI size by default (under a minute on 2 cores). MATCHER_STRESS_FULL=1 runs the sizes the issue asks for
(8 processes x 200 records, ...); MATCHER_STRESS_REPORT=path.json writes the figures SECURITY.md quotes.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, text

from matcher.workflow import review
from matcher.config import Settings
from matcher.search.index import VectorIndex
from matcher.search.lexical import LexicalIndex
from matcher.search.ranking import Reason, Suggestion
from matcher.domain.records import PairingStatus as P
from matcher.domain.records import ReasonCode, RecordStatus, Side, validate_record
from matcher.storage.schema import AuditLog, Pairing
from matcher.service import Platform
from matcher.storage.store import Store

from conftest import merge_stress_report

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "reliability_worker.py"
FULL = os.environ.get("MATCHER_STRESS_FULL") == "1"

WRITERS, PER_WRITER = (8, 200) if FULL else (4, 30)
SEARCH_THREADS, THREAD_WRITES = (4, 300) if FULL else (2, 40)
IMPORT_ROWS = 5000 if FULL else 400
# kill -9 points: while add_records holds the write lock (mid-transaction), the moment the rows are
# committed (index phase), and later into embedding / pairing refresh.
KILL_POINTS = ([("in_txn", 0.0), ("in_txn", 0.3), ("committed", 0.0), ("committed", 0.5), ("committed", 1.5),
                ("committed", 3.0), ("timed", 0.8)] if FULL
               else [("in_txn", 0.0), ("committed", 0.0), ("committed", 0.6)])
BACKUP_SEED, BACKUP_ROUNDS = (3000, 5) if FULL else (300, 2)
OFFICIAL_ROUNDS = 300 if FULL else 40

BY_BACKEND: dict[str, dict[str, dict]] = {"sqlite": {}, "postgresql": {}}
FIGURES = BY_BACKEND["sqlite"]   # the figures of the backend the current test runs on
pytestmark = pytest.mark.backends("sqlite", "postgresql")


@pytest.fixture(autouse=True)
def _database(backend, db_url, monkeypatch):
    """Settings() and the worker processes (_env copies os.environ) read MATCHER_DB_URL: "" = SQLite file."""
    global FIGURES
    FIGURES = BY_BACKEND[backend]
    if db_url:
        monkeypatch.setenv("MATCHER_DB_URL", db_url)
    else:
        monkeypatch.delenv("MATCHER_DB_URL", raising=False)
    return db_url


@pytest.fixture(scope="module", autouse=True)
def _report_figures():
    yield
    key = "reliability_full_size" if FULL else "reliability_ci_size"
    for backend, figures in BY_BACKEND.items():
        if figures:
            merge_stress_report(key if backend == "sqlite" else f"{key}_{backend}", figures)


def _settings(var_dir: Path) -> Settings:
    return Settings(var_dir=var_dir, encoder="fake", seed_demo=False, demo_accounts=False)


def _env(var_dir: Path) -> dict:
    return {**os.environ, "MATCHER_VAR_DIR": str(var_dir), "MATCHER_ENCODER": "fake", "MATCHER_SEED_DEMO": "0",
            "PYTHONPATH": str(ROOT)}


def _published(store: Store, side: Side) -> set[str]:
    return {r["id"] for r in store.list_records(side, status=RecordStatus.PUBLISHED)}


def _assert_indexes_match_db(platform: Platform) -> None:
    for side in Side:
        want = _published(platform.store, side)
        index = platform.engine.sides[side]
        assert set(index.vectors.hashes) == want, side
        assert set(index.lexical.ids) == want, side
        assert want <= set(index.coverage), side
        assert len(index.vectors) == len(want), side


def _check_suggestions(found, side: Side, k: int) -> None:
    assert len(found) <= k
    scores = [s.score for s in found]
    assert all(0.0 <= s <= 1.0 for s in scores), scores
    assert scores == sorted(scores, reverse=True)
    ids = [s.counterpart_id(side) for s in found]
    assert len(ids) == len(set(ids)) and None not in ids


# --- concurrent writers -----------------------------------------------------------------------------


def test_concurrent_writer_processes_lose_nothing(tmp_path):
    """WRITERS OS processes submit PER_WRITER records each at the same moment into the default SQLite
    database, while this process searches it from threads. Every record is saved, no error reaches a caller."""
    var = tmp_path / "var"
    start = tmp_path / "start"
    Store(_settings(var).database_url)   # created once up front, as `python -m matcher init` would
    procs = [subprocess.Popen([sys.executable, str(WORKER), "submit", str(var), str(w), str(PER_WRITER),
                               str(start), str(tmp_path / f"out{w}.json")], cwd=ROOT, env=_env(var))
             for w in range(WRITERS)]
    # Searches from threads in this process, against the same file, while the writers run.
    reader = Platform.open(_settings(var))
    search_errors: list[str] = []
    searches = [0]
    stop = threading.Event()

    def search(seed: int) -> None:
        rng = np.random.default_rng(seed)
        while not stop.is_set():
            side = Side.SUPPLY if rng.random() < 0.5 else Side.DEMAND
            try:
                found = reader.engine.match_text(["碳纤维 车身", "机器视觉 缺陷检测", "battery thermal"][seed % 3],
                                                 side, k=5)
                _check_suggestions(found, side, 5)
                # a read of the live database between writes, through the same store
                reader.store.count(side)
                searches[0] += 1
            except Exception as exc:  # noqa: BLE001
                search_errors.append(repr(exc))
            time.sleep(0.02)

    threads = [threading.Thread(target=search, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    start.touch()
    for p in procs:
        assert p.wait(timeout=600) == 0
    stop.set()
    for t in threads:
        t.join()

    reports = [json.loads((tmp_path / f"out{w}.json").read_text("utf-8")) for w in range(WRITERS)]
    errors = [e for r in reports for e in ([r["open_error"]] if r["open_error"] else []) + r["errors"]]
    assert not errors, errors[0]
    assert not search_errors, search_errors[:3]
    saved = {(side, rid) for r in reports for side, rid in r["ids"]}
    assert len(saved) == WRITERS * PER_WRITER
    store = Store(_settings(var).database_url)
    assert store.integrity_check() == "ok"
    in_db = {(side.value, r["id"]) for side in Side for r in store.list_records(side)}
    assert in_db == saved
    with store.read() as s:
        # records only: organisations created from the listings' free-text names are audited as creates too
        created = s.scalar(text("SELECT count(*) FROM audit_log WHERE action='create' "
                                "AND entity IN ('offering', 'scenario')"))
    assert created == len(saved)
    # A fresh process start checks the indexes against the database and repairs them.
    _assert_indexes_match_db(Platform.open(_settings(var)))
    FIGURES["concurrent_processes"] = {
        "processes": WRITERS, "records_per_process": PER_WRITER, "records_written": len(saved),
        "records_in_db": len(in_db), "errors_reaching_caller": len(errors), "lost": len(saved - in_db),
        "searches_during_writes": searches[0], "search_errors": len(search_errors),
        "seconds": round(max(r["seconds"] for r in reports), 1)}


def test_searches_in_threads_stay_consistent_while_records_are_added(tmp_path):
    """One shared Platform (as Streamlit shares it): a writer thread publishes records while search
    threads match; results only name existing, published records, with scores in [0, 1], sorted."""
    platform = Platform.open(_settings(tmp_path / "var"))
    base = {"organization": "甲公司", "region": "常州"}
    for i in range(10):
        platform.submit(Side.DEMAND, {**base, "title": f"场景{i} 焊缝 缺陷检测", "description": "机器视觉 检测"},
                        "seed", status=RecordStatus.PUBLISHED)
    errors: list[str] = []
    checked = [0]
    writing = threading.Event()
    writing.set()

    def write() -> None:
        try:
            for i in range(THREAD_WRITES):
                side = Side.SUPPLY if i % 2 else Side.DEMAND
                rid = platform.submit(side, {**base, "title": f"记录{i} 机器视觉", "description": f"缺陷检测 焊缝 {i}"},
                                      "writer", status=RecordStatus.PUBLISHED)
                if i % 10 == 5:   # some records leave the index again while searches run
                    platform.set_status(side, rid, RecordStatus.WITHDRAWN, "writer")
        except Exception as exc:  # noqa: BLE001
            errors.append(f"writer: {exc!r}")
        finally:
            writing.clear()

    def search(n: int) -> None:
        side = Side.SUPPLY if n % 2 else Side.DEMAND
        while writing.is_set():
            try:
                found = platform.engine.match_text("机器视觉 焊缝 缺陷检测", side, k=8)
                _check_suggestions(found, side, 8)
                other = Side.DEMAND if side == Side.SUPPLY else Side.SUPPLY
                for sug in found:
                    rec = platform.store.get_record(other, sug.counterpart_id(side))
                    # published when found; the writer may withdraw it a moment later, never delete it
                    assert rec is not None
                checked[0] += 1
            except Exception as exc:  # noqa: BLE001
                errors.append(f"search: {exc!r}")

    threads = [threading.Thread(target=write)] + [threading.Thread(target=search, args=(n,))
                                                  for n in range(SEARCH_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors[:3]
    assert checked[0] > 0
    # Once writes stop, every suggestion is a published record and the indexes equal the database.
    _assert_indexes_match_db(platform)
    for side in Side:
        other = Side.DEMAND if side == Side.SUPPLY else Side.SUPPLY
        found = platform.engine.match_text("机器视觉 焊缝", side, k=50)
        assert {s.counterpart_id(side) for s in found} <= _published(platform.store, other)
    FIGURES["threads_search_while_writing"] = {"records_written": THREAD_WRITES + 10, "search_threads": SEARCH_THREADS,
                                               "searches_checked": checked[0], "errors": len(errors)}


# --- crash mid-write --------------------------------------------------------------------------------


def _big_csv(path: Path, n: int) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["编号", "标题", "描述", "单位", "关键词"])
    for i in range(n):
        w.writerow([f"O-big{i}", f"成果{i} 碳纤维车身", f"轻量化 碳纤维 复合材料 第{i}号 thermal battery {i % 97}",
                    f"企业{i % 50}", "碳纤维,车身"])
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))


def _pg_query(url: str, sql: str) -> int | None:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    try:
        with psycopg.connect(host=u.query["host"], user=u.username, dbname=u.database, connect_timeout=2) as con:
            return con.execute(sql).fetchone()[0]
    except psycopg.Error:
        return None


def _ro_count(db: Path | str) -> int | None:
    if isinstance(db, str):  # a PostgreSQL URL
        return _pg_query(db, "SELECT count(*) FROM offerings")
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT count(*) FROM offerings").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return None


def _write_locked(db: Path | str) -> bool:
    if isinstance(db, str):  # the advisory lock every PostgreSQL write transaction holds (backends.py)
        return bool(_pg_query(db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"))
    con = sqlite3.connect(str(db), timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        con.close()


def _import_and_kill(var: Path, csv_path: Path, n: int, mode: str, delay: float, url: str = "") -> str:
    """Run `python -m matcher import` and kill -9 it at the given point. Returns where it died."""
    db = url or var / "matcher.db"
    proc = subprocess.Popen([sys.executable, "-m", "matcher", "import", "offerings", str(csv_path)], cwd=ROOT,
                            env=_env(var), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    locked_polls = 0
    try:
        if mode == "timed":
            time.sleep(delay)
        else:
            while proc.poll() is None and time.monotonic() < deadline:
                count = _ro_count(db)
                if mode == "committed" and count == n:
                    break
                if mode == "in_txn":
                    # The schema check holds the lock for a millisecond; add_records holds it for the
                    # whole batch. Two locked polls in a row with nothing committed: we are inside it.
                    locked_polls = locked_polls + 1 if count == 0 and _write_locked(db) else 0
                    if locked_polls >= 2:
                        break
                time.sleep(0.005)
            time.sleep(delay)
        if proc.poll() is not None:
            return "finished"
        where = "before_commit" if (_ro_count(db) or 0) == 0 else "after_commit"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return where
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _seed_scenarios(var: Path) -> Platform:
    """Published scenarios with fixed ids, so that the imported offerings get pairings to compare."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["id", "title", "description", "organization"])
    for j in range(20):
        w.writerow([f"S-k{j}", f"场景{j} 车身轻量化", f"需要 碳纤维 复合材料 减重 thermal battery {j * 5}", "主机厂"])
    platform = Platform.open(_settings(var))
    platform.import_file(Side.DEMAND, buf.getvalue().encode(), "scenarios.csv", "seed")
    return platform


def _pair_set(platform: Platform) -> set[tuple[str, str]]:
    with platform.store.read() as s:
        return set(s.execute(select(Pairing.scenario_id, Pairing.offering_id)).all())


def _counts_after_crash(var: Path, url: str) -> tuple[int, int]:
    """(offerings, audited creates) of a database a process was killed in, after checking its integrity."""
    if url:
        store = Store(url)
        try:
            with store.read() as s:
                return (s.execute(text("SELECT count(*) FROM offerings")).scalar(),
                        s.execute(text("SELECT count(*) FROM audit_log WHERE action='create' AND entity='offering'")).scalar())
        finally:
            store.engine.dispose()
    con = sqlite3.connect(str(var / "matcher.db"))
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        return (con.execute("SELECT count(*) FROM offerings").fetchone()[0],
                con.execute("SELECT count(*) FROM audit_log WHERE action='create' AND entity='offering'"
                            ).fetchone()[0])
    finally:
        con.close()


def test_kill_9_mid_import_is_all_or_nothing_and_indexes_are_repaired_at_start(tmp_path, make_db_url,
                                                                                 monkeypatch):
    csv_path = tmp_path / "big.csv"
    _big_csv(csv_path, IMPORT_ROWS)
    reference = _seed_scenarios(tmp_path / "reference")
    reference.import_file(Side.SUPPLY, csv_path, "big.csv", "reference")
    wanted = _pair_set(reference)  # the pairings of an import that was never interrupted
    assert len(wanted) > IMPORT_ROWS // 10
    outcomes: Counter = Counter()
    incomplete = 0
    for n_run, (mode, delay) in enumerate(KILL_POINTS):
        var = tmp_path / f"var{n_run}"
        url = make_db_url()   # a fresh database per run ("" = the var folder's SQLite file)
        if url:
            monkeypatch.setenv("MATCHER_DB_URL", url)
        _seed_scenarios(var).store.engine.dispose()  # schema and scenarios in place
        where = _import_and_kill(var, csv_path, IMPORT_ROWS, mode, delay, url)
        outcomes[where] += 1
        count, audited = _counts_after_crash(var, url)
        assert count in (0, IMPORT_ROWS), (mode, delay, count)   # all or nothing
        assert audited == count                                    # audit rows commit with the records
        if where == "before_commit":
            assert count == 0
        # Start-up sync: the indexes are checked against the database and repaired.
        platform = Platform.open(_settings(var))
        _assert_indexes_match_db(platform)
        if count == 0:   # the same file imports cleanly after the crash
            assert len(platform.import_file(Side.SUPPLY, csv_path, "big.csv", "retry")) == IMPORT_ROWS
        # Start-up also completes the pairings a kill after the commit left undone (the pairing backlog).
        incomplete += _pair_set(platform) != wanted
        assert _pair_set(platform) == wanted, (mode, delay, len(_pair_set(platform)), len(wanted))
        assert platform.store.backlog(Side.SUPPLY) == []
    assert outcomes["before_commit"] >= 1 and outcomes["after_commit"] >= 1, outcomes
    FIGURES["kill_9_import"] = {"rows_per_import": IMPORT_ROWS, "kills": sum(outcomes.values()) - outcomes["finished"],
                                "killed_before_commit": outcomes["before_commit"],
                                "killed_after_commit": outcomes["after_commit"],
                                "finished_before_kill": outcomes["finished"], "partial_imports": 0,
                                "integrity_failures": 0, "pairings_per_full_import": len(wanted),
                                "incomplete_pairings_after_restart": incomplete}


def _import_rows(platform: Platform, side: Side, n: int) -> list[str]:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["title", "description", "organization"])
    for i in range(n):
        w.writerow([f"record {i} 碳纤维", f"轻量化 车身 {i}", "甲公司"])
    return platform.import_file(side, buf.getvalue().encode(), "x.csv", "test")


def test_sync_reindexes_only_missing_and_extra_ids(tmp_path):
    settings = _settings(tmp_path / "var")
    platform = Platform.open(settings)
    ids = _import_rows(platform, Side.SUPPLY, 40)
    _import_rows(platform, Side.DEMAND, 10)
    folder = platform.engine.sides[Side.SUPPLY].folder
    dim = platform.engine.encoder.dim
    # Desync the saved indexes behind the database's back: 5 ids lost from FAISS, 3 from BM25, ghosts added.
    vectors = VectorIndex.load(folder, dim)
    vectors.remove(ids[:5])
    vectors.upsert(["O-ghost1"], np.ones((1, dim), np.float32) / np.sqrt(dim), ["x"])
    vectors.save(folder)
    lexical = LexicalIndex.load(folder / "lexical")
    lexical.remove(ids[5:8])
    lexical.add(["O-ghost2"], ["幽灵 记录"])
    lexical.save(folder / "lexical")

    fresh = Platform.open(settings, sync=False)
    indexed, removed = [], []
    real_index, real_remove = fresh.engine._index, fresh.engine._remove
    fresh.engine._index = lambda side, rids, progress=False: (indexed.append((side, sorted(rids))),
                                                               real_index(side, rids, progress))[1]
    fresh.engine._remove = lambda side, rids: (removed.append((side, sorted(rids))), real_remove(side, rids))[1]
    reports = {r.side: r for r in fresh.engine.sync()}
    assert (reports[Side.SUPPLY].added, reports[Side.SUPPLY].removed, reports[Side.SUPPLY].total) == (8, 2, 40)
    assert (reports[Side.DEMAND].added, reports[Side.DEMAND].removed) == (0, 0)
    assert indexed == [(Side.SUPPLY, sorted(ids[:8]))]                      # only the missing ids
    assert removed == [(Side.SUPPLY, ["O-ghost1", "O-ghost2"])]             # only the extra ids
    _assert_indexes_match_db(fresh)
    # The repair was saved: the next start finds nothing to do.
    again = Platform.open(settings, sync=False).engine.sync()
    assert [(r.added, r.removed) for r in again] == [(0, 0), (0, 0)]
    FIGURES["index_desync_repair"] = {"ids_dropped": 8, "ghost_ids_added": 2, "reindexed": 8, "removed": 2}


@pytest.mark.parametrize("damage", ["garbage_lexical", "truncated_faiss", "garbage_coverage", "ids_json_missing"])
def test_damaged_index_files_are_rebuilt_at_start(tmp_path, damage):
    settings = _settings(tmp_path / "var")
    platform = Platform.open(settings)
    _import_rows(platform, Side.SUPPLY, 20)
    folder = platform.engine.sides[Side.SUPPLY].folder
    if damage == "garbage_lexical":
        (folder / "lexical" / "lexical.json").write_bytes(b"{\"docs\": [1, 2")
    elif damage == "truncated_faiss":
        data = (folder / "vectors.faiss").read_bytes()
        (folder / "vectors.faiss").write_bytes(data[: len(data) // 2])
    elif damage == "garbage_coverage":
        (folder / "coverage.json").write_text("not json", "utf-8")
    else:
        (folder / "ids.json").unlink()
    fresh = Platform.open(settings)   # must not crash
    _assert_indexes_match_db(fresh)
    assert _check_suggestions(fresh.engine.match_text("碳纤维 车身", Side.DEMAND, k=5), Side.DEMAND, 5) is None
    FIGURES.setdefault("index_file_damage", {"faults": 0, "start_failures": 0})["faults"] += 1


# --- backup and restore -----------------------------------------------------------------------------


def test_backup_while_writing_and_restore_round_trips_every_record(tmp_path, make_db_url, monkeypatch):
    var = tmp_path / "var"
    settings = _settings(var)
    store = Store(settings.database_url)
    seed = [validate_record(Side.SUPPLY, {"title": f"种子{i}", "description": "碳纤维 " * 40, "organization": "甲"})
            for i in range(BACKUP_SEED)]
    store.add_records(Side.SUPPLY, seed, actor="seed")
    committed: list[tuple[str, str]] = []
    lock = threading.Lock()
    stop = threading.Event()
    write_errors: list[str] = []

    def writer() -> None:
        i = 0
        while not stop.is_set():
            side = Side.SUPPLY if i % 2 else Side.DEMAND
            try:
                [rid] = store.add_records(side, [validate_record(side, {
                    "title": f"写入中{i}", "description": "数据 " * 30 + str(i), "organization": "乙"})], actor="w")
            except Exception as exc:  # noqa: BLE001
                write_errors.append(repr(exc))
                return
            with lock:
                committed.append((side.value, rid))
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    backups = []
    try:
        for n in range(BACKUP_ROUNDS):
            time.sleep(0.3)
            with lock:
                before = list(committed)   # committed before the backup started
            target = tmp_path / f"backup{n}.db"
            done = subprocess.run([sys.executable, "-m", "matcher", "backup", str(target)], cwd=ROOT,
                                  env=_env(var), capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr[-2000:]
            backups.append((target, before))
    finally:
        stop.set()
        thread.join()
    assert not write_errors, write_errors
    restored_total = 0
    for n, (target, before) in enumerate(backups):
        # Restore = the backup file becomes the database of an instance (no stale -wal/-shm beside it);
        # on PostgreSQL `python -m matcher restore` pg_restores it into a fresh database.
        rvar = tmp_path / f"restored{n}"
        rvar.mkdir()
        if rurl := make_db_url():
            monkeypatch.setenv("MATCHER_DB_URL", rurl)
            done = subprocess.run([sys.executable, "-m", "matcher", "restore", str(target)], cwd=ROOT,
                                  env=_env(rvar), capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr[-2000:]
        else:
            shutil.copyfile(target, rvar / "matcher.db")
        restored = Store(_settings(rvar).database_url)
        assert restored.integrity_check() == "ok"
        for side in Side:
            live = {r["id"]: r for r in store.list_records(side)}
            back = {r["id"]: r for r in restored.list_records(side)}
            wanted = {rid for s, rid in before if s == side.value}
            assert wanted <= set(back), f"{len(wanted - set(back))} committed {side} records missing from backup"
            for rid, row in back.items():      # every row is whole and identical to the live one
                assert row == live[rid]
            restored_total += len(back)
        assert restored.count(Side.SUPPLY) >= BACKUP_SEED
        with restored.read() as s:
            audited = set(s.scalars(select(AuditLog.entity_id).where(AuditLog.action == "create")))
        assert {r["id"] for side in Side for r in restored.list_records(side)} <= audited
        platform = Platform.open(_settings(rvar))   # indexes are rebuilt for the restored database
        _assert_indexes_match_db(platform)
    FIGURES["backup_during_writes"] = {
        "backups": BACKUP_ROUNDS, "seed_records": BACKUP_SEED, "records_written_during_backups": len(committed),
        "records_restored_checked": restored_total, "lost": 0, "partial_rows": 0}


# --- two officials, one pairing ---------------------------------------------------------------------


def test_two_officials_on_one_pairing_change_it_exactly_once(tmp_path, db_url):
    store = Store(db_url or f"sqlite:///{tmp_path / 'm.db'}")
    base = {"title": "t", "description": "d", "organization": "o"}
    store.add_records(Side.SUPPLY, [validate_record(Side.SUPPLY, {**base, "id": f"O-{i}"})
                                    for i in range(OFFICIAL_ROUNDS)])
    store.add_records(Side.DEMAND, [validate_record(Side.DEMAND, {**base, "id": f"S-{i}"})
                                    for i in range(OFFICIAL_ROUNDS)])
    review.save_suggestions(store, [Suggestion(f"S-{i}", f"O-{i}", 0.8, {"text": 0.8}, [], [Reason("t", "x", "x")])
                                    for i in range(OFFICIAL_ROUNDS)], min_score=0.35)
    pairings = review.list_pairings(store, limit=OFFICIAL_ROUNDS)
    assert len(pairings) == OFFICIAL_ROUNDS
    wins = Counter()
    for p in pairings:
        barrier = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def act(who: str, to: P, reason: ReasonCode | None) -> None:
            barrier.wait()
            try:
                outcome[who] = review.transition(store, p["id"], to, who, expected_version=p["version"],
                                                 reason_code=reason)
            except review.ReviewError as exc:
                outcome[who] = exc

        threads = [threading.Thread(target=act, args=("alice", P.APPROVED, None)),
                   threading.Thread(target=act, args=("bob", P.REJECTED, ReasonCode.NOT_RELEVANT))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ok = [w for w, o in outcome.items() if isinstance(o, dict)]
        lost = [w for w, o in outcome.items() if not isinstance(o, dict)]
        assert len(ok) == 1 and len(lost) == 1, outcome
        winner, loser = ok[0], lost[0]
        err = outcome[loser]
        assert isinstance(err, review.ConcurrentChangeError)
        assert winner in err.en and "reload" in err.en and str(p["id"]) in err.en
        assert winner in err.zh and "请刷新后重试" in err.zh
        after = review.get_pairing(store, p["id"])
        assert after["version"] == p["version"] + 1 and after["reviewer"] == winner
        assert after["status"] == (P.APPROVED if winner == "alice" else P.REJECTED)
        status_rows = [h for h in review.history(store, p["id"]) if h["action"] == "status"]
        assert len(status_rows) == 1 and status_rows[0]["actor"] == winner
        wins[winner] += 1
    FIGURES["two_officials"] = {"races": OFFICIAL_ROUNDS, "double_changes": 0, "wins": dict(wins)}


def test_stale_version_after_the_race_is_refused_with_a_clear_message(tmp_path, db_url):
    store = Store(db_url or f"sqlite:///{tmp_path / 'm.db'}")
    base = {"title": "t", "description": "d", "organization": "o"}
    store.add_records(Side.SUPPLY, [validate_record(Side.SUPPLY, {**base, "id": "O-1"})])
    store.add_records(Side.DEMAND, [validate_record(Side.DEMAND, {**base, "id": "S-1"})])
    review.save_suggestions(store, [Suggestion("S-1", "O-1", 0.9, {"text": 0.9}, [], [])], 0.35)
    [p] = review.list_pairings(store)
    review.transition(store, p["id"], P.UNDER_REVIEW, "alice", p["version"])
    with pytest.raises(review.ConcurrentChangeError) as exc:
        review.transition(store, p["id"], P.APPROVED, "bob", p["version"])
    assert "alice" in exc.value.message("en") and "alice" in exc.value.message("zh")
    assert review.get_pairing(store, p["id"])["status"] == P.UNDER_REVIEW
    with store.read() as s:
        assert s.execute(text("SELECT count(*) FROM audit_log WHERE action='status'")).scalar() == 1
