"""The account page's use cases: contact details, a password change, and an admin's password reset.

Every change is audited (who, when, why) and no password or hash ever reaches the audit log, a log line or
a notification. As in sign-in (matcher/auth.py), argon2 runs outside any write transaction: the account is
read, the current password verified with no lock held, and the write then checks that the hash it verified is
still the stored one (two changes at once: the second is refused, not silently lost).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import secrets

from sqlalchemy import select

from matcher import passwords
from matcher.auth import AuthError, _throttles, throttles_for
from matcher.config import Settings
from matcher.domain.records import _EMAIL, _PHONE, FieldError, RecordStatus, RecordValidationError, Side  # the listings' rules
from matcher.sessions import revoke_user_sessions
from matcher.storage.schema import OfferingRow, ScenarioRow, User, utcnow
from matcher.storage.store import ENTITY_FOR_SIDE, Store
from matcher.workflow.notifications import notify

log = logging.getLogger(__name__)
CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email")
_LIMITS = {"contact_name": 100, "contact_phone": 30, "contact_email": 200}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LABELS = {"contact_name": ("Contact name", "联系人"), "contact_phone": ("Contact phone", "联系电话"),
           "contact_email": ("Contact e-mail", "联系邮箱")}
# Temporary passwords: no look-alike characters (0/O, 1/l/I), read out or typed from a screen without doubt.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# Listings whose contact details follow the account's: not those already closed.
_LIVE = (RecordStatus.PENDING, RecordStatus.PUBLISHED)


def contact_details(store: Store, user_id: int) -> dict:
    """The account's contact details (name, phone, e-mail shown to counterparts after approval)."""
    with store.read() as s:
        user = s.get(User, user_id)
        if user is None:
            raise KeyError(user_id)
        return {f: getattr(user, f) for f in CONTACT_FIELDS}


def _clean_contact(data: dict) -> dict:
    """Stripped values (blank -> None); raises RecordValidationError naming every bad field."""
    clean, errors = {}, []
    for field in CONTACT_FIELDS:
        value = str(data.get(field) or "").strip() or None
        en, zh = _LABELS[field]
        if value is not None and _CONTROL.search(value):
            errors.append(FieldError(field, f"{en} contains control characters.", f"{zh}含有控制字符。"))
        elif value is not None and len(value) > _LIMITS[field]:
            errors.append(FieldError(field, f"{en} may have at most {_LIMITS[field]} characters.",
                                     f"{zh}最多 {_LIMITS[field]} 个字符。"))
        elif field == "contact_email" and value is not None and not _EMAIL.match(value):
            errors.append(FieldError(field, "Enter a valid e-mail address.", "请输入有效的邮箱地址。"))
        elif field == "contact_phone" and value is not None and not _PHONE.match(value):
            errors.append(FieldError(field, "Enter a phone number of digits, spaces, + - ( ), e.g. 0519-88001234.",
                                     "请输入由数字、空格和 + - ( ) 组成的电话号码，例如 0519-88001234。"))
        clean[field] = value
    if errors:
        raise RecordValidationError(errors)
    return clean


def update_contact(store: Store, user_id: int, data: dict, actor: str, apply_to_listings: bool = False) -> list[str]:
    """Save the account's contact details (audited with the names of the fields changed). With
    apply_to_listings, the account's pending and published listings take them too (each audited), so
    counterparts of a later approval see the new details. Returns the ids of the listings changed."""
    clean = _clean_contact(data)
    changed_ids: list[str] = []
    with store.write() as s:
        user = s.get(User, user_id)
        if user is None:
            raise KeyError(user_id)
        changed = [f for f in CONTACT_FIELDS if getattr(user, f) != clean[f]]
        for field in changed:
            setattr(user, field, clean[field])
        if changed:
            store.audit(s, actor, "user", str(user_id), "contact", note="changed: " + ", ".join(changed))
        if apply_to_listings:
            for side, row_cls in ((Side.SUPPLY, OfferingRow), (Side.DEMAND, ScenarioRow)):
                rows = s.scalars(select(row_cls).where(row_cls.owner_id == user_id,
                                                       row_cls.status.in_([str(x) for x in _LIVE])))
                ids = []
                for row in rows:
                    fields = [f for f in CONTACT_FIELDS if getattr(row, f) != clean[f]]
                    if not fields:
                        continue
                    for field in fields:
                        setattr(row, field, clean[field])
                    row.version += 1
                    store.audit(s, actor, ENTITY_FOR_SIDE[side], row.id, "update",
                                note="contact details from the account page: " + ", ".join(fields))
                    ids.append(row.id)
                if ids:
                    store.changed(s, side, ids)
                changed_ids += ids
    return changed_ids


