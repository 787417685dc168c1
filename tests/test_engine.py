"""Engine and service with the fast fake encoder: both directions, index kept in step, caching, repair."""
import shutil

import pytest

from matcher.config import Settings
from matcher.search.encoders import FakeEncoder
from matcher.domain.records import RecordStatus, RecordValidationError, Side
from matcher.service import Platform

OFFERINGS = [
    {"id": "O-1", "title": "碳纤维复合材料车身部件", "description": "车身减重40%，提升新能源汽车续航",
     "organization": "甲材料", "maturity": "small_batch", "region": "武进区"},
    {"id": "O-2", "title": "Graphene thermal film", "description": "Heat dissipation film for battery packs, "
     "thermal conductivity 1500 W/mK", "organization": "Beta", "maturity": "mass_production"},
    {"id": "O-3", "title": "锂电池回收", "description": "动力电池梯次利用与材料回收", "organization": "乙"},
]
SCENARIO = {"id": "S-1", "title": "车身太重，续航不达标", "description": "需要车身轻量化方案，减重30%以上",
            "organization": "丙汽车", "region": "新北区", "required_maturity": "pilot"}


class CountingEncoder(FakeEncoder):
    def __init__(self):
        super().__init__()
        self.encoded = 0

    def encode(self, texts, batch_size=64, progress=False):
        self.encoded += len(texts)
        return super().encode(texts, batch_size, progress)


@pytest.fixture
def platform(tmp_path):
    settings = Settings(var_dir=tmp_path, encoder="fake", min_pair_score=0.02)
    p = Platform.open(settings, encoder=CountingEncoder())
    for rec in OFFERINGS:
        p.submit(Side.SUPPLY, rec, "tester", status=RecordStatus.PUBLISHED)
    p.submit(Side.DEMAND, SCENARIO, "tester", status=RecordStatus.PUBLISHED)
    return p


def test_matches_both_directions_with_reasons(platform):
    found = platform.suggestions(Side.DEMAND, "S-1")
    assert found[0].offering_id == "O-1"
    assert "减重" in found[0].matched_terms
    assert found[0].reasons[0].code == "text"
    back = platform.suggestions(Side.SUPPLY, "O-1")
    assert back[0].scenario_id == "S-1"


def test_free_text_match_and_pairings_saved(platform):
    found = platform.engine.match_text("battery heat dissipation", Side.DEMAND, k=2)
    assert found[0].offering_id == "O-2" and found[0].scenario_id is None
    from matcher.workflow import review
    assert any(p["offering_id"] == "O-1" for p in review.list_pairings(platform.store))


def test_pending_and_withdrawn_records_are_not_suggested(platform):
    platform.submit(Side.SUPPLY, {**OFFERINGS[0], "id": "O-9"}, "tester")       # pending
    assert "O-9" not in {s.offering_id for s in platform.suggestions(Side.DEMAND, "S-1")}
    platform.set_status(Side.SUPPLY, "O-1", RecordStatus.WITHDRAWN, "tester")
    assert "O-1" not in {s.offering_id for s in platform.suggestions(Side.DEMAND, "S-1")}
    assert "O-1" not in platform.engine.sides[Side.SUPPLY].vectors.hashes


def test_unchanged_text_is_never_encoded_again(platform, tmp_path):
    enc = platform.engine.encoder
    before = enc.encoded
    reopened = Platform.open(platform.settings, encoder=enc)          # loads saved indexes
    assert enc.encoded == before
    shutil.rmtree(platform.settings.index_dir)
    again = Platform.open(platform.settings, encoder=enc)             # index lost: rebuilt from the cache
    assert enc.encoded == before and len(again.engine.sides[Side.SUPPLY].vectors) == 3
    assert reopened.suggestions(Side.DEMAND, "S-1")[0].offering_id == "O-1"


def test_sync_repairs_only_the_mismatched_ids(platform):
    side = platform.engine.sides[Side.SUPPLY]
    side.vectors.remove(["O-2"])
    side.lexical.remove(["O-2"])
    side.vectors.upsert(["ghost"], side.vectors.vectors(["O-1"]), ["x"])
    reports = {r.side: r for r in platform.engine.sync()}
    assert (reports[Side.SUPPLY].added, reports[Side.SUPPLY].removed) == (1, 1)
    assert set(side.vectors.hashes) == {"O-1", "O-2", "O-3"} == set(side.lexical.ids)


def test_edit_reindexes(platform):
    platform.update(Side.SUPPLY, "O-3", {**OFFERINGS[2], "title": "车身减重 轻量化 铝合金"}, "tester")
    assert "O-3" in {s.offering_id for s in platform.suggestions(Side.DEMAND, "S-1")[:2]}


def test_bad_submission_saves_nothing(platform):
    with pytest.raises(RecordValidationError):
        platform.submit(Side.DEMAND, {"title": "", "organization": "x"}, "tester")
    assert platform.store.count(Side.DEMAND) == 1


def test_catch_up_sees_records_written_by_another_process(platform):
    other = Platform.open(platform.settings, encoder=platform.engine.encoder)   # e.g. a CLI import
    other.submit(Side.SUPPLY, {**OFFERINGS[0], "id": "O-other", "title": "车身减重 碳纤维 轻量化 部件"},
                 "cli", status=RecordStatus.PUBLISHED)
    platform.catch_up(every_seconds=3600)
    assert "O-other" not in platform.engine.sides[Side.SUPPLY].vectors.hashes   # checked at most that often
    platform.catch_up(every_seconds=0)
    assert "O-other" in {s.offering_id for s in platform.suggestions(Side.DEMAND, "S-1")}
