"""Sign-in under attack: no password check inside a write transaction, equal-cost failures, one message,
per-client backoff that never locks the real user out, admin unlock and alert, registration that reveals
nothing and is rate-limited, and sign-out that clears the whole tab."""
import datetime as dt
import sqlite3
import threading
import time
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from matcher import auth, passwords
from matcher.domain.records import Role, Side
from matcher.storage.schema import AuditLog
from matcher.storage.store import Store
from matcher.throttle import Backoff
from tests.conftest import open_app

NOW = dt.datetime(2026, 1, 1, 12, 0)
pytestmark = pytest.mark.backends("sqlite", "postgresql")


@pytest.fixture
def store(settings):
    return Store(settings.database_url)


def _fail(store, settings, email, password="wrong-one", client="c1", now=NOW):
    with pytest.raises(auth.AuthError) as err:
        auth.authenticate(store, email, password, settings, client=client, now=now)
    return err.value


def _write_lock_free(settings) -> str:
    """"free" when no transaction holds a write: on SQLite another connection can take the write lock at
    once; on PostgreSQL no session of this database is idle inside an open transaction."""
    url = settings.database_url
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.split("///", 1)[1], timeout=0)
        try:
            con.execute("BEGIN IMMEDIATE")  # raises "database is locked" if the sign-in holds the write lock
            con.rollback()
            return "free"
        except sqlite3.OperationalError as exc:
            return str(exc)
        finally:
            con.close()
    probe = create_engine(url, poolclass=NullPool)
    try:
        with probe.connect() as con:
            busy = con.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")).scalar()
        return "free" if busy == 0 else f"{busy} open transaction(s)"
    finally:
        probe.dispose()


def test_the_password_check_runs_with_the_write_lock_free(store, settings, monkeypatch):
    """Before: argon2 ran inside store.write(), so every writer waited behind each failed sign-in."""
    auth.create_user(store, "e@x.example", "right-password", Role.ENTERPRISE, "Org")
    seen = []
    real_verify = auth.verify_password

    def probing_verify(hashed, password):
        seen.append(_write_lock_free(settings))
        return real_verify(hashed, password)

    monkeypatch.setattr(auth, "verify_password", probing_verify)
    _fail(store, settings, "e@x.example")
    _fail(store, settings, "nobody@x.example")
    assert auth.authenticate(store, "e@x.example", "right-password", settings, client="c2").email == "e@x.example"
    assert seen == ["free", "free", "free"]


def test_every_failure_gets_one_message_and_costs_the_same(store, settings, monkeypatch):
    """Before: a locked account answered in 0.9 ms (no argon2) against ~300 ms, with its own message, and a
    deactivated account said so: both told an attacker the account exists.

    Time runs on a fake clock: each argon2 verify costs 80 ms and each sign-in-count write 30 ms, so the test
    checks the padding logic itself, not the CI machine's load (a wall-clock version failed in CI when a
    database write on a slow disk outgrew the old 20 ms margin)."""
    clock = {"now": 0.0, "verifies": 0}

    class SlowHasher(PasswordHasher):
        def verify(self, hashed, password):
            clock["now"] += 0.08
            clock["verifies"] += 1
            return super().verify(hashed, password)

    def fake_sleep(seconds):
        clock["now"] += seconds

    fake_time = SimpleNamespace(perf_counter=lambda: clock["now"], sleep=fake_sleep)
    real_record = auth._record

    def slow_record(*args, **kwargs):
        clock["now"] += 0.03
        return real_record(*args, **kwargs)

    monkeypatch.setattr(passwords, "_hasher", SlowHasher(time_cost=1, memory_cost=8192, parallelism=1))
    monkeypatch.setattr(passwords, "time", fake_time)
    monkeypatch.setattr(auth, "time", fake_time)
    monkeypatch.setattr(auth, "_record", slow_record)
    auth.create_user(store, "live@x.example", "right-password", Role.ENTERPRISE, "Org")
    off = auth.create_user(store, "off@x.example", "right-password", Role.ENTERPRISE, "Org")
    auth.set_active(store, off.id, False, "admin")
    auth.create_user(store, "locked@x.example", "right-password", Role.ENTERPRISE, "Org")
    for _ in range(settings.login_max_failures):
        _fail(store, settings, "locked@x.example", client="attacker")
    cases = {"unknown": ("ghost@x.example", "whatever-1"), "wrong": ("live@x.example", "wrong-one"),
             "locked": ("locked@x.example", "right-password"), "inactive": ("off@x.example", "right-password")}
    durations, verifies, messages, codes = {}, {}, set(), {}
    for name, (email, password) in cases.items():
        for i in range(3):  # the locked case from the attacker's client, the others from fresh ones
            start, before = clock["now"], clock["verifies"]
            err = _fail(store, settings, email, password, client="attacker" if name == "locked" else f"{name}{i}")
            durations.setdefault(name, set()).add(round(clock["now"] - start, 9))
            verifies.setdefault(name, set()).add(clock["verifies"] - before)
            messages.add((err.en, err.zh))
            codes[name] = err.code
    assert messages == {auth.FAILED}
    assert codes == {"unknown": "invalid", "wrong": "invalid", "locked": "throttled", "inactive": "inactive"}
    assert verifies == {name: {1} for name in cases}, "every failure runs exactly one argon2 verify"
    floor = round(1.5 * 0.08 + passwords.PAD_MARGIN, 9)
    assert durations == {name: {floor} for name in cases}, "every failure path lasts the same padded time"


