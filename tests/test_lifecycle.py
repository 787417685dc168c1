"""Listing lifecycle: the pure plan, the sweep (expiry leaves matching and the queue, audited, feed rows),
reminders sent once per expiry date, renewal (validated, re-publishes, audited), and the CLI command."""
import datetime as dt

import pytest
from sqlalchemy import select

from conftest import OFFERINGS, SCENARIOS
from matcher.cli import main
from matcher.domain.records import RecordStatus, RecordValidationError, Side
from matcher.storage.schema import AuditLog, Change, Notification
from matcher.search.ranking import Suggestion
from matcher.workflow import lifecycle, queue, review
from matcher.workflow.lifecycle import Listing, plan

TODAY = dt.date.today()   # records are created now: their validity runs from today


def test_plan_expires_after_the_last_day_and_reminds_once_inside_the_window():
    def item(rid, ends, reminded=None, owner=1):
        return Listing(Side.SUPPLY, rid, rid, owner, ends, reminded)
    got = plan([item("past", TODAY - dt.timedelta(days=1)), item("today", TODAY),
                item("soon", TODAY + dt.timedelta(days=14)), item("late", TODAY + dt.timedelta(days=15)),
                item("told", TODAY + dt.timedelta(days=3), reminded=TODAY + dt.timedelta(days=3)),
                item("told_old", TODAY + dt.timedelta(days=3), reminded=TODAY - dt.timedelta(days=90)),
                item("nobody", TODAY + dt.timedelta(days=3), owner=None)], TODAY, remind_days=14)
    assert [i.id for i in got.expire] == ["past"]
    assert [i.id for i in got.remind] == ["today", "soon", "told_old"]


def test_ends_on_is_the_deadline_or_the_term_or_the_period_from_creation():
    created = dt.datetime(2026, 6, 1, 9)
    assert lifecycle.ends_on(Side.DEMAND, created, TODAY, None, 180) == TODAY
    assert lifecycle.ends_on(Side.SUPPLY, created, TODAY, None, 180) == dt.date(2026, 11, 28)
    assert lifecycle.ends_on(Side.SUPPLY, created, None, TODAY, 180) == TODAY
    assert lifecycle.ends_on(Side.DEMAND, created, None, None, 10) == dt.date(2026, 6, 11)


@pytest.fixture
def owned(platform, accounts):
    """An enterprise's published offering and scenario (deadline in 10 days), with pairings to others."""
    ent = accounts["enterprise"]
    oid = platform.submit(Side.SUPPLY, OFFERINGS[0], ent.email, owner_id=ent.id, status=RecordStatus.PUBLISHED)
    sid = platform.submit(Side.DEMAND, {**SCENARIOS[0], "deadline": TODAY + dt.timedelta(days=10)}, ent.email,
                          owner_id=ent.id, status=RecordStatus.PUBLISHED)
    other_s = platform.submit(Side.DEMAND, SCENARIOS[1], "test", status=RecordStatus.PUBLISHED)
    other_o = platform.submit(Side.SUPPLY, OFFERINGS[1], "test", status=RecordStatus.PUBLISHED)
    # a pairing to decide on, whatever the fake encoder scores
    review.save_suggestions(platform.store, [Suggestion(sid, other_o, 0.7, {"text": 0.7}, [], [])], min_score=0.0)
    return dict(offering=oid, scenario=sid, other_s=other_s, other_o=other_o, owner=ent)


def _entries(platform, user_id, event):
    with platform.store.read() as s:
        return list(s.scalars(select(Notification).where(Notification.user_id == user_id,
                                                         Notification.event == event)))


def test_sweep_expires_a_scenario_after_its_deadline_everywhere(platform, owned):
    sid = owned["scenario"]
    assert sid in platform.engine.sides[Side.DEMAND].lexical.ids
    assert sid in {x.scenario_id for x in platform.suggestions(Side.SUPPLY, owned["other_o"])}
    in_queue = {r["scenario_id"] for r in queue.search(platform.store, queue.QueueQuery(page_size=100)).rows}
    assert sid in in_queue
    feed_before = platform.feed_head()

    result = platform.expire_listings(TODAY + dt.timedelta(days=11))
    assert result.expired == {Side.DEMAND: [sid]}
    assert platform.store.get_record(Side.DEMAND, sid)["status"] == RecordStatus.EXPIRED
    assert sid not in {x.scenario_id for x in platform.suggestions(Side.SUPPLY, owned["other_o"])}
    assert sid not in platform.engine.sides[Side.DEMAND].lexical.ids       # left the in-memory index
    rows = queue.search(platform.store, queue.QueueQuery(page_size=100)).rows
    assert sid not in {r["scenario_id"] for r in rows}
    assert sid not in {r["id"] for r in platform.store.list_records(Side.DEMAND, status=RecordStatus.PUBLISHED)}
    with platform.store.read() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.entity_id == sid, AuditLog.to_status == "expired")).one()
        feed = list(s.scalars(select(Change.record_id).where(Change.id > feed_before)))
    assert (audit.actor, audit.reason_code, audit.from_status) == ("system", "deadline_passed", "published")
    assert sid in feed                                      # other processes' indexes drop it too
    [told] = _entries(platform, owned["owner"].id, "listing_expired")
    assert told.params["record"] == sid
    # the offering (180 days) is still listed; a second sweep changes nothing
    assert platform.expire_listings(TODAY + dt.timedelta(days=11)).expired_count == 0


