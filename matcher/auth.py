"""Accounts: sign-up, sign-in with throttling and equal-cost failures, unlocks, and the demo account list.

Password checks (argon2, ~300 ms) never run inside a database transaction: the account is read, the
password verified with no lock held, and only then is a short write made to count the failure. A sign-in
never lets a database error reach the caller.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from matcher import passwords
from matcher.config import Settings
from matcher.domain.records import Role
from matcher.passwords import hash_password, verify_password  # noqa: F401  (re-exported)
from matcher.sessions import revoke_user_sessions
from matcher.storage.schema import User, utcnow
from matcher.storage.store import Store, row_to_dict
from matcher.throttle import LoginThrottles

log = logging.getLogger(__name__)
MIN_PASSWORD = passwords.MIN_PASSWORD
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Demo-only accounts (documented in the README), created when MATCHER_DEMO_ACCOUNTS=true (matcher/demo.py).
# Their domain is reserved: nobody can register an address there.
DEMO_DOMAIN = "@demo.local"
DEMO_ACCOUNTS = [
    dict(email="enterprise@demo.local", password="demo-enterprise", role=Role.ENTERPRISE,
         organization="常州示范企业 Demo Enterprise", contact_name="张演示"),
    dict(email="official@demo.local", password="demo-official", role=Role.OFFICIAL,
         organization="常州市科技局（演示） Demo Bureau", contact_name="李演示"),
    dict(email="admin@demo.local", password="demo-admin", role=Role.ADMIN,
         organization="平台管理（演示） Demo Admin", contact_name="王演示"),
]


class AuthError(ValueError):
    """A sign-up or sign-in refused, with a stable code and a message in both languages."""

    def __init__(self, code: str, en: str, zh: str, field: str | None = None):
        self.code, self.en, self.zh, self.field = code, en, zh, field
        super().__init__(en)

    def message(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Account:
    """What the rest of the app needs to know about a signed-in user (never the hash)."""
    id: int
    email: str
    role: Role
    organization: str
    contact_name: str | None
    is_demo: bool
    active: bool
    contact_phone: str | None = None
    contact_email: str | None = None
    must_change_password: bool = False   # an admin reset the password: only the account page until changed


# One message for every sign-in failure (unknown e-mail, wrong password, locked, throttled, deactivated), so
# the form never tells which accounts exist or what state they are in.
FAILED = ("Sign-in failed. Check the e-mail and password; after several failures wait a few minutes.",
          "登录失败。请检查邮箱和密码；多次失败后请等待几分钟再试。")
_throttles: dict[tuple, LoginThrottles] = {}


def throttles_for(settings: Settings) -> LoginThrottles:
    """The process-wide throttles for these limits (sign-in and registration share them across sessions)."""
    key = (settings.login_max_failures, settings.login_lock_minutes, settings.register_per_hour)
    if key not in _throttles:
        _throttles[key] = LoginThrottles.build(*key)
    return _throttles[key]


def account_for(row: User) -> Account:
    return Account(row.id, row.email, Role(row.role), row.organization, row.contact_name, row.is_demo, row.active,
                   row.contact_phone, row.contact_email, bool(row.must_change_password))


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _check_new(email: str, password: str, organization: str, is_demo: bool) -> None:
    if not _EMAIL.match(email) or len(email) > 200:
        raise AuthError("email", "Enter a valid e-mail address.", "请输入有效的邮箱地址。", "email")
    if email.endswith(DEMO_DOMAIN) and not is_demo:
        raise AuthError("email", "This address is reserved for the demo.", "该邮箱域名仅供演示使用。", "email")
    if not (organization or "").strip():
        raise AuthError("organization", "Organization is required.", "单位为必填项。", "organization")
    if problem := passwords.password_problem(password, email, organization):
        raise AuthError("password", *problem, field="password")


def create_user(store: Store, email: str, password: str, role: Role | str, organization: str,
                contact_name: str | None = None, actor: str = "system", is_demo: bool = False) -> Account:
    """Create an account (audited). Raises AuthError naming the bad field, or code 'duplicate'."""
    email = normalise_email(email)
    role = Role(role)
    _check_new(email, password, organization, is_demo)
    password_hash = hash_password(password)  # before the write lock, not inside it
    with store.write() as s:
        if s.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
            raise AuthError("duplicate", "An account with this e-mail already exists.",
                            "该邮箱已注册。", "email")
        user = User(email=email, role=str(role), organization=organization.strip()[:200],
                    contact_name=(contact_name or "").strip()[:100] or None, password_hash=password_hash,
                    active=True, is_demo=is_demo, failed_logins=0)
        s.add(user)
        s.flush()
        store.audit(s, actor, "user", str(user.id), "create", to_status=str(role))
        return account_for(user)


def register(store: Store, email: str, password: str, organization: str, contact_name: str | None,
             settings: Settings, client: str = "unknown", now: dt.datetime | None = None) -> None:
    """Enterprise self-registration. Rate-limited per client (settings.register_per_hour).

    An address that already has an account gets the same answer as a new one (nothing is changed), so
    registration cannot be used to find out which addresses are registered. Raises AuthError for a bad
    field or code 'rate' when the client registers too often."""
    now = now or utcnow()
    limit = throttles_for(settings).register
    if limit.wait(client, now) > 0:
        raise AuthError("rate", "Too many registrations from here; try again later.",
                        "此处注册过于频繁，请稍后再试。")
    limit.fail(client, now)  # every attempt counts, successful or not
    try:
        create_user(store, email, password, Role.ENTERPRISE, organization, contact_name,
                    actor=normalise_email(email) or "register")
    except AuthError as exc:
        if exc.code != "duplicate":
            raise
        log.info("registration for an existing address refused silently")


def authenticate(store: Store, email: str, password: str, settings: Settings, client: str = "unknown",
                 now: dt.datetime | None = None) -> Account:
    """Check a password; raises AuthError (code 'invalid', 'throttled' or 'inactive', one message for all).

    Throttling (matcher/throttle.py): a client that keeps failing on any accounts, and an account failing from
    one client, must wait with exponential backoff (capped at settings.login_lock_minutes). The lock is per
    client, so it never keeps the real user out from another client. Every failure costs one argon2 verify
    and is padded to the same length. After settings.login_max_failures failures in a row (any client) the
    account is marked locked for admins (audit 'lock', shown on the admin page, who can unlock it)."""
    started, now = time.perf_counter(), now or utcnow()
    email = normalise_email(email)
    throttle = throttles_for(settings)
    client_key, account_key = f"c:{client}", f"a:{email}\x00{client}"
    with store.read() as s:
        user = s.scalar(select(User).where(func.lower(User.email) == email))
    blocked = throttle.client.wait(client_key, now) > 0 or throttle.account.wait(account_key, now) > 0
    checked = user.password_hash if user is not None and not blocked else passwords.dummy_hash()[0]
    correct = verify_password(checked, password or "")  # no transaction open here
    if user is not None and correct and not blocked and user.active:
        throttle.account.reset(account_key)
        if user.failed_logins:
            _record(store, user.id, success=True, settings=settings, now=now)
        return account_for(user)
    code = "throttled" if blocked else "invalid" if not correct else "inactive"
    if code == "invalid":
        throttle.client.fail(client_key, now)
        if user is not None:
            block = throttle.account.fail(account_key, now)
            _record(store, user.id, success=False, settings=settings, now=now, block=block)
    passwords.pad_failure(started)
    raise AuthError(code, *FAILED)


def _record(store: Store, user_id: int, success: bool, settings: Settings, now: dt.datetime,
            block: float = 0.0) -> None:
    """Count a failure (or clear the count) in one short write. A busy database only loses the count."""
    try:
        with store.write() as s:
            user = s.get(User, user_id)
            if success:  # the count restarts; a lock mark stays for the admins until it ends or they unlock
                user.failed_logins = 0
                return
            user.failed_logins = (user.failed_logins or 0) + 1
            if user.failed_logins >= settings.login_max_failures:
                until = now + dt.timedelta(seconds=max(block, 60.0))
                if user.locked_until is None or user.locked_until < now:
                    store.audit(s, "system", "user", str(user_id), "lock",
                                note=f"{user.failed_logins} failed sign-ins in a row")
                user.locked_until = max(until, user.locked_until or until)
    except OperationalError:
        log.warning("sign-in count of user %s not saved: database busy", user_id)


def unlock(store: Store, user_id: int, actor: str) -> None:
    """An admin clears an account's failure count and lock, for every client (audited)."""
    with store.write() as s:
        user = s.get(User, user_id)
        if user is None:
            raise KeyError(user_id)
        user.failed_logins, user.locked_until = 0, None
        store.audit(s, actor, "user", str(user_id), "unlock")
        email = user.email
    for throttle in _throttles.values():
        throttle.account.reset_prefix(f"a:{email}\x00")


