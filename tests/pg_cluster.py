"""A throwaway PostgreSQL server for the tests, and the `backend` / `db_url` fixtures that run a suite on both.

The first test that needs PostgreSQL starts one cluster for the session: `initdb` into a temp folder, `pg_ctl
start` on a Unix socket in that folder (listen_addresses='': no TCP port at all), durability off (fsync,
synchronous_commit: a test server). Each test gets a database of its own, dropped afterwards; the cluster is
stopped and its folder removed at the end of the session. PostgreSQL refuses to run as root, so as root the
server runs as the `postgres` user (Debian's package creates it), in a folder that user owns.

A module opts in with `pytestmark = pytest.mark.backends("sqlite", "postgresql")`; a test that only makes sense
on SQLite says `@pytest.mark.backends("sqlite")`. Without PostgreSQL binaries the postgresql cases skip, except
in CI (CI=true or MATCHER_REQUIRE_POSTGRES=1), where they fail. MATCHER_PG_BIN names the folder of initdb and
pg_ctl when they are not in /usr/lib/postgresql/<version>/bin or on PATH.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import threading
import tempfile
import uuid
from pathlib import Path

import pytest

BACKENDS = ("sqlite", "postgresql")


def postgres_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("MATCHER_REQUIRE_POSTGRES") == "1"


def find_bin_dir() -> Path | None:
    if env := os.environ.get("MATCHER_PG_BIN"):
        return Path(env)
    if found := shutil.which("pg_ctl"):
        return Path(found).parent
    versions = sorted((p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "pg_ctl").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


class Cluster:
    """One initdb'd data folder and its running server, reachable only through its Unix socket."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.as_user: list[str] = []
        self.root = Path(tempfile.mkdtemp(prefix="matcher-pg-"))
        if os.geteuid() == 0:  # initdb and postgres refuse root
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        os.chmod(self.root, 0o700)
        self.data, self.socket_dir, self.log = self.root / "data", self.root, self.root / "server.log"

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self.as_user, str(self.bin_dir / tool), *args], capture_output=True, text=True,
                              timeout=120, cwd=self.root)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip()[-1500:]}\n{log}")

    def start(self) -> "Cluster":
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        options = (f"-c listen_addresses='' -c unix_socket_directories={self.socket_dir} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        if not self.data.exists():   # stopped already (SIGTERM handler, then the fixture's finally)
            return
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), user="postgres", dbname="postgres",
                             autocommit=True) as con:
            con.execute(sql)

    def create_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        self.admin(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _unavailable(reason: str):
    if postgres_required():
        pytest.fail(f"PostgreSQL is required here (CI / MATCHER_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def pg_cluster():
    """The session's PostgreSQL server, started on first use and stopped at the end."""
    bin_dir = find_bin_dir()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        _unavailable("initdb/pg_ctl not found (install Debian's postgresql, or set MATCHER_PG_BIN)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the psycopg package is not installed")
    cluster = Cluster(bin_dir)
    try:
        cluster.start()
    except (RuntimeError, KeyError, OSError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(cluster.root, ignore_errors=True)
        _unavailable(f"the test server did not start: {exc}")
    # A session ended by SIGTERM (a CI timeout, kill) runs no fixture teardown: stop the server anyway.
    previous = signal.getsignal(signal.SIGTERM)

    def _stop_and_exit(signum, frame):
        cluster.stop()
        signal.signal(signal.SIGTERM, previous if callable(previous) else signal.SIG_DFL)
        raise SystemExit(128 + signum)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_and_exit)
    try:
        yield cluster
    finally:
        cluster.stop()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


def pytest_configure(config):
    config.addinivalue_line("markers", "backends(*names): run the test once per database backend named")


def pytest_generate_tests(metafunc):
    marker = metafunc.definition.get_closest_marker("backends")
    if marker and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", marker.args, indirect=True)


@pytest.fixture
def backend(request) -> str:
    """"sqlite" (the default) or "postgresql" for tests in modules marked with backends(...)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db_url(backend, request):
    """A fresh empty database for this test: "" means the default SQLite file under the var folder."""
    if backend == "sqlite":
        yield ""
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = cluster.create_database()
    yield cluster.url(name)
    cluster.drop_database(name)


@pytest.fixture
def make_db_url(backend, request):
    """A factory of further fresh databases for tests that need several: "" on SQLite (each var folder has
    its own file), a new PostgreSQL database otherwise (all dropped after the test)."""
    made: list[str] = []

    def make() -> str:
        if backend == "sqlite":
            return ""
        cluster = request.getfixturevalue("pg_cluster")
        made.append(cluster.create_database())
        return cluster.url(made[-1])

    yield make
    for name in made:
        request.getfixturevalue("pg_cluster").drop_database(name)
