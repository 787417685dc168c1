"""Notifications: an inbox entry per account for each event, and an e-mail in the outbox when SMTP is set.

Events are written in the transaction of the state change they report (the review workflow passes its own
session), so a state change and its notifications land together or not at all. An entry stores the event
code and its parameters, never a rendered sentence: the inbox shows it in the reader's language, the
e-mail carries both languages (accounts have no language setting). Each account can turn e-mail off per
event type (NotificationOptOut); the inbox entry is written regardless.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from matcher.config import get_settings
from matcher.storage.schema import (Notification, NotificationOptOut, OfferingRow, OutboxMail, Pairing, ScenarioRow,
                                    User, utcnow)
from matcher.storage.store import Store, row_to_dict

# event code -> who gets it, and the text in both languages ({title}, {status}, {reason}, ... from params)
TEMPLATES: dict[str, dict[str, str]] = {
    "record_published": {"zh": "您的“{title}”已通过审核并发布。", "en": "Your “{title}” was approved and published."},
    "record_rejected": {"zh": "您的“{title}”未通过审核。原因：{reason}", "en": "Your “{title}” was rejected. Reason: {reason}"},
    "new_suggestion": {"zh": "“{title}”有新的推荐对接：“{other}”（匹配度 {score}）。",
                       "en": "New suggested match for “{title}”: “{other}” (score {score})."},
    "interest_received": {"zh": "对方对“{title}”与“{other}”的对接表达了意向。",
                          "en": "The other side is interested in pairing “{title}” with “{other}”."},
    "pairing_approved": {"zh": "“{title}”与“{other}”的对接已获批准，现可查看对方联系方式。",
                         "en": "The pairing of “{title}” with “{other}” was approved; contact details are now visible."},
    "pairing_status": {"zh": "“{title}”与“{other}”的对接进入新阶段：{status}。",
                       "en": "The pairing of “{title}” with “{other}” moved to: {status}."},
    "submission_waiting": {"zh": "新提交待审核：“{title}”（{organization}）。",
                           "en": "New submission waiting for moderation: “{title}” ({organization})."},
    "interest_official": {"zh": "企业对对接 #{pairing}（“{title}”↔“{other}”）表达了意向。",
                          "en": "An enterprise expressed interest in pairing #{pairing} (“{title}” ↔ “{other}”)."},
    # listing lifecycle (workflow/lifecycle.py)
    "listing_expiring": {"zh": "您的“{title}”将于 {date} 后到期下架，可在“我的提交”中续期。",
                         "en": "Your “{title}” expires after {date}; renew it on My submissions to keep it listed."},
    "listing_expired": {"zh": "您的“{title}”已于 {date} 到期下架，不再参与匹配；可在“我的提交”中续期重新发布。",
                        "en": "Your “{title}” expired after {date} and left matching; renew it on My submissions to "
                              "publish it again."},
    # from a marketplace listing (matcher/workflow/interest.py), with the enterprise's message to the broker
    "interest_message": {"zh": "{organization} 在供需大厅对对接 #{pairing}（“{title}”↔“{other}”）表达了意向。留言：{message}",
                         "en": "{organization} expressed interest in pairing #{pairing} (“{title}” ↔ “{other}”) "
                               "from the marketplace. Message: {message}"},
    "password_reset": {"zh": "管理员 {by} 重置了您的密码（原因：{reason}）。请用管理员告知的临时密码登录并设置新密码；"
                             "如非您本人要求，请立即联系平台管理员。",
                       "en": "Administrator {by} reset your password (reason: {reason}). Sign in with the temporary "
                             "password they gave you and choose a new one; if you did not ask for this, contact "
                             "the platform administrators at once."},
}
ENTERPRISE_EVENTS = ("record_published", "record_rejected", "new_suggestion", "interest_received",
                     "pairing_approved", "pairing_status", "listing_expiring", "listing_expired")
OFFICIAL_EVENTS = ("submission_waiting", "interest_official", "interest_message")
# Security notices for every role: always e-mailed when SMTP is set (not offered for opt-out on the Inbox page).
ACCOUNT_EVENTS = ("password_reset",)
# Codes inside params that the reader's language must label (status codes, reason codes)
STATUS_LABELS = {
    "zh": {"shortlisted": "入围", "under_review": "审核中", "approved": "已批准", "contacted": "已联系",
           "piloting": "试点中", "deployed": "已落地", "rejected": "已驳回", "suggested": "系统推荐"},
    "en": {"shortlisted": "shortlisted", "under_review": "under review", "approved": "approved",
           "contacted": "contacted", "piloting": "piloting", "deployed": "deployed", "rejected": "rejected",
           "suggested": "suggested"},
}


REASON_LABELS = {
    "zh": {"not_relevant": "不相关", "maturity_too_low": "成熟度不足", "budget_mismatch": "预算不符", "region": "地区不符",
           "duplicate": "重复", "other": "其他"},
    "en": {"not_relevant": "not relevant", "maturity_too_low": "maturity too low", "budget_mismatch": "budget mismatch",
           "region": "region", "duplicate": "duplicate", "other": "other"},
}


def render(event: str, params: dict, lang: str) -> str:
    """The entry's sentence in lang; status and reason codes in params are shown as labels."""
    values = dict(params)
    if "status" in values:
        values["status"] = STATUS_LABELS[lang].get(values["status"], values["status"])
    reason = [REASON_LABELS[lang].get(values.get("reason_code") or "", ""), values.get("reason") or ""]
    values["reason"] = ("：" if lang == "zh" else ": ").join(x for x in reason if x) or "—"
    return TEMPLATES[event][lang].format_map(_Blank(values))


