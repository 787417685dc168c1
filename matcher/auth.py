"""Accounts: argon2 password hashes, sign-up, sign-in with throttling, and the demo-only accounts."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, update

from matcher.config import Settings
from matcher.domain.records import Role
from matcher.sessions import revoke_user_sessions
from matcher.storage.schema import OfferingRow, ScenarioRow, User, utcnow
from matcher.storage.store import Store, row_to_dict

MIN_PASSWORD = 8
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

# Demo-only accounts (documented in the README). Created with the demo data; MATCHER_DEMO_ACCOUNTS=false
# deactivates them.
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


def _account(row: User) -> Account:
    return Account(row.id, row.email, Role(row.role), row.organization, row.contact_name, row.is_demo, row.active)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def create_user(store: Store, email: str, password: str, role: Role | str, organization: str,
                contact_name: str | None = None, actor: str = "system", is_demo: bool = False) -> Account:
    """Create an account (audited). Raises AuthError naming the bad field, or code 'duplicate'."""
    email = normalise_email(email)
    role = Role(role)
    if not _EMAIL.match(email) or len(email) > 200:
        raise AuthError("email", "Enter a valid e-mail address.", "请输入有效的邮箱地址。", "email")
    if not (organization or "").strip():
        raise AuthError("organization", "Organization is required.", "单位为必填项。", "organization")
    if len(password or "") < MIN_PASSWORD:
        raise AuthError("password", f"The password needs at least {MIN_PASSWORD} characters.",
                        f"密码至少需要 {MIN_PASSWORD} 个字符。", "password")
    with store.write() as s:
        if s.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
            raise AuthError("duplicate", "An account with this e-mail already exists.",
                            "该邮箱已注册。", "email")
        user = User(email=email, role=str(role), organization=organization.strip()[:200],
                    contact_name=(contact_name or "").strip()[:100] or None, password_hash=hash_password(password),
                    active=True, is_demo=is_demo, failed_logins=0)
        s.add(user)
        s.flush()
        store.audit(s, actor, "user", str(user.id), "create", to_status=str(role))
        return _account(user)


def authenticate(store: Store, email: str, password: str, settings: Settings,
                 now: dt.datetime | None = None) -> Account:
    """Check a password. Too many failures lock the account for settings.login_lock_minutes.

    Raises AuthError with code 'invalid' (unknown e-mail or wrong password: the same message, so the form
    does not reveal which accounts exist), 'locked' or 'inactive'."""
    now = now or utcnow()
    invalid = AuthError("invalid", "Wrong e-mail or password.", "邮箱或密码错误。")
    with store.write() as s:
        user = s.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))
        if user is None:
            verify_password(_DUMMY_HASH, password or "")
            raise invalid
        if user.locked_until and user.locked_until > now:
            minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            raise AuthError("locked", f"Too many failed sign-ins. Try again in {minutes} min.",
                            f"登录失败次数过多，请 {minutes} 分钟后再试。")
        if not verify_password(user.password_hash, password or ""):
            user.failed_logins = (user.failed_logins or 0) + 1
            if user.failed_logins >= settings.login_max_failures:
                user.failed_logins = 0
                user.locked_until = now + dt.timedelta(minutes=settings.login_lock_minutes)
                store.audit(s, "system", "user", str(user.id), "lock", note="too many failed logins")
            # The failure count must persist although we refuse: raise after this transaction commits.
            error = invalid
        elif not user.active:
            error = AuthError("inactive", "This account is deactivated.", "该账号已停用。")
        else:
            user.failed_logins, user.locked_until, error = 0, None, None
            account = _account(user)
    if error:
        raise error
    return account


def get_account(store: Store, user_id: int | None) -> Account | None:
    """The account as stored now (None if unknown or deactivated): pages re-read it on every run."""
    if user_id is None:
        return None
    with store.read() as s:
        user = s.get(User, int(user_id))
        return _account(user) if user is not None and user.active else None


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


def ensure_demo_accounts(store: Store, settings: Settings) -> list[Account]:
    """Create the demo accounts that are missing (when settings.demo_accounts), or deactivate them all.

    The demo enterprise also becomes the owner of two ownerless demo records of each side, so that
    "My submissions" has something to show."""
    if not settings.demo_accounts:
        with store.write() as s:
            s.execute(update(User).where(User.is_demo.is_(True)).values(active=False))
        return []
    out = []
    for spec in DEMO_ACCOUNTS:
        with store.read() as s:
            row = s.scalar(select(User).where(User.email == spec["email"]))
        if row is None:
            out.append(create_user(store, actor="demo", is_demo=True, **spec))
        else:
            if row.is_demo and not row.active:
                set_active(store, row.id, True, "demo")
            out.append(_account(row))
    enterprise = next(a for a in out if a.role == Role.ENTERPRISE)
    with store.write() as s:
        for row_cls in (OfferingRow, ScenarioRow):
            if s.scalar(select(func.count()).select_from(row_cls).where(row_cls.owner_id == enterprise.id)):
                continue
            ids = list(s.scalars(select(row_cls.id).where(row_cls.owner_id.is_(None))
                                 .order_by(row_cls.created_at, row_cls.id).limit(2)))
            if ids:
                s.execute(update(row_cls).where(row_cls.id.in_(ids)).values(owner_id=enterprise.id))
    return out
