"""Access control, attacked: anonymous visitors and enterprises try official and admin pages by direct page
run ("URL"), page switch, tampered session state and crafted query parameters; enterprise A tries B's
records, B's contact details before approval, and others' unpublished records. Every attempt is counted;
none may be granted. MATCHER_ACCESS_REPORT=FILE writes the counts as JSON (quoted in SECURITY.md)."""
from __future__ import annotations

import json
import os
import time
from collections import Counter

import pytest
from google.protobuf import text_format

from conftest import OFFERINGS, SCENARIOS, open_app, session_token
from matcher.workflow import review
from matcher.auth import Account, create_user, set_active
from matcher.domain.records import PairingStatus, RecordStatus, Role, Side
from ui.auth_gate import PAGES
from ui.i18n import TEXT

OFFICIAL_PAGES = [p[0] for p in PAGES if Role.ENTERPRISE not in p[4]]      # review … admin
ENTERPRISE_PAGES = [p[0] for p in PAGES if Role.ENTERPRISE in p[4]]
ADMIN_PAGES = [p[0] for p in PAGES if p[4] == (Role.ADMIN,)]
SIGN_IN, REFUSED = TEXT["not_signed_in"]["en"], TEXT["refused"]["en"]
PAGE_TITLES = {TEXT[p[1]]["en"] for p in PAGES}

TRIED: Counter = Counter()
SCANNED: Counter = Counter()
pytestmark = pytest.mark.backends("sqlite", "postgresql")


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    path = os.environ.get("MATCHER_ACCESS_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"access_attempts": dict(TRIED), "total": sum(TRIED.values()), "granted": 0,
                       "files_scanned_for_secrets": SCANNED["files"]}, fh, indent=2, ensure_ascii=False)


def page_text(at) -> str:
    """Everything the page sent to the browser, as text: every element of main and sidebar (labels, values,
    options, captions …) plus every dataframe cell. Markdown escapes are removed so escaped text matches."""
    parts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            parts.append(text_format.MessageToString(proto, as_utf8=True))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)
    walk(at._tree)
    parts += [df.value.to_csv() for df in at.dataframe]
    return "\n".join(parts).replace("\\", "")


def refused(at, kind: str, signed_in: bool) -> None:
    """The attempt ran without error, showed the refusal, and drew nothing of the page."""
    TRIED[kind] += 1
    assert not at.exception, [e.message for e in at.exception]
    if signed_in:
        assert [e.value for e in at.error] == [REFUSED]
    else:
        assert [w.value for w in at.warning] == [SIGN_IN]
    assert not at.title and not at.dataframe and not at.button


def on_sign_in_page(at, kind: str) -> None:
    """app.py with no valid session: only the sign-in page is registered and drawn."""
    TRIED[kind] += 1
    assert not at.exception, [e.message for e in at.exception]
    assert at.button(key="login_submit") is not None
    assert not PAGE_TITLES & {t.value for t in at.title}
    for path in OFFICIAL_PAGES + ENTERPRISE_PAGES:
        with pytest.raises(ValueError):
            at.switch_page(path)


# --- official and admin pages ---------------------------------------------------------------------------

def test_direct_page_runs_and_page_switches_are_refused(platform, accounts, seeded):
    for path in OFFICIAL_PAGES + ENTERPRISE_PAGES:           # the "direct URL": the page file run on its own
        refused(open_app(path).run(), "direct page, anonymous", signed_in=False)
    for path in OFFICIAL_PAGES:
        refused(open_app(path, accounts["enterprise"]).run(), "direct page, enterprise", signed_in=True)
    for path in ADMIN_PAGES:
        refused(open_app(path, accounts["official"]).run(), "direct page, official on admin", signed_in=True)

    anon = open_app().run()
    for path in OFFICIAL_PAGES + ENTERPRISE_PAGES:
        TRIED["switch_page, anonymous"] += 1
        with pytest.raises(ValueError):                       # not registered in the navigation at all
            anon.switch_page(path)
    ent = open_app("app.py", accounts["enterprise"]).run()
    for path in OFFICIAL_PAGES:
        TRIED["switch_page, enterprise"] += 1
        with pytest.raises(ValueError):
            ent.switch_page(path)
    official = open_app("app.py", accounts["official"]).run()
    for path in ADMIN_PAGES:
        TRIED["switch_page, official on admin"] += 1
        with pytest.raises(ValueError):
            official.switch_page(path)


def _forged_roles(admin: Account) -> dict:
    return {"role": "admin", "auth_role": "admin", "user_role": Role.ADMIN, "is_admin": True, "is_official": True,
            "account": admin, "user": admin, "auth_account": admin}