class _Blank(dict):
    def __missing__(self, key):
        return ""


def notify(s: Session, user_ids, event: str, params: dict) -> int:
    """Write one inbox entry per active account in user_ids (and the e-mail, unless SMTP is off or the
    account opted out of this event). Runs inside the caller's transaction. Returns how many entries."""
    ids = sorted({int(u) for u in user_ids if u is not None})
    if not ids:
        return 0
    settings = get_settings()
    users = s.execute(select(User.id, User.email).where(User.id.in_(ids), User.active.is_(True))).all()
    opted_out = set(s.scalars(select(NotificationOptOut.user_id).where(NotificationOptOut.user_id.in_(ids),
                                                                       NotificationOptOut.event == event)))
    for user_id, email in users:
        entry = Notification(user_id=user_id, event=event, params=params)
        s.add(entry)
        if settings.smtp_url and user_id not in opted_out:
            s.flush()
            s.add(OutboxMail(notification_id=entry.id, to_addr=email, subject=_subject(event, params),
                             body=_body(event, params, settings.public_url)))
    return len(users)


def _subject(event: str, params: dict) -> str:
    return ("[技术供需对接 / Matchmaking] " + render(event, params, "zh"))[:300]


def _body(event: str, params: dict, public_url: str) -> str:
    link = ""
    if public_url:
        link = f"\n\n{public_url.rstrip('/')}/{params.get('page', '')}"
        if params.get("pairing"):
            link += f"?pairing={params['pairing']}"
    return (f"{render(event, params, 'zh')}\n\n{render(event, params, 'en')}{link}\n\n"
            "—\n在“消息”页面可关闭此类邮件。 You can turn these e-mails off on the Inbox page.\n")


def officials(s: Session) -> list[int]:
    return list(s.scalars(select(User.id).where(User.role.in_(("official", "admin")), User.active.is_(True))))


def pairing_parties(s: Session, pairing: Pairing) -> tuple[dict, dict]:
    """(scenario facts, offering facts) of a pairing: owner id and title."""
    scen = s.execute(select(ScenarioRow.owner_id, ScenarioRow.title).where(ScenarioRow.id == pairing.scenario_id)).one()
    off = s.execute(select(OfferingRow.owner_id, OfferingRow.title).where(OfferingRow.id == pairing.offering_id)).one()
    return {"owner": scen.owner_id, "title": scen.title}, {"owner": off.owner_id, "title": off.title}


def notify_pairing_parties(s: Session, pairing: Pairing, event: str, **params) -> None:
    """Tell each side's owner about a pairing, each seeing its own record as {title}."""
    scen, off = pairing_parties(s, pairing)
    base = {"pairing": pairing.id, "page": "my-submissions", **params}
    notify(s, [scen["owner"]], event, {**base, "title": scen["title"], "other": off["title"]})
    notify(s, [off["owner"]], event, {**base, "title": off["title"], "other": scen["title"]})


# --- the inbox --------------------------------------------------------------------------------------

def inbox(store: Store, user_id: int, limit: int = 200) -> list[dict]:
    with store.read() as s:
        rows = s.scalars(select(Notification).where(Notification.user_id == user_id)
                         .order_by(Notification.id.desc()).limit(limit))
        return [row_to_dict(r) for r in rows]


def unread_count(store: Store, user_id: int) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(Notification)
                        .where(Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_read(store: Store, user_id: int, ids: list[int] | None = None, now: dt.datetime | None = None) -> int:
    """Mark the account's entries read (all of them when ids is None). Returns how many changed."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    with store.write() as s:
        return s.execute(stmt.values(read_at=now or utcnow())).rowcount


def opted_out(store: Store, user_id: int) -> set[str]:
    with store.read() as s:
        return set(s.scalars(select(NotificationOptOut.event).where(NotificationOptOut.user_id == user_id)))


def set_opt_outs(store: Store, user_id: int, events: set[str], actor: str) -> None:
    """Replace the account's e-mail opt-outs with events (unknown codes are refused). Audited."""
    unknown = set(events) - set(TEMPLATES)
    if unknown:
        raise ValueError(f"unknown event types: {sorted(unknown)}")
    with store.write() as s:
        current = set(s.scalars(select(NotificationOptOut.event).where(NotificationOptOut.user_id == user_id)))
        for event in current - set(events):
            s.delete(s.get(NotificationOptOut, (user_id, event)))
        for event in set(events) - current:
            s.add(NotificationOptOut(user_id=user_id, event=event))
        if current != set(events):
            store.audit(s, actor, "user", str(user_id), "mail_opt_out", note=",".join(sorted(events)) or None)


# --- record events (the service calls these right after the record's own transaction) ---------------

def _record(s: Session, side, record_id: str):
    row_cls = OfferingRow if str(side) == "supply" else ScenarioRow
    return s.get(row_cls, record_id)


def submission_waiting(store: Store, side, record_id: str) -> None:
    with store.write() as s:
        rec = _record(s, side, record_id)
        notify(s, officials(s), "submission_waiting",
               {"record": record_id, "page": "moderation", "title": rec.title, "organization": rec.organization})


def record_status(store: Store, side, record_id: str, status, note: str | None,
                  reason_code: str | None = None) -> None:
    """Published or rejected: tell the owner (with the official's reason when rejected)."""
    event = {"published": "record_published", "rejected": "record_rejected"}.get(str(status))
    if event is None:
        return
    with store.write() as s:
        rec = _record(s, side, record_id)
        notify(s, [rec.owner_id], event, {"record": record_id, "page": "my-submissions", "title": rec.title,
                                          "reason": note or "", "reason_code": reason_code or ""})
