"""Background import jobs (matcher/io/import_jobs.py): queued -> running -> done | failed | interrupted,
progress that never moves back, errors kept with nothing saved, a killed process's job shown as interrupted
(with what it committed, pairings completed at the restart), and the page's live progress bar."""
import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

from sqlalchemy import func, select

from conftest import ROOT, open_app
from matcher.domain.records import RecordStatus, Side
from matcher.io import import_jobs
from matcher.io.imports import UploadError
from matcher.service import Platform
from matcher.storage.schema import AuditLog, ImportedFile, ImportJob, PairingBacklog, utcnow
from tests.test_import_safety import OFFS, SCEN, _pairs, _settings

BAD = b"title,description,organization,contact_email\nOK,fine,Org,a@b.co\n,missing title,Org,bad-email\n"


def _audit(store, job_id):
    with store.read() as s:
        return [a.action for a in s.scalars(select(AuditLog).where(AuditLog.entity == "import",
                                                                   AuditLog.entity_id == str(job_id)))]


def test_jobs_go_queued_running_done_with_monotonic_progress(tmp_path, monkeypatch):
    platform = Platform.open(_settings(tmp_path, "a"))
    platform.import_file(Side.DEMAND, SCEN, "s.csv", "seed")
    gate, real = threading.Event(), platform.import_file
    monkeypatch.setattr(platform, "import_file", lambda *a, **k: (gate.wait(300), real(*a, **k))[1])
    written, touch = [], platform.imports._touch
    monkeypatch.setattr(platform.imports, "_touch", lambda *a, **k: (written.append((a[:1], k.get("progress"))), touch(*a, **k)))
    first = platform.imports.submit(Side.SUPPLY, OFFS, "o.csv", "olga@gov.example", RecordStatus.PUBLISHED)
    second = platform.imports.submit(Side.SUPPLY, OFFS.replace(b"Carbon Co", b"Carbon Ltd"), "o2.csv",
                                     "olga@gov.example", RecordStatus.PENDING)
    deadline = time.monotonic() + 120
    while platform.imports.get(first).state != "running" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (platform.imports.get(first).state, platform.imports.get(second).state) == ("running", "queued")
    try:  # the same file while it is being imported: refused at once, in both languages
        platform.imports.submit(Side.SUPPLY, OFFS, "o (1).csv", "otto@gov.example")
        raise AssertionError("accepted twice")
    except UploadError as exc:
        assert "being imported already" in exc.en and "正在导入" in exc.zh
    gate.set()
    done, later = platform.imports.wait(first, 300), platform.imports.wait(second, 300)
    assert (done.state, done.progress, done.stage, done.committed) == ("done", 1.0, "done", 8)
    assert (later.state, later.committed, later.target_status) == ("done", 8, RecordStatus.PENDING)
    for job_id in (first, second):   # progress written as it went, never backwards
        steps = [p for j, p in written if j == (job_id,) and p is not None]
        assert len(steps) >= 3 and steps == sorted(steps)
    assert {r["status"] for r in platform.store.list_records(Side.SUPPLY)} == {"published", "pending"}
    assert _pairs(platform)                                   # the published ones were matched
    assert _audit(platform.store, first) == ["import_queued", "import_done"]
    # a retry of a committed file becomes a failed job naming the earlier import; nothing doubles
    again = platform.imports.wait(platform.imports.submit(Side.SUPPLY, OFFS, "o.csv", "otto@gov.example"), 300)
    assert again.state == "failed" and "already imported" in again.errors[0]["en"]
    assert platform.store.count(Side.SUPPLY) == 16
    platform.close()


def test_a_bad_row_fails_the_job_keeps_every_error_and_saves_nothing(tmp_path):
    platform = Platform.open(_settings(tmp_path, "b"))
    job = platform.imports.wait(platform.imports.submit(Side.SUPPLY, BAD, "bad.csv", "olga@gov.example"), 300)
    assert (job.state, job.committed, job.error_count) == ("failed", 0, 2)
    assert {(e["row"], e["field"]) for e in job.errors} == {(3, "title"), (3, "contact_email")}
    assert all(e["en"] and e["zh"] for e in job.errors)
    with platform.store.read() as s:
        assert s.scalar(select(func.count()).select_from(ImportedFile)) == 0
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "create")) == 0
    assert platform.store.count(Side.SUPPLY) == 0
    assert _audit(platform.store, job.id) == ["import_queued", "import_failed"]
    # the same (corrected) content can be imported afterwards: a failed job holds nothing back
    fixed = platform.imports.wait(platform.imports.submit(Side.SUPPLY, BAD.replace(b",missing", b"T,missing")
                                                          .replace(b"bad-email", b"x@y.co"), "ok.csv", "olga"), 300)
    assert (fixed.state, fixed.committed) == ("done", 2)
    platform.close()


