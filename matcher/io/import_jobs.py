"""Web imports as background jobs: queued -> running -> done | failed | interrupted, kept in `import_jobs`.

The page hands the checked upload to ImportJobs.submit and returns at once; one worker thread per Platform
runs the jobs in order through Platform.import_file (every row or none, the same file refused twice, pairings
repaired through the backlog). Progress, outcome and row errors go to the job's row, so the page only reads
the database: a reload, another replica or a restart shows the same job. A job whose process died is marked
interrupted whenever jobs are read (and at start): on this host when its process is gone or is an earlier
process with our pid, elsewhere when its heartbeat is older than STALE_AFTER. Every step is audited.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import queue
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select, update

from matcher.domain.records import RecordStatus, RecordValidationError, Side
from matcher.io.imports import UploadError
from matcher.storage.schema import ImportJob, utcnow
from matcher.storage.store import Store

log = logging.getLogger(__name__)
QUEUED, RUNNING, DONE, FAILED, INTERRUPTED = "queued", "running", "done", "failed", "interrupted"
ACTIVE = (QUEUED, RUNNING)
STALE_AFTER = dt.timedelta(minutes=5)   # no heartbeat for this long: the job's process (elsewhere) is gone
HEARTBEAT_SECONDS = 10.0
MAX_ACTIVE = 4                           # queued + running jobs per process (each holds its file in memory)
MAX_ERRORS_KEPT = 500
_HOST = socket.gethostname()
RUNNER = f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"   # this process; a restart gets a new token


@dataclass(frozen=True)
class JobView:
    """What the page shows of one job (read from its row)."""

    id: int
    side: Side
    filename: str
    target_status: RecordStatus
    actor: str
    state: str
    stage: str
    progress: float
    committed: int
    errors: list[dict]
    error_count: int
    deferred: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE


def _view(job: ImportJob) -> JobView:
    return JobView(job.id, Side(job.side), job.filename, RecordStatus(job.target_status), job.actor, job.state,
                   job.stage, job.progress, job.committed, list(job.errors or []), job.error_count, job.deferred,
                   job.created_at, job.finished_at)


def _alive(runner: str, heartbeat: dt.datetime, now: dt.datetime) -> bool:
    """Whether the process that owns a queued or running job can still be running it."""
    if runner == RUNNER:
        return True
    host, pid, _token = (runner.split(":") + ["", "", ""])[:3]
    if host == _HOST and pid.isdigit():
        if int(pid) == os.getpid():
            return False          # an earlier process that had our pid (a restarted container): gone
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass                  # alive, another user's
    return heartbeat >= now - STALE_AFTER


def sweep(store: Store, clock: Callable[[], dt.datetime] = utcnow) -> int:
    """Mark the queued/running jobs whose process died as interrupted (audited); returns how many."""
    now = clock()
    with store.read() as s:
        dead = [j.id for j in s.scalars(select(ImportJob).where(ImportJob.state.in_(ACTIVE)))
                if not _alive(j.runner, j.heartbeat_at, now)]
    if not dead:
        return 0

    def work(s) -> int:
        n = 0
        for job in s.scalars(select(ImportJob).where(ImportJob.id.in_(dead), ImportJob.state.in_(ACTIVE))):
            job.state, job.finished_at = INTERRUPTED, now
            store.audit(s, "system", "import", str(job.id), "import_interrupted", from_status=job.stage,
                        note=f"{job.filename}: its process stopped; records saved: {job.committed}")
            n += 1
        return n

    return store.retrying(work)


class ImportJobs:
    """The import jobs of one Platform: submit from the page, a worker thread runs them, any page reads them."""

    def __init__(self, platform, clock: Callable[[], dt.datetime] = utcnow):
        self.platform, self.store, self.clock = platform, platform.store, clock
        self._queue: queue.Queue[int] = queue.Queue()
        self._files: dict[int, bytes] = {}
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    # --- the page's side --------------------------------------------------------------------------

    def submit(self, side: Side, data: bytes, filename: str, actor: str,
               status: RecordStatus = RecordStatus.PUBLISHED) -> int:
        """Queue an import of a checked upload (check_upload) and return its job id at once.

        Raises UploadError when the same file is being imported on this side already, or when this process
        has MAX_ACTIVE imports waiting."""
        sha = hashlib.sha256(data).hexdigest()
        sweep(self.store, self.clock)
        with self.store.write() as s:
            busy = s.scalar(select(ImportJob).where(ImportJob.side == str(side), ImportJob.sha256 == sha,
                                                    ImportJob.state.in_(ACTIVE)))
            if busy is not None:
                raise UploadError(f"This file is being imported already (import #{busy.id}, by {busy.actor}).",
                                  f"该文件正在导入中（导入任务 #{busy.id}，{busy.actor}）。")
            if len(self._files) >= MAX_ACTIVE:
                raise UploadError(f"{MAX_ACTIVE} imports are waiting already; try again when one has finished.",
                                  f"已有 {MAX_ACTIVE} 个导入任务在等待，请在其中一个完成后再试。")
            now = self.clock()
            job = ImportJob(side=str(side), filename=filename[:300], sha256=sha, size_bytes=len(data),
                            target_status=str(status), actor=actor, runner=RUNNER, state=QUEUED, stage="parse",
                            progress=0.0, committed=0, errors=[], error_count=0, created_at=now, heartbeat_at=now)
            s.add(job)
            s.flush()
            job_id = job.id
            self.store.audit(s, actor, "import", str(job_id), "import_queued", to_status=str(status),
                             note=f"{filename} ({side.value}, {len(data):,} bytes, sha256 {sha[:16]})")
        with self._lock:
            self._files[job_id] = data
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="import-jobs", daemon=True)
                self._worker.start()
        self._queue.put(job_id)
        return job_id

    def get(self, job_id: int) -> JobView | None:
        sweep(self.store, self.clock)
        with self.store.read() as s:
            job = s.get(ImportJob, job_id)
            return _view(job) if job is not None else None

    def recent(self, actor: str | None = None, limit: int = 5) -> list[JobView]:
        """The newest jobs (of one actor), newest first."""
        sweep(self.store, self.clock)
        query = select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)
        if actor is not None:
            query = query.where(ImportJob.actor == actor)
        with self.store.read() as s:
            return [_view(j) for j in s.scalars(query)]

    def wait(self, job_id: int, timeout: float = 60.0) -> JobView:
        """Block until the job has finished (for the CLI and tests; the page polls instead)."""
        deadline = time.monotonic() + timeout
        while (view := self.get(job_id)) is not None and view.active and time.monotonic() < deadline:
            time.sleep(0.05)
        return view

    # --- the worker's side ------------------------------------------------------------------------

    def _work(self) -> None:
        beat = threading.Thread(target=self._heartbeat, name="import-jobs-heartbeat", daemon=True)
        beat.start()
        while True:
            job_id = self._queue.get()
            try:
                self._run(job_id)
            except Exception:  # noqa: BLE001 - the worker must outlive one broken job
                log.exception("import job %s failed unexpectedly", job_id)
            finally:
                with self._lock:
                    self._files.pop(job_id, None)

    def _heartbeat(self) -> None:
        while True:
            time.sleep(HEARTBEAT_SECONDS)
            if self._files:
                self._touch(runner=RUNNER)

    def _touch(self, job_id: int | None = None, runner: str | None = None, **values) -> None:
        """A best-effort write to active jobs (progress, heartbeat): a busy database only delays it."""
        query = update(ImportJob).where(ImportJob.state.in_(ACTIVE))
        query = query.where(ImportJob.id == job_id) if job_id is not None else query.where(ImportJob.runner == runner)
        try:
            with self.store.write() as s:
                s.execute(query.values(heartbeat_at=self.clock(), **values))
        except Exception as exc:  # noqa: BLE001
            log.debug("import job progress not written: %s", exc)

    def _run(self, job_id: int) -> None:
        with self.store.read() as s:
            job = s.get(ImportJob, job_id)
        if job is None or job.state != QUEUED:
            return
        self._touch(job_id, state=RUNNING, started_at=self.clock())
        side, status = Side(job.side), RecordStatus(job.target_status)
        last = {"progress": 0.0, "stage": "parse", "at": 0.0}

        def progress(fraction: float, stage: str) -> None:
            fraction = max(last["progress"], min(fraction, 1.0))   # never moves back
            if stage != last["stage"] or fraction - last["progress"] >= 0.01 and time.monotonic() - last["at"] >= 0.5:
                last.update(progress=fraction, stage=stage, at=time.monotonic())
                self._touch(job_id, progress=fraction, stage=stage)

        def committed(s, ids: list[str]) -> None:  # inside the records' own transaction
            s.execute(update(ImportJob).where(ImportJob.id == job_id).values(committed=len(ids), stage="index"))

        try:
            ids = self.platform.import_file(side, self._files[job_id], job.filename, actor=job.actor, status=status,
                                            progress=progress, on_commit=committed)
        except RecordValidationError as exc:
            errors = [{"row": e.row, "field": e.field, "en": e.en, "zh": e.zh} for e in exc.errors]
            self._finish(job_id, job.actor, FAILED, errors=errors, note=f"{len(errors)} problem(s), nothing saved")
        except Exception as exc:  # noqa: BLE001 - reported on the job; a commit before it still stands
            log.exception("import job %s stopped", job_id)
            self._finish(job_id, job.actor, FAILED, crash=f"{type(exc).__name__}: {exc}"[:500])
        else:
            self._finish(job_id, job.actor, DONE, deferred=ids.deferred,
                         note=f"{len(ids)} record(s) saved as {status.value}" + (" (matching deferred)" if ids.deferred else ""))

    def _finish(self, job_id: int, actor: str, state: str, errors: list[dict] | None = None,
                deferred: str | None = None, crash: str | None = None, note: str = "") -> None:
        def work(s) -> None:
            job = s.get(ImportJob, job_id)
            final = state
            if crash is not None:
                if job.committed:   # the rows were saved before it stopped: a commit is reported as one
                    final, job.deferred = DONE, crash
                else:
                    job.errors = [{"row": None, "field": "file", "en": f"The import stopped ({crash}); nothing was saved.",
                                   "zh": f"导入意外中止（{crash}），未保存任何内容。"}]
                    job.error_count = 1
            if errors is not None:
                job.errors, job.error_count = errors[:MAX_ERRORS_KEPT], len(errors)
            if deferred is not None:
                job.deferred = deferred[:500]
            job.state, job.finished_at, job.heartbeat_at = final, self.clock(), self.clock()
            if final == DONE:
                job.progress, job.stage = 1.0, "done"
            self.store.audit(s, actor, "import", str(job_id), f"import_{final}", to_status=job.target_status,
                             note=f"{job.filename}: {note or job.deferred or ''}"[:2000])

        self.store.retrying(work)
