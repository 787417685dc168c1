"""The account page's logic: password change (current password, registration rule, other sessions ended),
admin reset (temporary password, forced change, inbox notice), contact details; audited without secrets."""
import datetime as dt

import pytest
from sqlalchemy import select

from matcher import accounts, auth
from matcher.domain.records import RecordStatus, RecordValidationError, Role, Side
from matcher.sessions import create_session, live_sessions, verify_session
from matcher.storage.schema import AuditLog, Notification, User
from matcher.storage.store import Store

PASSWORD, NEW = "password-123", "quiet-harbour-lantern-42"
DAY = dt.timedelta(days=1)


@pytest.fixture
def store(settings):
    return Store(settings.database_url)


@pytest.fixture
def people(store):
    user = auth.create_user(store, "e@x.co", PASSWORD, Role.ENTERPRISE, "Carbon Co", "Ann")
    admin = auth.create_user(store, "boss@x.co", PASSWORD, Role.ADMIN, "Bureau")
    return user, admin


def _audit(store, action):
    with store.read() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action)))


def _no_secret(store, *secrets):
    with store.read() as s:
        text = " ".join(f"{r.actor} {r.note} {r.reason_code} {r.from_status} {r.to_status}"
                        for r in s.scalars(select(AuditLog)))
        text += " ".join(str(n.params) for n in s.scalars(select(Notification)))
        hashes = [u.password_hash for u in s.scalars(select(User))]
    for secret in [*secrets, *hashes]:
        assert secret not in text


def test_change_needs_the_current_password_and_keeps_only_this_session(store, settings, people):
    user, _ = people
    mine, other = (create_session(store, user.id, DAY) for _ in range(2))
    with pytest.raises(auth.AuthError) as err:
        accounts.change_password(store, user.id, "wrong-password", NEW, settings, keep_session=mine)
    assert err.value.code == "current" and err.value.field == "current_password" and err.value.zh == "当前密码不正确。"
    assert live_sessions(store, user.id) == 2 and not _audit(store, "password_change")
    assert accounts.change_password(store, user.id, PASSWORD, NEW, settings, keep_session=mine) == 1
    assert verify_session(store, mine, DAY) is not None and verify_session(store, other, DAY) is None
    assert auth.authenticate(store, "e@x.co", NEW, settings).id == user.id
    with pytest.raises(auth.AuthError):
        auth.authenticate(store, "e@x.co", PASSWORD, settings)
    [row] = _audit(store, "password_change")
    assert (row.actor, row.entity, row.entity_id, row.note) == ("e@x.co", "user", str(user.id), "by the account holder")
    _no_secret(store, PASSWORD, NEW)


@pytest.mark.parametrize("new, code", [("short", "password"), ("password", "password"), ("carbon co", "password"),
                                       ("qwertyuiop", "password"), (PASSWORD, "same")])
def test_a_weak_or_unchanged_new_password_is_refused(store, settings, people, new, code):
    user, _ = people
    with pytest.raises(auth.AuthError) as err:
        accounts.change_password(store, user.id, PASSWORD, new, settings)
    assert err.value.code == code and err.value.field == "new_password" and err.value.en and err.value.zh
    assert auth.authenticate(store, "e@x.co", PASSWORD, settings).id == user.id


def test_wrong_current_passwords_are_throttled(store, settings, people):
    user, _ = people
    now = dt.datetime(2026, 1, 1, 12)
    for _ in range(settings.login_max_failures):
        with pytest.raises(auth.AuthError):
            accounts.change_password(store, user.id, "guess-guess", NEW, settings, now=now)
    with pytest.raises(auth.AuthError) as err:   # even the right one waits now
        accounts.change_password(store, user.id, PASSWORD, NEW, settings, now=now)
    assert err.value.code == "throttled"
    later = now + dt.timedelta(minutes=settings.login_lock_minutes + 1)
    accounts.change_password(store, user.id, PASSWORD, NEW, settings, now=later)