def test_reminders_are_sent_once_per_expiry_date(platform, owned):
    sid, owner = owned["scenario"], owned["owner"]
    first = platform.expire_listings(TODAY)                 # 10 days left, window 14 days
    assert first.reminded == 1 and first.expired_count == 0
    assert platform.expire_listings(TODAY).reminded == 0
    assert platform.expire_listings(TODAY + dt.timedelta(days=2)).reminded == 0
    [entry] = _entries(platform, owner.id, "listing_expiring")
    assert entry.params == {"record": sid, "page": "my-submissions", "title": SCENARIOS[0]["title"],
                            "date": (TODAY + dt.timedelta(days=10)).isoformat()}
    # a renewal moves the expiry date: the new one is reminded again when its time comes
    new_deadline = TODAY + dt.timedelta(days=30)
    platform.renew(Side.DEMAND, sid, owner.email, deadline=new_deadline, today=TODAY)
    assert platform.expire_listings(TODAY + dt.timedelta(days=20)).reminded == 1
    assert len(_entries(platform, owner.id, "listing_expiring")) == 2


def test_renewal_republishes_an_expired_offering_for_another_period(platform, owned):
    oid, owner = owned["offering"], owned["owner"]
    later = TODAY + dt.timedelta(days=200)
    platform.expire_listings(later)
    assert platform.store.get_record(Side.SUPPLY, oid)["status"] == RecordStatus.EXPIRED
    assert oid not in {x.offering_id for x in platform.suggestions(Side.DEMAND, owned["other_s"])}
    end = platform.renew(Side.SUPPLY, oid, owner.email, today=later)
    assert end == later + dt.timedelta(days=platform.settings.offering_valid_days)
    record = platform.store.get_record(Side.SUPPLY, oid)
    assert record["status"] == RecordStatus.PUBLISHED and platform.listing_end(Side.SUPPLY, record) == end
    assert oid in {x.offering_id for x in platform.suggestions(Side.DEMAND, owned["other_s"])}
    assert platform.expire_listings(later + dt.timedelta(days=1)).expired_count == 0
    with platform.store.read() as s:
        renewal = s.scalars(select(AuditLog).where(AuditLog.entity_id == oid, AuditLog.action == "renew")).one()
    assert (renewal.actor, renewal.from_status, renewal.to_status) == (owner.email, "expired", "published")


def test_renewing_a_scenario_needs_a_future_deadline_and_saves_nothing_otherwise(platform, owned):
    sid = owned["scenario"]
    platform.expire_listings(TODAY + dt.timedelta(days=11))
    for bad, word in ((None, "required"), (TODAY, "later than today"), (TODAY - dt.timedelta(days=3), "later"),
                      (TODAY.replace(year=2207), "within")):
        with pytest.raises(RecordValidationError) as err:
            platform.renew(Side.DEMAND, sid, "x", deadline=bad, today=TODAY)
        assert err.value.errors[0].field == "deadline" and word in err.value.errors[0].en
        assert "截止日期" in err.value.errors[0].zh
    record = platform.store.get_record(Side.DEMAND, sid)
    assert record["status"] == RecordStatus.EXPIRED and record["deadline"] == TODAY + dt.timedelta(days=10)
    platform.set_status(Side.DEMAND, owned["other_s"], RecordStatus.WITHDRAWN, "test")
    with pytest.raises(RecordValidationError, match="only published or expired"):
        platform.renew(Side.DEMAND, owned["other_s"], "x", deadline=TODAY + dt.timedelta(days=5), today=TODAY)


def test_publication_by_an_official_starts_the_validity(platform, accounts):
    ent = accounts["enterprise"]
    oid = platform.submit(Side.SUPPLY, OFFERINGS[1], ent.email, owner_id=ent.id)
    platform.set_status(Side.SUPPLY, oid, RecordStatus.PUBLISHED, accounts["official"].email)
    end = platform.listing_end(Side.SUPPLY, platform.store.get_record(Side.SUPPLY, oid))
    assert end == dt.date.today() + dt.timedelta(days=platform.settings.offering_valid_days)


def test_cli_expire_for_cron(platform, owned, capsys):
    platform.engine.flush()
    when = (TODAY + dt.timedelta(days=11)).isoformat()
    assert main(["expire", "--today", when]) == 0
    assert "expired 0 offerings and 1 scenarios" in capsys.readouterr().out
    assert platform.store.get_record(Side.DEMAND, owned["scenario"])["status"] == RecordStatus.EXPIRED
    assert main(["expire", "--today", "31-12-2026"]) == 1