def change_password(store: Store, user_id: int, current: str, new: str, settings: Settings,
                    keep_session: object = None, now: dt.datetime | None = None) -> int:
    """The account holder changes their password: the current one is required, the new one must pass the
    registration rule (passwords.password_problem) and differ from it. Clears a forced change, ends every
    other session of the account (all but keep_session, the token of the browser making the change).
    Raises AuthError: 'current' (wrong current password, throttled after settings.login_max_failures tries),
    'throttled', 'same', 'password', 'changed' (changed meanwhile elsewhere). Returns the sessions ended."""
    now = now or utcnow()
    with store.read() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:
            raise KeyError(user_id)
        checked, email, organization, name = user.password_hash, user.email, user.organization, user.contact_name
        forced = user.must_change_password
    limit, key = throttles_for(settings).account, f"pw:{user_id}"
    if limit.wait(key, now) > 0:
        raise AuthError("throttled", "Too many wrong passwords; wait a few minutes and try again.",
                        "密码错误次数过多，请等待几分钟后再试。", "current_password")
    if not passwords.verify_password(checked, current or ""):
        limit.fail(key, now)
        log.info("password change of user %s refused: wrong current password", user_id)
        raise AuthError("current", "The current password is wrong.", "当前密码不正确。", "current_password")
    limit.reset(key)
    if new == current:
        raise AuthError("same", "The new password must differ from the current one.", "新密码不能与当前密码相同。",
                        "new_password")
    if problem := passwords.password_problem(new, email, organization, name):
        raise AuthError("password", *problem, field="new_password")
    new_hash = passwords.hash_password(new)
    with store.write() as s:
        user = s.get(User, user_id)
        if user is None or user.password_hash != checked:
            raise AuthError("changed", "The password was changed meanwhile; sign in again.",
                            "密码已在别处被修改，请重新登录。", "current_password")
        user.password_hash, user.must_change_password = new_hash, False
        store.audit(s, email, "user", str(user_id), "password_change",
                    note="after an admin's reset" if forced else "by the account holder")
    return revoke_user_sessions(store, user_id, "password_changed", now=now, keep=keep_session)


def temporary_password(length: int = 12) -> str:
    """A random one-time password in groups of four (e.g. k7mq-3xtp-w9ra), ~59 bits, always passing the rule."""
    while True:
        chars = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        candidate = "-".join(chars[i:i + 4] for i in range(0, length, 4))
        if passwords.password_problem(candidate) is None:
            return candidate


def reset_password(store: Store, user_id: int, actor: str, actor_id: int | None, reason: str,
                   temporary: str | None = None) -> str:
    """An admin resets another account's password to a temporary one (typed by the admin, or generated
    when temporary is None), which must be changed at the next sign-in. Ends all of the account's sessions,
    clears its sign-in lock, tells the user in their inbox (never the password) and audits who and why.
    Returns the temporary password, to be shown once to the admin. Raises AuthError ('reason', 'self',
    'password') or KeyError for an unknown account."""
    reason = (reason or "").strip()
    if not reason:
        raise AuthError("reason", "Give the reason for the reset.", "请填写重置原因。", "reason")
    if actor_id is not None and int(actor_id) == int(user_id):
        raise AuthError("self", "Change your own password on the account page.", "请在账户页面修改您自己的密码。",
                        "user")
    with store.read() as s:
        user = s.get(User, user_id)
        if user is None:
            raise KeyError(user_id)
        email, organization, name = user.email, user.organization, user.contact_name
    typed = bool(temporary)
    if typed and (problem := passwords.password_problem(temporary, email, organization, name)):
        raise AuthError("password", *problem, field="temporary")
    temporary = temporary if typed else temporary_password()
    new_hash = passwords.hash_password(temporary)
    with store.write() as s:
        user = s.get(User, user_id)
        user.password_hash, user.must_change_password = new_hash, True
        user.failed_logins, user.locked_until = 0, None
        store.audit(s, actor, "user", str(user_id), "password_reset", reason_code="typed" if typed else "generated",
                    note=reason[:500])
        notify(s, [user_id], "password_reset", {"by": actor, "reason": reason[:200], "page": "account"})
    revoke_user_sessions(store, user_id, "password_reset")
    for throttle in _throttles.values():   # the lock an attacker may have caused ends with the reset
        throttle.account.reset_prefix(f"a:{email}\x00")
        throttle.account.reset(f"pw:{user_id}")
    return temporary