def _row(store, runner, heartbeat, state="running", committed=0):
    with store.write() as s:
        job = ImportJob(side="supply", filename="f.csv", sha256="0" * 64, size_bytes=1, target_status="published",
                        actor="olga", runner=runner, state=state, stage="match", progress=0.5, committed=committed,
                        errors=[], error_count=0, heartbeat_at=heartbeat)
        s.add(job)
        s.flush()
        return job.id


def test_jobs_of_dead_processes_are_interrupted_live_ones_are_not(tmp_path):
    platform = Platform.open(_settings(tmp_path, "c"))
    store, now, host = platform.store, utcnow(), import_jobs._HOST
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    jobs = {
        "dead pid": _row(store, f"{host}:{gone.stdout.strip()}:aaaa", now),
        "our pid, earlier process": _row(store, f"{host}:{os.getpid()}:old1", now, state="queued"),
        "other host, silent": _row(store, "elsewhere:12:bbbb", now - import_jobs.STALE_AFTER - dt.timedelta(seconds=1)),
        "other host, beating": _row(store, "elsewhere:13:cccc", now - dt.timedelta(seconds=30)),
        "this process": _row(store, import_jobs.RUNNER, now - dt.timedelta(hours=1)),
        "finished": _row(store, f"{host}:{gone.stdout.strip()}:aaaa", now, state="done"),
    }
    states = {name: platform.imports.get(i).state for name, i in jobs.items()}
    assert states == {"dead pid": "interrupted", "our pid, earlier process": "interrupted",
                      "other host, silent": "interrupted", "other host, beating": "running",
                      "this process": "running", "finished": "done"}
    assert _audit(store, jobs["dead pid"]) == ["import_interrupted"]
    assert import_jobs.sweep(store) == 0    # once only
    platform.close()


WORKER = textwrap.dedent("""
    import sys, time
    from matcher.config import Settings
    from matcher.domain.records import Side
    from matcher.service import Platform
    platform = Platform.open(Settings(var_dir=sys.argv[1], encoder="fake", seed_demo=False, min_pair_score=0.05))
    real = platform.import_file
    def stall(*args, progress, **kw):   # stops for good once the rows are committed, like a kill mid-matching
        def report(fraction, stage):
            if stage == "match":
                print("committed", flush=True)
                time.sleep(600)
            progress(fraction, stage)
        return real(*args, progress=report, **kw)
    platform.import_file = stall
    platform.imports.submit(Side.SUPPLY, open(sys.argv[2], "rb").read(), "o.csv", "olga@gov.example")
    time.sleep(600)
""")


def test_a_kill_9_mid_job_shows_interrupted_with_its_commit_and_the_restart_completes_the_pairings(tmp_path):
    reference = Platform.open(_settings(tmp_path, "ref"))
    reference.import_file(Side.DEMAND, SCEN, "s.csv", "seed")
    reference.import_file(Side.SUPPLY, OFFS, "o.csv", "seed")
    first = Platform.open(_settings(tmp_path, "kill"))
    first.import_file(Side.DEMAND, SCEN, "s.csv", "seed")
    first.close()
    (tmp_path / "o.csv").write_bytes(OFFS)
    proc = subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path / "kill"), str(tmp_path / "o.csv")],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout.readline().strip() == "committed"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    restarted = Platform.open(_settings(tmp_path, "kill"))
    [job] = restarted.imports.recent()
    assert (job.state, job.committed) == ("interrupted", 8)
    assert restarted.store.count(Side.SUPPLY) == 8
    with restarted.store.read() as s:
        assert s.scalar(select(func.count()).select_from(PairingBacklog)) == 0
    assert _pairs(restarted) == _pairs(reference)     # nothing partly matched for good
    assert _audit(restarted.store, job.id) == ["import_queued", "import_interrupted"]
    reference.close()
    restarted.close()


def test_the_page_shows_a_running_jobs_progress_in_both_languages(platform, accounts):
    official = accounts["official"]
    with platform.store.write() as s:
        s.add(ImportJob(side="demand", filename="场景.csv", sha256="1" * 64, size_bytes=10, target_status="pending",
                        actor=official.email, runner=import_jobs.RUNNER, state="running", stage="match",
                        progress=0.42, committed=12, errors=[], error_count=0, heartbeat_at=utcnow()))
    for lang, text in (("en", "“场景.csv”: Matching (42%)"), ("zh", "“场景.csv”：正在匹配（42%）")):
        at = open_app("ui/import_export.py", official, lang=lang).run()
        assert not at.exception
        [bar] = at.get("progress")
        assert bar.proto.value == 42 and bar.proto.text == text
        hint = "Imports run in the background" if lang == "en" else "导入在后台进行"
        assert any(hint in c.value for c in at.caption)
