"""Notifications: inbox entries for each event, e-mail through a real SMTP server (aiosmtpd on loopback)
with retries while it is down, and per-event e-mail opt-out."""
import datetime as dt
import email
import email.policy
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import select

from matcher.auth import create_user
from matcher.config import get_settings
from matcher.domain.records import RecordStatus, Side
from matcher.storage.schema import OutboxMail
from matcher.workflow import mailer, notifications, review
from matcher.workflow.notifications import REASON_LABELS, STATUS_LABELS, TEMPLATES, inbox, render, unread_count


class Inbox(Message):
    """Keeps every accepted message, parsed with the modern policy (headers decoded)."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(email.message_from_bytes(message.as_bytes(), policy=email.policy.default))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_port():
    return _free_port()


@pytest.fixture
def mail_settings(settings, monkeypatch, smtp_port):
    monkeypatch.setenv("MATCHER_SMTP_URL", f"smtp://127.0.0.1:{smtp_port}")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _start(port: int) -> tuple[Controller, Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, handler


def _deliver(store, port, now=None):
    return mailer.deliver_due(store, f"smtp://127.0.0.1:{port}", "noreply@test.example", now=now)


def _world(platform):
    """An enterprise owning a scenario, another owning an offering, and an official; a pairing between them."""
    official = create_user(platform.store, "off@test.example", "password-123", "official", "Bureau")
    demand = create_user(platform.store, "demand@test.example", "password-123", "enterprise", "Pack Maker")
    supply = create_user(platform.store, "supply@test.example", "password-123", "enterprise", "Carbon Co")
    off_id = platform.submit(Side.SUPPLY, dict(title="Graphene thermal film", description="Graphene film spreads heat "
                             "in lithium battery packs.", organization="Carbon Co", keywords="graphene; thermal film"),
                             "supply@test.example", owner_id=supply.id)
    scen_id = platform.submit(Side.DEMAND, dict(title="Battery packs overheat", description="Our lithium battery "
                              "packs overheat; we need a graphene thermal film.", organization="Pack Maker",
                              keywords="graphene; thermal film"), "demand@test.example", owner_id=demand.id)
    return official, demand, supply, off_id, scen_id


def _events(store, user):
    return [n["event"] for n in inbox(store, user.id)][::-1]


def test_every_event_reaches_the_right_inboxes(mail_settings, platform):
    store = platform.store
    official, demand, supply, off_id, scen_id = _world(platform)
    assert _events(store, official) == ["submission_waiting", "submission_waiting"]
    platform.set_status(Side.SUPPLY, off_id, RecordStatus.PUBLISHED, "off@test.example")
    platform.set_status(Side.DEMAND, scen_id, RecordStatus.PUBLISHED, "off@test.example")
    assert _events(store, supply)[:1] == ["record_published"]
    assert "new_suggestion" in _events(store, demand) and "new_suggestion" in _events(store, supply)
    [pairing] = review.list_pairings(store)
    review.express_interest(store, pairing["id"], "demand", "demand@test.example")
    assert _events(store, supply)[-1] == "interest_received"
    assert _events(store, official)[-1] == "interest_official"
    pairing = review.transition(store, pairing["id"], "approved", "off@test.example", pairing["version"])
    review.transition(store, pairing["id"], "contacted", "off@test.example", pairing["version"])
    for owner in (demand, supply):
        assert _events(store, owner)[-2:] == ["pairing_approved", "pairing_status"]
    entry = inbox(store, demand.id)[0]
    assert render(entry["event"], entry["params"], "zh") == "“Battery packs overheat”与“Graphene thermal film”的对接进入新阶段：已联系。"
    assert render(entry["event"], entry["params"], "en").endswith("moved to: contacted.")
    assert unread_count(store, demand.id) == len(inbox(store, demand.id))
    notifications.mark_read(store, demand.id)
    assert unread_count(store, demand.id) == 0


def test_a_rejection_tells_the_owner_why(mail_settings, platform):
    _, _, supply, off_id, _ = _world(platform)
    platform.set_status(Side.SUPPLY, off_id, RecordStatus.REJECTED, "off@test.example", note="no test data",
                        reason_code="maturity_too_low")
    entry = inbox(platform.store, supply.id)[0]
    assert render(entry["event"], entry["params"], "zh") == "您的“Graphene thermal film”未通过审核。原因：成熟度不足：no test data"
    assert render(entry["event"], entry["params"], "en").endswith("Reason: maturity too low: no test data")


def test_an_approval_is_mailed_and_nothing_is_lost_while_the_server_is_down(mail_settings, platform, smtp_port):
    store = platform.store
    official, demand, supply, off_id, scen_id = _world(platform)
    # the SMTP server is down: every send fails, the mails wait with a growing pause
    first = _deliver(store, smtp_port)
    assert first.sent == 0 and first.failed == 2 and first.waiting == 2
    platform.set_status(Side.SUPPLY, off_id, RecordStatus.PUBLISHED, "off@test.example")
    platform.set_status(Side.DEMAND, scen_id, RecordStatus.PUBLISHED, "off@test.example")
    [pairing] = review.list_pairings(store)
    review.transition(store, pairing["id"], "approved", "off@test.example", pairing["version"])
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=31)
    again = _deliver(store, smtp_port, now=later)
    assert again.sent == 0 and again.failed == again.waiting > 2
    with store.read() as s:
        rows = list(s.scalars(select(OutboxMail)))
    assert all(r.last_error and r.sent_at is None for r in rows)
    assert max(r.attempts for r in rows) == 2
    waiting = len(rows)

    controller, handler = _start(smtp_port)            # the server comes back
    try:
        done = _deliver(store, smtp_port, now=later + dt.timedelta(hours=2))
        assert done.sent == waiting and done.waiting == 0
        assert _deliver(store, smtp_port, now=later + dt.timedelta(hours=3)).sent == 0   # never twice
    finally:
        controller.stop()
    to_demand = [m for m in handler.messages if m["To"] == "demand@test.example"]
    approved = [m for m in to_demand if "已获批准" in m["Subject"]]
    assert len(approved) == 1
    body = approved[0].get_content()
    assert "contact details are now visible" in body and "Battery packs overheat" in body
    assert len({m["Message-ID"] for m in handler.messages}) == len(handler.messages) == waiting


def test_opt_out_stops_the_mail_not_the_inbox_entry(mail_settings, platform, smtp_port):
    store = platform.store
    official = create_user(store, "off@test.example", "password-123", "official", "Bureau")
    notifications.set_opt_outs(store, official.id, {"submission_waiting"}, "off@test.example")
    assert notifications.opted_out(store, official.id) == {"submission_waiting"}
    platform.submit(Side.SUPPLY, dict(title="Thermal film", description="Graphene film for battery packs.",
                                      organization="Carbon Co"), "someone")
    assert [n["event"] for n in inbox(store, official.id)] == ["submission_waiting"]
    with store.read() as s:
        assert s.scalars(select(OutboxMail)).all() == []
    with pytest.raises(ValueError):
        notifications.set_opt_outs(store, official.id, {"no_such_event"}, "off@test.example")


def test_without_smtp_there_is_no_outbox(settings, platform):
    _world(platform)
    with platform.store.read() as s:
        assert s.scalars(select(OutboxMail)).all() == []


def test_the_mail_worker_sends_in_the_background(mail_settings, platform, smtp_port):
    controller, handler = _start(smtp_port)
    worker = mailer.MailWorker(platform.store, f"smtp://127.0.0.1:{smtp_port}", "noreply@test.example", interval=0.2)
    try:
        worker.start()
        _world(platform)
        deadline = time.monotonic() + 20
        while len(handler.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop()
        worker.join(5)
        controller.stop()
    assert sorted(m["To"] for m in handler.messages) == ["off@test.example", "off@test.example"]


def test_smtp_urls():
    t = mailer.SmtpTarget.parse("smtp://u%40x:p%3Aw@mail.example:587?starttls=true")
    assert (t.host, t.port, t.tls, t.starttls, t.user, t.password) == ("mail.example", 587, False, True, "u@x", "p:w")
    assert mailer.SmtpTarget.parse("smtps://mail.example").port == 465
    with pytest.raises(ValueError):
        mailer.SmtpTarget.parse("http://mail.example")


def test_labels_agree_with_the_ui_table():
    from ui.i18n import TEXT

    for lang in ("zh", "en"):
        for code, label in STATUS_LABELS[lang].items():
            assert TEXT[f"pstatus_{code}"][lang] == label
        for code, label in REASON_LABELS[lang].items():
            assert TEXT[f"reason_{code}"][lang] == label
    assert set(TEMPLATES) == (set(notifications.ENTERPRISE_EVENTS) | set(notifications.OFFICIAL_EVENTS)
                              | set(notifications.ACCOUNT_EVENTS))


def test_inbox_page_badge_mark_read_and_opt_out(mail_settings, platform):
    from conftest import open_app

    official, demand, supply, off_id, scen_id = _world(platform)
    at = open_app("app.py", official).run()
    assert not at.exception
    at.switch_page("ui/inbox.py").run()
    assert at.title[0].value == "Inbox"
    assert at.caption[0].value == "2 unread"
    assert any("New submission waiting for moderation: “Battery packs overheat”" in m.value.replace("\\", "")
               for m in at.markdown)
    at.button(key="inbox_mark_read").click().run()
    assert at.caption[0].value == "0 unread" and unread_count(platform.store, official.id) == 0
    at.checkbox(key="inbox_mail_submission_waiting").uncheck()
    at.button(key="inbox_save").click().run()
    assert notifications.opted_out(platform.store, official.id) == {"submission_waiting"}
    zh = open_app("ui/inbox.py", demand, lang="zh").run()
    assert zh.title[0].value == "消息" and not zh.exception