def _tampered_sessions(accounts, platform) -> list[tuple[str, dict, bool]]:
    """(name, session_state to plant, whether a real enterprise session stays signed in)."""
    admin, official, ent = accounts["admin"], accounts["official"], accounts["enterprise"]
    gone = create_user(platform.store, "gone@test.example", "password-123", Role.ADMIN, "Gone org")
    set_active(platform.store, gone.id, False, "admin@test.example")
    now = time.time()
    return [
        ("role keys, anonymous", _forged_roles(admin), False),
        ("role keys, enterprise", {**_forged_roles(admin), "auth_user_id": ent.id, "auth_last_seen": now,
                                   "auth_token": session_token(ent)}, True),
        ("enterprise id, admin's token", {"auth_user_id": ent.id, "auth_last_seen": now,
                                          "auth_token": session_token(admin)}, False),
        ("admin id, token forged", {"auth_user_id": admin.id, "auth_last_seen": now,
                                    "auth_token": "x" * 43 + "." + "y" * 43}, False),
        ("official id, stale last_seen", {"auth_user_id": official.id, "auth_last_seen": now - 86400}, False),
        ("admin id, stale last_seen", {"auth_user_id": admin.id, "auth_last_seen": now - 3601}, False),
        ("admin id, last_seen in the future", {"auth_user_id": admin.id, "auth_last_seen": now + 10 ** 9}, False),
        ("admin id, last_seen not a time", {"auth_user_id": admin.id, "auth_last_seen": "now"}, False),
        ("admin id, no last_seen", {"auth_user_id": admin.id}, False),
        ("deactivated admin id", {"auth_user_id": gone.id, "auth_last_seen": now}, False),
        ("non-existent id", {"auth_user_id": 987654, "auth_last_seen": now}, False),
        ("admin id as a string", {"auth_user_id": str(admin.id), "auth_last_seen": now}, False),
        ("id not a number", {"auth_user_id": "admin' OR 1=1 --", "auth_last_seen": now}, False),
        ("id True (== 1)", {"auth_user_id": True, "auth_last_seen": now}, False),
        ("admin id as a float", {"auth_user_id": float(admin.id), "auth_last_seen": now}, False),
        ("id 0 and negative", {"auth_user_id": -admin.id, "auth_last_seen": now}, False),
    ]


def test_tampered_session_state_grants_nothing(platform, accounts, seeded):
    # Every page starts with the same require_role; the direct-page test runs all of them.
    for name, state, enterprise in _tampered_sessions(accounts, platform):
        for path in ("ui/review.py", "ui/admin.py"):
            at = open_app(path)
            for key, value in state.items():
                at.session_state[key] = value
            refused(at.run(), f"tampered session: {name}", signed_in=enterprise)
        at = open_app("app.py")
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
        if enterprise:   # still the enterprise's own navigation
            TRIED[f"tampered session: {name}"] += 1
            assert at.title[0].value == TEXT["page_submit_offering"]["en"]
            for path in OFFICIAL_PAGES:
                with pytest.raises(ValueError):
                    at.switch_page(path)
        else:
            on_sign_in_page(at, f"tampered session: {name}")
            assert "auth_user_id" not in at.session_state     # the planted id is dropped, not kept


CRAFTED_QUERIES = [{"page": "review"}, {"page": "admin"}, {"role": "admin"}, {"role": "official", "page": "moderation"},
                   {"user": "{admin}"}, {"auth_user_id": "{admin}"}, {"user_id": "{admin}", "role": "admin"},
                   {"page": "admin", "role": "admin", "auth_user_id": "{admin}", "auth_last_seen": "9999999999"},
                   {"embed": "true", "page": "import-export"}]


def test_crafted_query_parameters_grant_nothing(platform, accounts, seeded):
    admin_id = str(accounts["admin"].id)
    for query in CRAFTED_QUERIES:
        query = {k: v.replace("{admin}", admin_id) for k, v in query.items()}
        for who in (None, "enterprise"):
            account = accounts[who] if who else None
            for path in ("ui/admin.py",):
                at = open_app(path, account)
                at.query_params.update(query)
                refused(at.run(), f"query parameters, {who or 'anonymous'}", signed_in=who is not None)
            at = open_app("app.py", account)
            at.query_params.update(query)
            at.run()
            if who is None:
                on_sign_in_page(at, "query parameters, anonymous")
            else:
                TRIED["query parameters, enterprise"] += 1
                assert not at.exception and at.title[0].value == TEXT["page_submit_offering"]["en"]
                for path in OFFICIAL_PAGES:
                    with pytest.raises(ValueError):
                        at.switch_page(path)


