"""AppTest: the account page (password change, contact details) and an admin's reset forcing a change at the
next sign-in, with nothing else open until it is made."""
import datetime as dt

import pytest

from conftest import open_app
from matcher.auth import authenticate, get_account
from matcher.domain.records import RecordStatus, Side
from matcher.sessions import create_session, verify_session

NEW = "quiet-harbour-lantern-42"


def _change(at, current, new, confirm=None):
    at.text_input(key="account_current").input(current)
    at.text_input(key="account_new").input(new)
    at.text_input(key="account_confirm").input(new if confirm is None else confirm)
    return at.button(key="account_password_submit").click().run()


def test_password_change_on_the_page(platform, accounts, settings):
    user = accounts["enterprise"]
    elsewhere = create_session(platform.store, user.id, dt.timedelta(days=1))
    at = open_app("ui/account.py", user).run()
    assert not at.exception and at.title[0].value == "My account"
    _change(at, "wrong-password", NEW)
    assert [e.value for e in at.error] == ["The current password is wrong."]
    _change(at, "password-123", NEW, confirm="something-else")
    assert [e.value for e in at.error] == ["The two passwords differ."]
    _change(at, "password-123", "password")
    assert "too common" in at.error[0].value
    _change(at, "password-123", NEW)
    assert not at.error and at.success[0].value.startswith("Password changed. 1 other")
    assert verify_session(platform.store, elsewhere, dt.timedelta(days=1)) is None
    assert verify_session(platform.store, at.session_state["auth_token"], dt.timedelta(days=1)) is not None
    assert authenticate(platform.store, user.email, NEW, settings).id == user.id
    assert at.text_input(key="account_new").value == "" == at.text_input(key="account_current").value  # not kept


def test_contact_details_on_the_page_in_chinese(platform, accounts):
    user = accounts["enterprise"]
    rid = platform.submit(Side.SUPPLY, dict(title="石墨烯导热膜", description="电池包散热用石墨烯膜。", organization="甲公司"),
                          user.email, owner_id=user.id, status=RecordStatus.PUBLISHED)
    at = open_app("ui/account.py", user, lang="zh").run()
    at.text_input(key="account_contact_phone").input("打电话")
    at.button(key="account_contact_submit").click().run()
    assert [e.value for e in at.error] == ["请输入由数字、空格和 + - ( ) 组成的电话号码，例如 0519-88001234。"]
    at.text_input(key="account_contact_phone").input("0519-88001234")
    at.text_input(key="account_contact_email").input("sales@jia.example")
    assert at.checkbox(key="account_apply_listings").value   # on by default when there are live listings
    at.button(key="account_contact_submit").click().run()
    assert not at.error and at.success[0].value == "联系方式已保存，并已更新 1 条记录。"
    assert platform.store.get_record(Side.SUPPLY, rid)["contact_phone"] == "0519-88001234"
    assert get_account(platform.store, user.id).contact_email == "sales@jia.example"


def test_admin_reset_forces_a_change_before_anything_else(platform, accounts):
    admin, user = accounts["admin"], accounts["enterprise"]
    at = open_app("ui/admin.py", admin).run()
    at.selectbox(key="admin_reset_user").set_value(user.id)
    at.button(key="admin_reset_submit").click().run()
    assert [e.value for e in at.error] == ["Give the reason for the reset."]
    at.text_input(key="admin_reset_reason").input("phoned in, forgot it")
    at.button(key="admin_reset_submit").click().run()
    assert not at.error and "was reset. Temporary password" in at.success[0].value
    temporary = at.code[0].value
    at.run()
    assert not at.code                             # shown once only

    app = open_app().run()                         # the user signs in with the temporary password
    app.text_input(key="login_email").input(user.email)
    app.text_input(key="login_password").input(temporary)
    app.button(key="login_submit").click().run()
    assert not app.exception and app.title[0].value == "My account"
    assert app.warning[0].value.startswith("An administrator reset your password")
    with pytest.raises(KeyError):                  # only the password form
        app.button(key="account_contact_submit")
    for page in ("ui/submit_offering.py", "ui/inbox.py"):
        with pytest.raises(ValueError):
            app.switch_page(page)
    page = open_app("ui/my_submissions.py", get_account(platform.store, user.id)).run()
    assert [w.value for w in page.warning] == ["Choose a new password on the My account page first."]
    assert not page.title
    _change(app, temporary, NEW)
    assert not app.error and not get_account(platform.store, user.id).must_change_password
    app.switch_page("ui/inbox.py").run()
    assert app.title[0].value.startswith("Inbox") and "reset your password" in app.markdown[1].value