def test_admin_reset_forces_a_change_at_next_sign_in(store, settings, people):
    user, admin = people
    token = create_session(store, user.id, DAY)
    with pytest.raises(auth.AuthError) as err:
        accounts.reset_password(store, user.id, admin.email, admin.id, "  ")
    assert err.value.code == "reason"
    with pytest.raises(auth.AuthError) as err:
        accounts.reset_password(store, admin.id, admin.email, admin.id, "forgot")
    assert err.value.code == "self"
    with pytest.raises(auth.AuthError) as err:
        accounts.reset_password(store, user.id, admin.email, admin.id, "forgot", temporary="12345678")
    assert err.value.code == "password" and err.value.field == "temporary"
    temporary = accounts.reset_password(store, user.id, admin.email, admin.id, "forgot it, phoned on 1 Dec")
    assert len(temporary) == 14 and accounts.passwords.password_problem(temporary) is None
    assert verify_session(store, token, DAY) is None                  # every session of the account ended
    with pytest.raises(auth.AuthError):
        auth.authenticate(store, "e@x.co", PASSWORD, settings)
    signed_in = auth.authenticate(store, "e@x.co", temporary, settings)
    assert signed_in.must_change_password and auth.get_account(store, user.id).must_change_password
    [row] = _audit(store, "password_reset")
    assert (row.actor, row.entity_id, row.note, row.reason_code) == (admin.email, str(user.id),
                                                                     "forgot it, phoned on 1 Dec", "generated")
    with store.read() as s:
        [note] = s.scalars(select(Notification).where(Notification.user_id == user.id))
    assert note.event == "password_reset" and note.params["by"] == admin.email
    accounts.change_password(store, user.id, temporary, NEW, settings)
    assert not auth.get_account(store, user.id).must_change_password
    assert _audit(store, "password_change")[0].note == "after an admin's reset"
    _no_secret(store, PASSWORD, NEW, temporary)


def test_reset_with_a_typed_password_also_clears_a_sign_in_lock(store, settings, people):
    user, admin = people
    for _ in range(settings.login_max_failures + 1):
        with pytest.raises(auth.AuthError):
            auth.authenticate(store, "e@x.co", "wrong", settings)
    assert auth.locked_accounts(store)
    typed = "river-stone-quiet-9"
    assert accounts.reset_password(store, user.id, admin.email, admin.id, "locked out", temporary=typed) == typed
    assert not auth.locked_accounts(store)
    assert auth.authenticate(store, "e@x.co", typed, settings).must_change_password
    assert _audit(store, "password_reset")[0].reason_code == "typed"
    _no_secret(store, typed)


def test_contact_details_are_checked_saved_and_optionally_carried_to_live_listings(platform, store, people):
    user, _ = people
    live = platform.submit(Side.SUPPLY, dict(title="Graphene film", description="Thermal film for packs.",
                                             organization="Carbon Co", contact_email="old@x.co"), "e@x.co",
                           owner_id=user.id, status=RecordStatus.PUBLISHED)
    closed = platform.submit(Side.DEMAND, dict(title="Old need", description="Cooling of old packs.",
                                               organization="Carbon Co"), "e@x.co", owner_id=user.id)
    platform.set_status(Side.DEMAND, closed, RecordStatus.WITHDRAWN, "e@x.co")
    with pytest.raises(RecordValidationError) as err:
        accounts.update_contact(store, user.id, {"contact_phone": "call me", "contact_email": "nope",
                                                 "contact_name": "A\x07"}, "e@x.co")
    assert {e.field for e in err.value.errors} == {"contact_phone", "contact_email", "contact_name"}
    assert accounts.contact_details(store, user.id)["contact_name"] == "Ann"          # nothing saved
    new = {"contact_name": " Ann Li ", "contact_phone": "0519-88001234转12", "contact_email": "ann@carbon.example"}
    assert accounts.update_contact(store, user.id, new, "e@x.co") == []
    assert accounts.contact_details(store, user.id) == {"contact_name": "Ann Li", "contact_phone": "0519-88001234转12",
                                                        "contact_email": "ann@carbon.example"}
    assert platform.store.get_record(Side.SUPPLY, live)["contact_email"] == "old@x.co"
    assert accounts.update_contact(store, user.id, new, "e@x.co", apply_to_listings=True) == [live]
    assert platform.store.get_record(Side.SUPPLY, live)["contact_phone"] == "0519-88001234转12"
    assert platform.store.get_record(Side.DEMAND, closed)["contact_phone"] is None    # withdrawn: left as it was
    assert _audit(store, "contact")[0].note == "changed: contact_name, contact_phone, contact_email"
    assert "contact details from the account page" in _audit(store, "update")[-1].note
    assert auth.get_account(store, user.id).contact_phone == "0519-88001234转12"