# --- enterprise A against enterprise B ------------------------------------------------------------------

B_PHONE = "0519-88776655"


@pytest.fixture
def two_firms(platform):
    """Enterprise A owns a published offering, B a published scenario that pairs with it; both give contacts."""
    a = create_user(platform.store, "a@firm-a.example", "password-123", Role.ENTERPRISE, "Firm A")
    b = create_user(platform.store, "b@firm-b.example", "password-123", Role.ENTERPRISE, "Firm B")
    offering = platform.submit(Side.SUPPLY, OFFERINGS[0], a.email, owner_id=a.id, status=RecordStatus.PUBLISHED)
    scenario = platform.submit(Side.DEMAND, {**SCENARIOS[0], "contact_phone": B_PHONE}, b.email, owner_id=b.id,
                               status=RecordStatus.PUBLISHED)
    [pairing] = review.list_pairings(platform.store, review.PairingQuery(offering_ids=(offering,),
                                                                         scenario_ids=(scenario,)))
    return dict(a=a, b=b, offering=offering, scenario=scenario, pairing=pairing)


A_SECRETS = (OFFERINGS[0]["contact_email"], OFFERINGS[0]["contact_phone"])
B_SECRETS = (SCENARIOS[0]["contact_email"], B_PHONE)


def _mine(account, **state):
    at = open_app("ui/my_submissions.py", account)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def test_an_enterprise_sees_and_changes_only_its_own_records(platform, two_firms):
    a, mine, theirs = two_firms["a"], two_firms["offering"], two_firms["scenario"]
    before = platform.store.get_record(Side.DEMAND, theirs)
    at = _mine(a)
    TRIED["other firm's records listed"] += 1
    assert not at.exception
    assert list(at.dataframe[0].value.iloc[:, 0]) == [mine]
    assert at.selectbox(key="mine_pick").options == [f"{mine} · {OFFERINGS[0]['title']}"]

    forged = {"mine_pick": theirs, f"mine_withdraw_sure_{theirs}": True, f"mine_edit_{theirs}_title": "Hacked",
              "mine_edit_pick": theirs, "record_id": theirs, "selected_record": theirs}
    at = _mine(a, **forged)
    TRIED["forged selection of the other firm's record"] += 1
    assert not at.exception
    assert at.selectbox(key="mine_pick").value == mine              # the forged key falls back to A's own record
    keys = [w.key for kind in ("button", "checkbox", "text_input", "text_area", "selectbox", "number_input")
            for w in at.get(kind) if w.key]
    assert not [k for k in keys if k.startswith("mine_") and theirs in k]  # no edit or withdraw widget for B
    for button in [x for x in at.button if not x.disabled]:
        TRIED["forged selection of the other firm's record"] += 1
        button.click().run()                                       # whatever A can press acts on A's record only
        assert not at.exception
    assert platform.store.get_record(Side.DEMAND, theirs) == before

    from ui.suggestions import suggestion_list  # the widget refuses a record that is not the caller's
    TRIED["suggestions of the other firm's record"] += 1
    import streamlit as st
    from unittest import mock
    with mock.patch.object(st, "error") as error, mock.patch.object(st, "info"):
        suggestion_list(platform, a, Side.DEMAND, theirs)
    error.assert_called_once_with(REFUSED)


def test_contact_details_appear_only_after_an_official_approves(platform, two_firms):
    a, b, pairing = two_firms["a"], two_firms["b"], two_firms["pairing"]
    assert pairing["status"] == PairingStatus.SUGGESTED
    for status in (None, PairingStatus.SHORTLISTED, PairingStatus.UNDER_REVIEW):
        if status:
            pairing = review.transition(platform.store, pairing["id"], status, "official@test.example",
                                        pairing["version"])
        for viewer, hidden in ((a, B_SECRETS), (b, A_SECRETS)):
            text = page_text(_mine(viewer))
            TRIED["counterpart contact before approval"] += 1
            assert not [s for s in hidden if s in text], (pairing["status"], viewer.email)
            assert TEXT["contact_hidden"]["en"] in text
    review.transition(platform.store, pairing["id"], PairingStatus.APPROVED, "official@test.example",
                      pairing["version"])
    for viewer, shown in ((a, B_SECRETS), (b, A_SECRETS)):
        text = page_text(_mine(viewer))
        assert all(s in text for s in shown), viewer.email


