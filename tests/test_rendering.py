"""User text never becomes a link; exports neutralise fullwidth formula triggers; long filters are harmless."""
import re

import pytest

from matcher.domain.records import RecordStatus, Side
from matcher.io.imports import export_bytes, neutralise, read_table
from matcher.workflow import review
from ui.widgets import highlight, md_escape

# The patterns of GitHub-flavoured Markdown's literal autolinks (mdast-util-gfm-autolink-literal), applied to
# text after backslash escapes are decoded: that is where Streamlit's Markdown finds bare links.
GFM_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)", re.I)
GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")
TEXTS = ["see http://evil.example/login now", "HTTPS://EVIL.EXAMPLE", "www.evil.example/x", "ftp://files.example",
         "write to boss@evil.example", "a.b+c@mail.evil.example", "联系 http://钓鱼.example 或 admin@钓鱼.example",
         "mailto:boss@evil.example"]


def _decoded(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.mark.parametrize("text", TEXTS)
def test_user_text_never_becomes_a_link(text):
    for rendered in (md_escape(text), highlight(text, ["evil"]), highlight(text, [])):
        shown = _decoded(rendered)
        assert not GFM_URL.search(shown) and not GFM_EMAIL.search(shown), rendered
    assert _decoded(md_escape(text)).replace("\u2060", "") == text  # reads exactly the same


@pytest.mark.parametrize("trigger", ["＝", "＋", "－", "＠"])
def test_export_neutralises_fullwidth_formula_triggers_and_round_trips(trigger):
    value = f"{trigger}HYPERLINK(\"http://evil.example\")"
    assert neutralise(value) == "'" + value
    rows = [{"title": value, "description": "d", "organization": "o"}]
    for fmt in ("csv", "xlsx"):
        data = export_bytes(rows, fmt)
        back = read_table(data, f"x.{fmt}")
        assert back.rows[0]["title"] == value, fmt


def test_a_very_long_region_filter_is_answered_not_crashed(seeded, platform):
    long = "武进区" * 5_600  # about 16,800 characters: SQLite refuses a LIKE pattern this long
    assert review.list_pairings(platform.store, review.PairingQuery(region=long)) == []
    assert review.list_pairings(platform.store, review.PairingQuery(region="Wujin"))  # a real filter still works