def test_a_lock_from_one_client_never_keeps_the_user_out_from_another(store, settings):
    user = auth.create_user(store, "boss@x.example", "right-password", Role.ADMIN, "Org")
    for _ in range(settings.login_max_failures):
        _fail(store, settings, "boss@x.example", client="attacker")
    assert _fail(store, settings, "boss@x.example", "right-password", client="attacker").code == "throttled"
    # The real admin, from their own client, signs in at once.
    assert auth.authenticate(store, "boss@x.example", "right-password", settings, client="office", now=NOW).id == user.id
    # The admins' alert: the account stays listed as locked, with an audit row, until an admin unlocks it.
    assert [u["email"] for u in auth.locked_accounts(store, now=NOW)] == ["boss@x.example"]
    with store.read() as s:
        assert s.scalar(select(AuditLog.note).where(AuditLog.action == "lock")).endswith("failed sign-ins in a row")
    auth.unlock(store, user.id, "root@x.example")
    assert auth.locked_accounts(store, now=NOW) == []
    assert auth.authenticate(store, "boss@x.example", "right-password", settings, client="attacker", now=NOW)


def test_backoff_doubles_and_is_capped(settings):
    cap = settings.login_lock_minutes * 60
    backoff = Backoff(free=3, base_seconds=60, cap_seconds=cap)
    blocks = [backoff.fail("k", NOW) for _ in range(10)]
    assert blocks == [0, 0, 60, 120, 240, 480, cap, cap, cap, cap]
    assert backoff.wait("k", NOW + dt.timedelta(seconds=cap)) == 0  # never longer than the cap


def test_a_client_guessing_across_accounts_is_throttled(store, settings):
    auth.create_user(store, "fresh@x.example", "right-password", Role.ENTERPRISE, "Org")
    for n in range(4 * settings.login_max_failures):
        _fail(store, settings, f"guess{n}@x.example", client="sprayer")
    assert _fail(store, settings, "fresh@x.example", "right-password", client="sprayer").code == "throttled"
    assert auth.authenticate(store, "fresh@x.example", "right-password", settings, client="other", now=NOW)