def locked_accounts(store: Store, now: dt.datetime | None = None) -> list[dict]:
    """Accounts with repeated failed sign-ins (locked now, or at the failure limit): the admins' alert."""
    now = now or utcnow()
    with store.read() as s:
        rows = s.scalars(select(User).where((User.locked_until > now)).order_by(User.locked_until.desc()))
        return [{k: v for k, v in row_to_dict(u).items() if k != "password_hash"} for u in rows]


def get_account(store: Store, user_id: int | None) -> Account | None:
    """The account as stored now (None if unknown or deactivated): pages re-read it on every run."""
    if user_id is None:
        return None
    with store.read() as s:
        user = s.get(User, int(user_id))
        return account_for(user) if user is not None and user.active else None


def list_users(store: Store) -> list[dict]:
    with store.read() as s:
        rows = [row_to_dict(u) for u in s.scalars(select(User).order_by(User.id))]
    for row in rows:
        row.pop("password_hash", None)
    return rows


def set_active(store: Store, user_id: int, active: bool, actor: str) -> None:
    """Activate or deactivate an account; activating also clears a login lock."""
    with store.write() as s:
        user = s.get(User, user_id)
        if user is None:
            raise KeyError(user_id)
        user.active = active
        if active:
            user.failed_logins, user.locked_until = 0, None
        store.audit(s, actor, "user", str(user_id), "activate" if active else "deactivate")
    if not active:  # signed-in browsers of this account end now, not at their next idle timeout
        revoke_user_sessions(store, user_id, "deactivated")

