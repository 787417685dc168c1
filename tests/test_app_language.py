"""Every page in both languages shows no words of the other language except user data (AppTest walk).

Texts are read from every element the page sends: titles, Markdown, captions, alerts, widget labels, help,
placeholders and options, tab and expander labels, metrics, and every header and cell of every table.
User data (record texts, organisations, e-mails, names) is removed first; what is left must be Chinese in
zh (no Latin words except file formats and units) and have no Chinese characters in en."""
import re

import pandas as pd
import pytest

from conftest import open_app
from matcher.domain.records import RecordStatus, Side
from matcher.storage.schema import CampaignDiagnosis, CampaignProvider, CampaignRow, OfferingRow, ScenarioRow, User
from matcher.workflow import campaigns, diagnoses, review
from ui.auth_gate import PAGES
from ui.i18n import TEXT

TEXT_FIELDS = {"body", "label", "placeholder", "help", "options", "value", "text", "title", "caption"}
ALLOWED_LATIN = {"CSV", "XLSX", "MB", "English", "Language", "S", "D", "ID"}  # formats, units, the switch
ALLOWED_CJK = {"中文", "语言"}                                                 # the language switch
SWITCH_LABEL = TEXT["lang_label"]["zh"] + " / " + TEXT["lang_label"]["en"]


def _strings(node, out: list[str]) -> None:
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "ListFields"):
        for field, value in proto.ListFields():
            if field.name not in TEXT_FIELDS:
                continue
            if isinstance(value, (int, float, bool)):   # a number input's value, a checkbox's state
                continue
            values = [value] if isinstance(value, str) else [] if hasattr(value, "ListFields") else list(value)
            out.extend(v for v in values if isinstance(v, str))
    value = getattr(node, "value", None) if type(node).__name__ == "Dataframe" else None
    if isinstance(value, pd.DataFrame):
        out.extend(str(c) for c in value.columns)
        out.extend(str(v) for v in value.astype(str).to_numpy().ravel())
    for child in getattr(node, "children", {}).values() if isinstance(getattr(node, "children", None), dict) else []:
        _strings(child, out)


def _user_data(store) -> list[str]:
    texts = []
    with store.read() as s:
        for row_cls in (OfferingRow, ScenarioRow):
            for row in s.query(row_cls):
                texts += [row.id, row.title, row.description, row.organization, row.region or "", row.keywords or "",
                          row.contact_name or "", row.contact_email or "", row.contact_phone or ""]
        for user in s.query(User):
            texts += [user.email, user.organization, user.contact_name or ""]
        for c in s.query(CampaignRow):
            texts += [c.title, c.park, c.district or "", c.needs]
        for d in s.query(CampaignDiagnosis):
            texts += [d.enterprise, d.findings]
        texts += [p.message or "" for p in s.query(CampaignProvider)]
    return sorted({x for x in texts if x}, key=len, reverse=True)


def _leaks(texts: list[str], user: list[str], lang: str) -> list[tuple[str, str]]:
    # words of user data may show anywhere (matched terms, highlighted snippets split the text into pieces)
    user_words = {w.lower() for item in user for w in re.findall(r"[A-Za-z]{2,}", item)}
    user_cjk = {w for item in user for w in re.findall(r"[\u4e00-\u9fff]+", item)}
    found = []
    for text in texts:
        if text.lstrip().startswith(("<style>", "<script>")):   # not shown: our CSS and the cookie script
            continue
        rest = text.replace("\\", "").replace(SWITCH_LABEL, "")
        for item in user:
            rest = rest.replace(item, " ").replace(re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", item), " ")
        rest = re.sub(r"[\w.+-]+@[\w.-]+", " ", rest)          # e-mail addresses (user data)
        rest = re.sub(r"\]\([^)]*\)", "]", rest)               # link targets are not shown
        rest = re.sub(r"https?://\S+|:material/\w+:|:\w+-background\[|:\w+-badge\[", " ", rest)
        if lang == "zh":
            words = {w for w in re.findall(r"[A-Za-z]{2,}", rest) if w.lower() not in user_words} - ALLOWED_LATIN
        else:
            words = {w for w in re.findall(r"[\u4e00-\u9fff]+", rest) if w not in user_cjk} - ALLOWED_CJK
        if words:
            found.append((text[:120], ", ".join(sorted(words))))
    return found


@pytest.fixture
def busy(platform, accounts, seeded):
    """Data on every page: a pending submission, a rejection with a reason, a pairing moved along with history."""
    ent, official = accounts["enterprise"], accounts["official"]
    mine = platform.submit(Side.DEMAND, dict(title="Heat in battery packs", description="Our lithium battery packs "
                           "overheat; we need a thermal film.", organization="enterprise org", keywords="thermal film"),
                           ent.email, owner_id=ent.id)
    platform.submit(Side.SUPPLY, dict(title="Cooling plate", description="Liquid cooling plate for battery packs.",
                                      organization="enterprise org"), ent.email, owner_id=ent.id)
    platform.set_status(Side.DEMAND, mine, RecordStatus.PUBLISHED, official.email)
    pairings = review.list_pairings(platform.store)
    first = review.transition(platform.store, pairings[0]["id"], "approved", official.email, pairings[0]["version"])
    review.express_interest(platform.store, first["id"], "demand", ent.email)
    # a campaign with a provider's answer, an assignment and a diagnosis (campaigns and reports pages)
    offer = campaigns.submit_service_offer(platform, dict(title="Line diagnosis", organization="enterprise org",
                                           description="Production line diagnosis."), "university", "diagnosis",
                                           ent.email, owner_id=ent.id, status=RecordStatus.PUBLISHED)
    today = __import__("datetime").date.today()
    cid = campaigns.create_campaign(platform.store, dict(title="Park diagnosis", park="Wujin park", enterprise_count=3,
                                    needs="Line diagnosis for machinery makers.", start_date=today,
                                    end_date=today), official.email)
    campaigns.apply(platform.store, cid, offer, "We can help.", ent.email)
    campaigns.assign(platform.store, cid, offer, official.email)
    diagnoses.record_diagnosis(platform.store, cid, dict(enterprise="Gear Co", diagnosed_on=today,
                                                         findings="Manual inspection."), official.email)
    return platform


PAGE_ROLES = [(path, role) for path, _, _, _, roles in PAGES for role in roles if role != "admin" or roles == ("admin",)]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path,role", PAGE_ROLES + [("ui/login.py", None)])
def test_no_words_of_the_other_language(busy, accounts, path, role, lang):
    texts: list[str] = []
    # the frame (sidebar: navigation, language switch, account box) and the role's start page ...
    frame = open_app("app.py", accounts[role] if role else None, lang=lang).run()
    # ... and the page itself, run on its own (AppTest's switch_page mis-reads formatted selectbox values)
    at = open_app(path, accounts[role] if role else None, lang=lang).run()
    for run in (frame, at):
        assert not run.exception, run.exception
        _strings(run._tree, texts)
    assert len(texts) > 5
    leaks = _leaks(texts, _user_data(busy.store), lang)
    assert not leaks, f"{path} as {role} in {lang}: " + "; ".join(f"{t!r} -> {w}" for t, w in leaks)