def test_registration_reveals_no_address_is_rate_limited_and_refuses_weak_passwords(store, settings):
    auth.register(store, "taken@x.example", "a-good-password", "Org", None, settings, client="r1", now=NOW)
    before = auth.list_users(store)
    # The same address again: the same answer as a new one (no error), and the account is unchanged.
    assert auth.register(store, "Taken@x.example", "another-good-one", "Evil", None, settings, client="r2",
                         now=NOW) is None
    assert auth.list_users(store) == before
    for bad in ("        ", "password", "12345678", "qwertyuiop", "iloveyou123", "new@x.example", "NEW@x.example "):
        with pytest.raises(auth.AuthError) as err:
            auth.register(store, "new@x.example", bad, "Org", None, settings, client=f"weak{bad}", now=NOW)
        assert err.value.field == "password", bad
    for n in range(settings.register_per_hour):
        auth.register(store, f"bulk{n}@x.example", "a-good-password", "Org", None, settings, client="bot", now=NOW)
    with pytest.raises(auth.AuthError) as err:
        auth.register(store, "one-more@x.example", "a-good-password", "Org", None, settings, client="bot", now=NOW)
    assert err.value.code == "rate" and "稍后" in err.value.zh
    assert auth.register(store, "later@x.example", "a-good-password", "Org", None, settings, client="bot",
                         now=NOW + dt.timedelta(hours=2)) is None


def test_concurrent_failed_sign_ins_never_block_writers(settings, monkeypatch):
    """16 clients sign in with wrong passwords while 2 writers save records: no error reaches anyone."""
    from matcher.service import Platform

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=2, memory_cost=16384, parallelism=1))
    platform = Platform.open(settings)
    auth.create_user(platform.store, "victim@x.example", "right-password", Role.ENTERPRISE, "Org")
    errors, writes, attempts = [], [], []

    def attacker(n):
        for i in range(6):
            try:
                auth.authenticate(platform.store, "victim@x.example" if i % 2 else f"g{n}-{i}@x.example",
                                  "wrong-guess", settings, client=f"bot{n}")
            except auth.AuthError:
                attempts.append(1)
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))

    def writer(n):
        for i in range(8):
            start = time.perf_counter()
            try:
                platform.submit(Side.SUPPLY, {"title": f"Record {n}-{i}", "description": "Written during a sign-in "
                                              "flood.", "organization": "Org"}, "writer")
                writes.append(time.perf_counter() - start)
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))

    threads = [threading.Thread(target=attacker, args=(n,)) for n in range(16)]
    threads += [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert errors == [] and len(attempts) == 96 and len(writes) == 16
    assert platform.store.count(Side.SUPPLY) == 16
    assert auth.authenticate(platform.store, "victim@x.example", "right-password", settings, client="home")


def test_sign_out_clears_the_last_users_draft(platform, accounts):
    """Before: only two keys were cleared; user B saved user A's unsaved draft (held for the near-duplicate
    warning, with A's contact details) as B's own record."""
    from matcher.domain.records import RecordStatus

    text = {"title": "Graphene heat spreader film", "description": "Graphene film spreads heat in battery packs."}
    platform.submit(Side.SUPPLY, {**text, "organization": "Other"}, "test", status=RecordStatus.PUBLISHED)
    at = open_app("app.py", accounts["enterprise"]).run()
    at.switch_page("ui/submit_offering.py").run()
    for field, value in {**text, "contact_phone": "0519-8888888"}.items():
        widget = at.text_area if field == "description" else at.text_input
        widget(key=f"submit_supply_form_{field}").input(value)
    at.button(key="submit_supply_form_submit").click().run()
    assert at.session_state["submit_supply_pending"]["contact_phone"] == "0519-8888888"  # A's draft, held
    at.button(key="logout").click().run()
    assert "submit_supply_pending" not in at.session_state and at.session_state["lang"] == "en"
    b = auth.create_user(platform.store, "b@firm.example", "b-firm-password", Role.ENTERPRISE, "Firm B")
    at.text_input(key="login_email").input(b.email)
    at.text_input(key="login_password").input("b-firm-password")
    at.button(key="login_submit").click().run()
    assert at.session_state["auth_user_id"] == b.id
    at.switch_page("ui/submit_offering.py").run()
    assert not [w for w in at.button if w.key == "submit_supply_dup_confirm"]
