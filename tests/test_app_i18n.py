"""The one translation table: every key in both languages, and no English label leaking into zh."""
import re
from pathlib import Path

from matcher.domain.records import PairingStatus, ReasonCode, RecordStatus, Role, Maturity
from ui.i18n import TEXT

ALLOWED_LATIN = {"CSV", "XLSX", "MB", "S", "D"}  # file formats and units


def test_every_key_has_both_languages():
    for key, entry in TEXT.items():
        assert set(entry) == {"zh", "en"}, key
        assert entry["zh"].strip() and entry["en"].strip(), key
        assert re.findall(r"{(\w+)}", entry["zh"]) == re.findall(r"{(\w+)}", entry["en"]) or \
            set(re.findall(r"{(\w+)}", entry["zh"])) == set(re.findall(r"{(\w+)}", entry["en"])), key


def test_zh_strings_have_no_english_words():
    for key, entry in TEXT.items():
        words = set(re.findall(r"[A-Za-z]+", re.sub(r"{\w+}", "", entry["zh"])))
        assert words <= ALLOWED_LATIN, (key, words)


def test_en_strings_have_no_chinese():
    for key, entry in TEXT.items():
        assert not re.search(r"[\u4e00-\u9fff]", entry["en"]), key


def test_every_enum_value_has_a_label():
    for prefix, enum in (("rstatus", RecordStatus), ("pstatus", PairingStatus), ("reason", ReasonCode),
                         ("role", Role), ("maturity", Maturity)):
        for member in enum:
            assert f"{prefix}_{member.value}" in TEXT


def test_every_key_used_in_ui_exists():
    source = "\n".join(p.read_text("utf-8") for p in Path(__file__).parent.parent.joinpath("ui").glob("*.py"))
    used = set(re.findall(r"\bt\(\s*\"(\w+)\"", source))
    assert used - set(TEXT) == set()
