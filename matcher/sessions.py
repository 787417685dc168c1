"""Sign-in sessions that outlive a browser tab: signed, expiring, stored server-side and revocable.

A token is `<random>.<signature>`: 32 random bytes (URL-safe base64) and an HMAC-SHA256 of them under a
secret kept in the database (meta table, created once). The signature lets a forged or mangled cookie be
refused without a database look-up; the database row (keyed by the SHA-256 of the random part, so a copy
of the table holds no usable token) decides the rest: absolute expiry, idle timeout, revocation, and
whether the account is still active. The web app keeps the token in a cookie; this module knows nothing
about cookies or Streamlit.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from matcher.storage.schema import AuthSession, Meta, User, utcnow
from matcher.storage.store import Store

_SECRET_KEY = "session_secret"
# The idle clock (last_seen) is written at most this often, so a page run is a read, not a write.
TOUCH_EVERY = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class SessionInfo:
    """A verified session: whose it is and when it ends at the latest."""
    user_id: int
    expires_at: dt.datetime


def _secret(store: Store) -> bytes:
    cached = getattr(store, "_session_secret", None)
    if cached:
        return cached
    with store.write() as s:
        row = s.get(Meta, _SECRET_KEY)
        if row is None:
            row = Meta(key=_SECRET_KEY, value=secrets.token_hex(32))
            s.add(row)
        value = bytes.fromhex(row.value)
    store._session_secret = value
    return value


def _sign(secret: bytes, raw: str) -> str:
    mac = hmac.new(secret, raw.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def _raw_part(store: Store, token: object) -> str | None:
    """The random part of a well-formed token with a valid signature, else None."""
    if not isinstance(token, str) or len(token) > 200 or token.count(".") != 1:
        return None
    raw, sig = token.split(".")
    try:
        raw.encode("ascii")
        expected = _sign(_secret(store), raw)
    except UnicodeEncodeError:
        return None
    return raw if raw and hmac.compare_digest(expected, sig) else None


def create_session(store: Store, user_id: int, lifetime: dt.timedelta, now: dt.datetime | None = None) -> str:
    """A new token for user_id, valid for lifetime at most. Returns the token (shown once, never stored)."""
    now = now or utcnow()
    raw = secrets.token_urlsafe(32)
    with store.write() as s:
        s.add(AuthSession(token_hash=_hash(raw), user_id=user_id, created_at=now, last_seen=now,
                          expires_at=now + lifetime))
    return f"{raw}.{_sign(_secret(store), raw)}"


def verify_session(store: Store, token: object, idle: dt.timedelta,
                   now: dt.datetime | None = None) -> SessionInfo | None:
    """The session of token if it is signed, known, not revoked, not expired, not idle longer than idle, and
    its account is active; else None. Moves the idle clock forward (at most every TOUCH_EVERY)."""
    raw = _raw_part(store, token)
    if raw is None:
        return None
    now = now or utcnow()
    with store.read() as s:
        found = s.execute(select(AuthSession, User.active).join(User, User.id == AuthSession.user_id)
                          .where(AuthSession.token_hash == _hash(raw))).first()
    if found is None:
        return None
    row, active = found
    if row.revoked_at is not None or not active:
        return None
    if now >= row.expires_at or now - row.last_seen > idle:
        revoke_session(store, token, "expired", now)
        return None
    if now - row.last_seen >= TOUCH_EVERY:
        with store.write() as s:
            s.execute(update(AuthSession).where(AuthSession.id == row.id, AuthSession.revoked_at.is_(None))
                      .values(last_seen=now))
    return SessionInfo(row.user_id, row.expires_at)


def revoke_session(store: Store, token: object, why: str = "sign_out", now: dt.datetime | None = None) -> bool:
    """End one session (sign-out). Returns whether a live session was ended."""
    raw = _raw_part(store, token)
    if raw is None:
        return False
    with store.write() as s:
        done = s.execute(update(AuthSession).where(AuthSession.token_hash == _hash(raw),
                                                   AuthSession.revoked_at.is_(None))
                         .values(revoked_at=now or utcnow(), revoked_why=why[:30]))
    return done.rowcount > 0


def revoke_user_sessions(store: Store, user_id: int, why: str, now: dt.datetime | None = None,
                         keep: object = None) -> int:
    """End every session of one account (deactivation, a password change or reset), except the one whose
    token is keep (the browser that changed its own password stays signed in). Returns how many."""
    stmt = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    raw = _raw_part(store, keep) if keep is not None else None
    if raw is not None:
        stmt = stmt.where(AuthSession.token_hash != _hash(raw))
    with store.write() as s:
        done = s.execute(stmt.values(revoked_at=now or utcnow(), revoked_why=why[:30]))
    return done.rowcount


def live_sessions(store: Store, user_id: int, now: dt.datetime | None = None) -> int:
    """How many unrevoked, unexpired sessions an account has."""
    now = now or utcnow()
    with store.read() as s:
        return len(s.scalars(select(AuthSession.id).where(AuthSession.user_id == user_id,
                                                          AuthSession.revoked_at.is_(None),
                                                          AuthSession.expires_at > now)).all())
