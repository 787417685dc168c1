"""Accounts: argon2 hashes, sign-up checks, throttled sign-in, demo accounts, and the create-user command."""
import datetime as dt

import pytest

from matcher import auth, demo
from matcher.cli import main
from matcher.domain.records import Role
from matcher.storage.schema import User
from matcher.storage.store import Store


@pytest.fixture
def store(settings):
    return Store(settings.database_url)


def test_hash_is_argon2_and_verifies(store):
    h = auth.hash_password("s3cret-pass")
    assert h.startswith("$argon2id$") and "s3cret-pass" not in h
    assert auth.verify_password(h, "s3cret-pass") and not auth.verify_password(h, "other")
    assert not auth.verify_password("garbage", "s3cret-pass")


def test_create_user_checks_fields_and_duplicates(store):
    account = auth.create_user(store, " Boss@Example.COM ", "password-123", Role.ADMIN, "Org")
    assert account.email == "boss@example.com" and account.role == Role.ADMIN
    with pytest.raises(auth.AuthError) as err:
        auth.create_user(store, "boss@example.com", "password-234", Role.OFFICIAL, "Org")
    assert err.value.code == "duplicate" and err.value.zh == "该邮箱已注册。"
    for email, password, org, code in [("no-at", "password-123", "Org", "email"), ("a@b.co", "short", "Org", "password"),
                                       ("a@b.co", "password-123", " ", "organization")]:
        with pytest.raises(auth.AuthError) as err:
            auth.create_user(store, email, password, Role.ENTERPRISE, org)
        assert err.value.field == code
    assert [u["email"] for u in auth.list_users(store)] == ["boss@example.com"]
    assert "password_hash" not in auth.list_users(store)[0]


def test_failed_logins_lock_then_unlock_after_the_wait(store, settings):
    auth.create_user(store, "e@x.co", "right-password", Role.ENTERPRISE, "Org")
    now = dt.datetime(2026, 1, 1, 12, 0)
    for _ in range(settings.login_max_failures):
        with pytest.raises(auth.AuthError) as err:
            auth.authenticate(store, "e@x.co", "wrong", settings, now=now)
        assert err.value.code == "invalid"
    with pytest.raises(auth.AuthError) as err:  # even the right password is refused while locked
        auth.authenticate(store, "e@x.co", "right-password", settings, now=now)
    assert err.value.code == "throttled" and err.value.en == auth.FAILED[0]  # issue 14: one message
    later = now + dt.timedelta(minutes=settings.login_lock_minutes + 1)
    assert auth.authenticate(store, "e@x.co", "right-password", settings, now=later).email == "e@x.co"


def test_unknown_email_and_inactive_account(store, settings):
    with pytest.raises(auth.AuthError) as err:
        auth.authenticate(store, "nobody@x.co", "whatever", settings)
    assert err.value.code == "invalid"
    account = auth.create_user(store, "o@x.co", "right-password", Role.OFFICIAL, "Org")
    auth.set_active(store, account.id, False, "admin")
    with pytest.raises(auth.AuthError) as err:
        auth.authenticate(store, "o@x.co", "right-password", settings)
    assert err.value.code == "inactive"
    assert auth.get_account(store, account.id) is None


def test_demo_accounts_on_and_off(store, settings):
    made = demo.ensure_demo_accounts(store, settings.model_copy(update={"demo_accounts": True}))
    assert {a.role for a in made} == set(Role) and all(a.is_demo for a in made)
    for spec in auth.DEMO_ACCOUNTS:
        assert auth.authenticate(store, spec["email"], spec["password"], settings).role == spec["role"]
    demo.ensure_demo_accounts(store, settings.model_copy(update={"demo_accounts": False}))
    with pytest.raises(auth.AuthError):
        auth.authenticate(store, "admin@demo.local", "demo-admin", settings)


def test_user_creation_is_audited(store):
    from sqlalchemy import select

    from matcher.storage.schema import AuditLog
    account = auth.create_user(store, "n@x.co", "password-123", Role.OFFICIAL, "Org", actor="admin@x.co")
    with store.read() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.entity == "user", AuditLog.entity_id == str(account.id)))
    assert (row.actor, row.action, row.to_status) == ("admin@x.co", "create", "official")


def test_cli_create_user(settings, capsys):
    args = ["create-user", "--role", "admin", "--email", "root@x.co", "--password", "password-123"]
    assert main(args) == 0
    assert "created admin account root@x.co" in capsys.readouterr().out
    assert main(args) == 1
    assert "already exists" in capsys.readouterr().err
    with Store(settings.database_url).read() as s:
        assert s.query(User).count() == 1
