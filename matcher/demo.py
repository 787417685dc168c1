"""Demo mode: the demo-only accounts, switching them off, and what they did (flagged to admins).

Demo accounts have published passwords, so anything they did is suspect once the demo ends: switching demo
mode off deactivates them at start and lists their actions to admins until an admin marks them reviewed.
An admin's deactivation of a demo account is final: turning demo mode on again never undoes it.
"""
from __future__ import annotations

from sqlalchemy import func, select, update

from matcher.auth import DEMO_ACCOUNTS, Account, account_for, create_user
from matcher.config import Settings
from matcher.domain.records import Role
from matcher.storage.schema import AuditLog, OfferingRow, ScenarioRow, User
from matcher.storage.store import Store, row_to_dict

DEMO_EMAILS = frozenset(a["email"] for a in DEMO_ACCOUNTS)
SYSTEM = "demo"  # audit actor of the demo-mode switch itself (and of the demo data load)


def ensure_demo_accounts(store: Store, settings: Settings) -> list[Account]:
    """Demo mode on: create the missing demo accounts, and re-activate those that demo mode off turned off
    (never one an admin deactivated). Demo mode off: deactivate them all (see turn_off).

    The demo enterprise also becomes the owner of two ownerless demo records of each side, so that
    "My submissions" has something to show."""
    if not settings.demo_accounts:
        turn_off(store)
        return []
    out = []
    for spec in DEMO_ACCOUNTS:
        with store.read() as s:
            row = s.scalar(select(User).where(User.email == spec["email"]))
        if row is None:
            out.append(create_user(store, actor=SYSTEM, is_demo=True, **spec))
            continue
        if row.is_demo and not row.active and _switched_off_by(store, row.id) in (None, SYSTEM):
            with store.write() as s:
                s.execute(update(User).where(User.id == row.id).values(active=True, failed_logins=0,
                                                                       locked_until=None))
                store.audit(s, SYSTEM, "user", str(row.id), "activate", note="demo mode is on")
        with store.read() as s:
            out.append(account_for(s.get(User, row.id)))
    enterprise = next(a for a in out if a.role == Role.ENTERPRISE)
    if enterprise.is_demo:
        _give_records(store, enterprise.id)
    return out


def _switched_off_by(store: Store, user_id: int) -> str | None:
    """The actor of the account's last activate/deactivate (None when never switched, as in old databases)."""
    with store.read() as s:
        return s.scalar(select(AuditLog.actor).where(
            AuditLog.entity == "user", AuditLog.entity_id == str(user_id),
            AuditLog.action.in_(("activate", "deactivate"))).order_by(AuditLog.id.desc()).limit(1))


def _give_records(store: Store, enterprise_id: int) -> None:
    with store.write() as s:
        for row_cls in (OfferingRow, ScenarioRow):
            if s.scalar(select(func.count()).select_from(row_cls).where(row_cls.owner_id == enterprise_id)):
                continue
            ids = list(s.scalars(select(row_cls.id).where(row_cls.owner_id.is_(None))
                                 .order_by(row_cls.created_at, row_cls.id).limit(2)))
            if ids:
                s.execute(update(row_cls).where(row_cls.id.in_(ids)).values(owner_id=enterprise_id))


def turn_off(store: Store) -> int:
    """Deactivate every active demo account (audited, actor 'demo'); returns how many were turned off.

    What they did stays listed by demo_activity until an admin marks it reviewed."""
    with store.write() as s:
        users = list(s.scalars(select(User).where(User.is_demo.is_(True), User.active.is_(True))))
        for user in users:
            user.active = False
            store.audit(s, SYSTEM, "user", str(user.id), "deactivate", note="demo mode is off")
        if users:
            done = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.actor.in_(DEMO_EMAILS)))
            store.audit(s, SYSTEM, "demo", "accounts", "demo_off",
                        note=f"{len(users)} demo accounts deactivated; {done} actions by demo accounts to review")
    return len(users)


def demo_activity(store: Store, limit: int = 500) -> list[dict]:
    """Audit rows of actions by demo accounts since an admin last marked them reviewed (newest first)."""
    with store.read() as s:
        since = s.scalar(select(func.max(AuditLog.id)).where(
            AuditLog.entity == "demo", AuditLog.action == "reviewed")) or 0
        rows = s.scalars(select(AuditLog).where(AuditLog.actor.in_(DEMO_EMAILS), AuditLog.id > since)
                         .order_by(AuditLog.id.desc()).limit(limit))
        return [row_to_dict(r) for r in rows]


def mark_reviewed(store: Store, actor: str, note: str | None = None) -> None:
    """An admin has checked the demo accounts' actions listed so far (audited; later ones are listed again)."""
    with store.write() as s:
        store.audit(s, actor, "demo", "accounts", "reviewed", note=note)