def test_rejected_pairing_keeps_contacts_hidden(platform, two_firms):
    pairing = two_firms["pairing"]
    review.transition(platform.store, pairing["id"], PairingStatus.REJECTED, "official@test.example",
                      pairing["version"], reason_code="other")
    TRIED["counterpart contact after rejection"] += 1
    assert not [s for s in B_SECRETS if s in page_text(_mine(two_firms["a"]))]


UNPUBLISHED = {RecordStatus.PENDING: "Pending thermal film battery pack request",
               RecordStatus.REJECTED: "Rejected thermal film battery pack request",
               RecordStatus.WITHDRAWN: "Withdrawn thermal film battery pack request"}


def test_unpublished_records_of_others_never_show(platform, two_firms):
    """B's pending, rejected and withdrawn scenarios (same words as A's offering), and B's approved scenario
    once B withdraws it or edits it back into moderation, never reach A's page."""
    a, b = two_firms["a"], two_firms["b"]
    for status, title in UNPUBLISHED.items():
        rid = platform.submit(Side.DEMAND, {**SCENARIOS[0], "title": title, "contact_email": "hidden@firm-b.example"},
                              b.email, owner_id=b.id, status=RecordStatus.PUBLISHED)
        if status != RecordStatus.PUBLISHED:
            platform.set_status(Side.DEMAND, rid, status, "official@test.example")
    text = page_text(_mine(a))
    for title in UNPUBLISHED.values():
        TRIED["unpublished record of another firm"] += 1
        assert title not in text
    assert "hidden@firm-b.example" not in text
    assert SCENARIOS[0]["title"] in text                      # the published one is suggested

    pairing = two_firms["pairing"]
    review.transition(platform.store, pairing["id"], PairingStatus.APPROVED, "official@test.example",
                      pairing["version"])
    assert B_SECRETS[0] in page_text(_mine(a))
    for status in (RecordStatus.PENDING, RecordStatus.WITHDRAWN):  # edited (back to moderation), then withdrawn
        platform.set_status(Side.DEMAND, two_firms["scenario"], status, b.email)
        text = page_text(_mine(a))
        TRIED["unpublished record of another firm"] += 1
        assert SCENARIOS[0]["title"] not in text and not [s for s in B_SECRETS if s in text], status


# --- secrets ----------------------------------------------------------------------------------------------

SECRET_PATTERNS = {
    "private key": r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY",
    "AWS access key id": r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    "AWS secret key": r"aws_secret_access_key\s*[=:]",
    "GitHub/Slack/OpenAI token": r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|xox[abpr]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9]{32,})",
    "argon2 hash": r"\$argon2(?:id|i|d)\$v=",
}
# password = "…", "password": "…", password="…" (also secret, token, api_key)
PASSWORD_LITERAL = r"""(?i)\b(?:password|passwd|pwd|secret|api_?key|token)["']?\s*[=:]\s*["']([^"'\s]{3,})["']"""
SECRET_FILES = r"(?:^|/)(?:secrets\.toml|\.env(?:\.[\w-]+)?|id_(?:rsa|ecdsa|ed25519)|[^/]+\.(?:pem|key|p12|pfx))$"


def _repository_files() -> list[str]:
    """Tracked files and the untracked ones git would offer to add (what the next commit may contain)."""
    import subprocess

    from conftest import ROOT
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return sorted(set(out.split()))


def test_no_secrets_in_the_repository():
    import re

    from conftest import ROOT
    from matcher.auth import DEMO_ACCOUNTS
    demo_passwords = {a["password"] for a in DEMO_ACCOUNTS}  # documented, and off outside the demo
    files = _repository_files()
    assert len(files) > 50
    found = [f"{path}: secret-looking file" for path in files if re.search(SECRET_FILES, path)]
    scanned = 0
    for path in files:
        full = ROOT / path
        if not full.is_file() or full.stat().st_size > 5_000_000:
            continue
        try:
            text = full.read_text("utf-8")
        except UnicodeDecodeError:
            continue  # binary (xlsx fixtures, images)
        scanned += 1
        for name, pattern in SECRET_PATTERNS.items():
            found += [f"{path}: {name}" for _ in re.finditer(pattern, text)]
        if path.startswith("tests/"):
            continue  # test fixtures use throw-away passwords on throw-away databases
        found += [f"{path}: password literal {m.group(1)!r}" for m in re.finditer(PASSWORD_LITERAL, text)
                  if m.group(1) not in demo_passwords]
    SCANNED["files"] += scanned
    assert not found, found
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text().split()
