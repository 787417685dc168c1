"""End-to-end: an admin resets a user's password; at the next sign-in the user sees only the account page
until a new password is chosen, then the whole app again."""
from __future__ import annotations

from .support import PASSWORD, TIMEOUT_MS, choose, click_and_wait, go_to, new_context, shot, sign_in, wait_ready

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips these tests (or fails them under MATCHER_REQUIRE_BROWSER=1)
    expect = None

ADMIN, USER = "reset-admin@e2e.test", "reset-user@e2e.test"


def _accounts():
    from matcher.auth import create_user
    from matcher.domain.records import Role
    from matcher.storage.store import Store

    from .conftest import SERVER

    store = Store(f"sqlite:///{SERVER['var_dir'] / 'matcher.db'}")
    try:
        create_user(store, ADMIN, PASSWORD, Role.ADMIN, "E2E Platform", "Ada")
        create_user(store, USER, PASSWORD, Role.ENTERPRISE, "Reset Tester Co", "Rex")
    finally:
        store.engine.dispose()


def _open(chromium, server, contexts):
    context = new_context(chromium)
    contexts.append(context)
    page = context.new_page()
    page.goto(server)
    wait_ready(page, timeout=4 * TIMEOUT_MS)   # the first run of a fresh server on a loaded machine is slow
    return page


def test_admin_reset_forces_a_new_password_at_next_sign_in(chromium, server):
    _accounts()
    contexts: list = []
    try:
        _journey(lambda: _open(chromium, server, contexts))
    finally:
        for context in contexts:
            context.close()


def _journey(open_page) -> None:
    admin = open_page()
    sign_in(admin, ADMIN)
    go_to(admin, "Accounts")
    choose(admin, "User", USER)
    admin.get_by_label("Reason *", exact=True).fill("phoned in, forgot it")
    click_and_wait(admin, admin.get_by_role("button", name="Reset password"))
    expect(admin.get_by_text("Temporary password (shown this once only)")).to_be_visible()
    temporary = admin.locator('[data-testid="stCode"] code').first.inner_text().strip()
    assert len(temporary) == 14

    user = open_page()
    sign_in(user, USER, temporary)
    expect(user.get_by_role("heading", name="My account").first).to_be_visible()
    expect(user.get_by_text("An administrator reset your password")).to_be_visible()
    expect(user.get_by_test_id("stSidebarNav")).to_have_count(0)      # no other page to go to
    user.get_by_label("Current (temporary) password", exact=True).fill(temporary)
    user.get_by_label("New password", exact=True).fill("quiet-harbour-lantern-42")
    user.get_by_label("New password again", exact=True).fill("quiet-harbour-lantern-42")
    click_and_wait(user, user.get_by_role("button", name="Change password"))
    expect(user.get_by_text("Password changed.")).to_be_visible()
    shot(user, "account_after_forced_change")
    go_to(user, "Inbox")
    expect(user.get_by_text("reset your password (reason: phoned in, forgot it)")).to_be_visible()
    wait_ready(user)
