"""Sending the outbox over SMTP (MATCHER_SMTP_URL), with retries: a mail is marked sent only after the
server accepted it; until then it is retried with a growing pause (30 s doubling, at most 1 h), forever.

URL forms: smtp://host:port (plain), smtp://user:password@host:587?starttls=true, smtps://host:465 (TLS).
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select, update

from matcher.storage.schema import OutboxMail, utcnow
from matcher.storage.store import Store

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)      # a claimed mail is not picked up by another sender for this long
MAX_PAUSE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    tls: bool
    starttls: bool
    user: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> "SmtpTarget":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"MATCHER_SMTP_URL must look like smtp://host:port or smtps://host:port, not {url!r}")
        query = parse_qs(parts.query)
        return cls(parts.hostname, parts.port or (465 if parts.scheme == "smtps" else 25), parts.scheme == "smtps",
                   query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes"),
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)

    def connect(self, timeout: float = 10.0) -> smtplib.SMTP:
        if self.tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=timeout)
            if self.starttls:
                client.starttls(context=ssl.create_default_context())
        if self.user:
            client.login(self.user, self.password or "")
        return client


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int
    waiting: int


def pause(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_PAUSE)


def deliver_due(store: Store, smtp_url: str, mail_from: str, now: dt.datetime | None = None,
                limit: int = 50) -> Delivery:
    """Send the mails that are due. Each is claimed first (so two processes do not send it twice), then
    marked sent or given its next attempt time with the error."""
    now = now or utcnow()
    target = SmtpTarget.parse(smtp_url)
    with store.write() as s:
        due = list(s.scalars(select(OutboxMail).where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now)
                             .order_by(OutboxMail.id).limit(limit)))
        for mail in due:
            mail.next_attempt_at = now + LEASE
    sent = failed = 0
    client, connect_error = None, None
    if due:
        try:
            client = target.connect()
        except (OSError, smtplib.SMTPException) as exc:
            connect_error = exc
    for mail in due:
        error = connect_error
        if client is not None:
            try:
                client.send_message(_message(mail, mail_from))
            except (OSError, smtplib.SMTPException) as exc:
                error = exc
        with store.write() as s:
            if error is None:
                s.execute(update(OutboxMail).where(OutboxMail.id == mail.id)
                          .values(sent_at=utcnow(), attempts=mail.attempts + 1, last_error=None))
                sent += 1
            else:
                s.execute(update(OutboxMail).where(OutboxMail.id == mail.id)
                          .values(attempts=mail.attempts + 1, next_attempt_at=now + pause(mail.attempts + 1),
                                  last_error=f"{type(error).__name__}: {error}"[:500]))
                failed += 1
    if client is not None:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            pass
    if failed:
        log.warning("outbox: %d mail(s) not sent, will retry (%s)", failed, connect_error or "see last_error")
    with store.read() as s:
        waiting = len(s.scalars(select(OutboxMail.id).where(OutboxMail.sent_at.is_(None))).all())
    return Delivery(sent, failed, waiting)


def _message(mail: OutboxMail, mail_from: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = mail_from, mail.to_addr, mail.subject
    msg["Message-ID"] = f"<outbox-{mail.id}@matcher>"   # stable: a retried mail is recognisable as the same
    msg.set_content(mail.body)
    return msg


class MailWorker(threading.Thread):
    """Background sender of one process: delivers the due outbox every interval seconds until stopped."""

    def __init__(self, store: Store, smtp_url: str, mail_from: str, interval: float = 15.0):
        super().__init__(name="matcher-mail", daemon=True)
        self.store, self.smtp_url, self.mail_from, self.interval = store, smtp_url, mail_from, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                deliver_due(self.store, self.smtp_url, self.mail_from)
            except Exception:  # noqa: BLE001 - a sender that dies silently would lose nothing but send nothing
                log.exception("outbox delivery failed")
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
