"""The hot path without SQL: matches read candidates, lifts and the query vector from memory (search/facts.py),
and give exactly what the database path gave (same ids, scores, channels, terms, reasons, indicators), on the
demo data, after edits, status changes and tag decisions, in the writing process and in a follower."""
import time

import numpy as np
import pytest

from matcher.config import Settings
from matcher.domain.records import RecordStatus, Side, record_text
from matcher.search import evidence
from matcher.search.engine import CANDIDATES_PER_CHANNEL, OTHER
from matcher.search.ranking import rank_candidates, same_organisation
from matcher.service import Platform
from matcher.workflow import organisations

pytestmark = pytest.mark.backends("sqlite", "postgresql")


def legacy_suggestions(platform: Platform, side: Side, query: dict, lifted: bool = True) -> list[dict]:
    """Today's (before this change) path, kept here as the reference: the query vector through the embedding
    cache, candidate rows and lifts fetched from the database."""
    engine, store = platform.engine, platform.store
    target = engine.sides[OTHER[side]]
    text = record_text(query)
    qvec = engine.embed([text], remember=query.get("id") is not None)
    lex = target.lexical.search(text, CANDIDATES_PER_CHANNEL)
    pool = {rid for rid, _ in target.vectors.search(qvec, CANDIDATES_PER_CHANNEL)[0]} | {r for r, _ in lex.top}
    pool.discard(query.get("id"))
    ids = sorted(pool)
    if not ids:
        return []
    dense, lexical = target.vectors.vectors(ids) @ qvec[0], lex.scores_for(ids)
    doc_cov = np.array([target.coverage.get(rid, 1.0) for rid in ids])
    rows = {r["id"]: r for r in engine._fetch(OTHER[side], ids)
            if r["status"] == RecordStatus.PUBLISHED and not same_organisation(query, r)}
    keep = [i for i, rid in enumerate(ids) if rid in rows]
    cands = [rows[ids[i]] for i in keep]
    lifts = None
    if lifted:
        other, cfg = OTHER[side], platform.settings
        lifts = (evidence.tag_lifts(organisations.verified_tags_by_record(store, other), cfg.tag_lift_max)
                 if organisations.tag_signal_on(store) else {})
        if side == Side.DEMAND:
            hits = platform.similar_cases(query)
            suppliers = organisations.records_of_case_suppliers(store, [h.id for h in hits])
            lifts = evidence.merge(lifts, evidence.case_lifts([(h.id, h.score) for h in hits], suppliers,
                                                              cfg.case_lift_max))
    found = rank_candidates(query, side, cands, dense[keep], lexical[keep], engine.encoder.coverage(text),
                            doc_cov[keep], lambda i: target.lexical.matched_terms(text, record_text(cands[i]),
                                                                                 lex.terms),
                            platform.settings.top_k, lexical_ref=lex.self_score,
                            calibration=engine.encoder.profile.calibration, lifts=lifts, learned=engine.learned)
    return [s.to_dict() for s in found]


FREE_TEXT = ["电池包散热 导热材料", "machine vision defect inspection on solar cells", "工业互联网 设备预测性维护"]


def assert_same_as_legacy(platform: Platform, also: tuple[str, ...] = ()) -> int:
    """Every 6th published record of each side (the records in `also` too) and a few free texts: the in-memory
    path equals the reference. Returns how many record queries had suggestions."""
    compared = 0
    for side in Side:
        for n, record in enumerate(platform.store.list_records(side, RecordStatus.PUBLISHED)):
            if n % 6 and record["id"] not in also:
                continue
            new = [s.to_dict() for s in platform.suggestions(side, record["id"])]
            assert new == legacy_suggestions(platform, side, record), (side, record["id"])
            compared += bool(new)
        for text in FREE_TEXT:
            new = [s.to_dict() for s in platform.engine.match_text(text, side)]
            assert new == legacy_suggestions(platform, side, {"id": None, "title": text, "description": ""},
                                             lifted=False)
    return compared


def _settings(tmp_path, db_url) -> Settings:
    # float32: a stored record's query vector comes from its index entry, which float16 storage rounds (cosines
    # move by ~1e-4, benchmarks/RESULTS.md "Vector precision"); the old path read the float32 cached vector.
    return Settings(var_dir=tmp_path / "var", db_url=db_url, encoder="fake", seed_demo=False, demo_accounts=False,
                    vector_precision="float32")


def test_in_memory_matches_equal_the_database_path_through_edits_status_tags_and_a_restart(tmp_path, db_url):
    writer = Platform.open(_settings(tmp_path, db_url))
    assert writer.seed_demo()
    reader = Platform.open(_settings(tmp_path, db_url), follow=True)   # another app process on the database
    try:
        # No SQL while matching free text, and no embedding-cache lookup for it either.
        cache_fail = lambda *a, **k: pytest.fail("free text must not go through the embedding cache")  # noqa: E731
        writer.store.get_embeddings = writer.store.put_embeddings = cache_fail
        writer.engine._fetch = lambda *a, **k: pytest.fail("candidates must come from memory")
        assert writer.engine.match_text("电池包散热", Side.DEMAND)
        del writer.store.get_embeddings, writer.store.put_embeddings, writer.engine._fetch
        assert assert_same_as_legacy(writer) > 40

        offers = writer.store.list_records(Side.SUPPLY, RecordStatus.PUBLISHED)
        scenarios = writer.store.list_records(Side.DEMAND, RecordStatus.PUBLISHED)
        editable = ("title", "description", "organization", "industry", "region", "keywords", "maturity")
        moved = {k: offers[0][k] for k in editable} | {"region": "溧阳市", "maturity": "lab"}   # same text
        writer.update(Side.SUPPLY, offers[0]["id"], moved, "test")
        reworded = {k: offers[1][k] for k in editable} | {"description": offers[1]["description"] + " 石墨烯散热膜"}
        writer.update(Side.SUPPLY, offers[1]["id"], reworded, "test")
        writer.set_status(Side.SUPPLY, offers[2]["id"], RecordStatus.WITHDRAWN, "test", note="expired")
        writer.set_status(Side.DEMAND, scenarios[0]["id"], RecordStatus.WITHDRAWN, "test", note="solved")
        claim = organisations.list_tags(writer.store, "pending")[0]      # a claimed tag an official verifies
        organisations.decide_tag(writer.store, claim["id"], True, "official@test")
        held = [t for t in organisations.list_tags(writer.store, "verified") if t["id"] != claim["id"]][0]
        organisations.decide_tag(writer.store, held["id"], False, "official@test", "certificate expired")

        assert offers[2]["id"] not in writer.engine.sides[Side.SUPPLY].facts
        assert writer.engine.sides[Side.SUPPLY].facts.records([offers[0]["id"]])[0]["region"] == "溧阳市"
        tagged = writer.engine.sides[Side.SUPPLY].facts.tagged()
        assert set(tagged) <= {r["id"] for r in writer.store.list_records(Side.SUPPLY, RecordStatus.PUBLISHED)}
        touched = (offers[0]["id"], offers[1]["id"])
        assert assert_same_as_legacy(writer, touched) > 40

        deadline = time.monotonic() + 10
        while reader.feed.last_id < writer.feed_head():
            assert time.monotonic() < deadline, "the follower did not catch up"
            time.sleep(0.05)
        assert reader.engine.sides[Side.SUPPLY].facts.tagged() == tagged
        assert assert_same_as_legacy(reader, touched) > 40
    finally:
        reader.close()
        writer.close()
    again = Platform.open(_settings(tmp_path, db_url))   # a restart: indexes load from disk, facts are rebuilt
    try:
        assert len(again.engine.sides[Side.SUPPLY].facts) == len(again.engine.sides[Side.SUPPLY].vectors) > 200
        assert again.engine.sides[Side.SUPPLY].facts.tagged() == tagged
        assert assert_same_as_legacy(again) > 40
    finally:
        again.close()



def test_one_submit_encodes_its_text_once(tmp_path):
    """Duplicate check (free text), suggestions of the saved pending record, similar cases and case lifts all need
    the same text's vector: the process keeps its last vectors, so the encoder runs once, and the database
    cache is read at most once."""
    platform = Platform.open(_settings(tmp_path, ""))
    assert platform.seed_demo()
    engine, encoded, lookups = platform.engine, [], []
    inner_encode, inner_lookup = engine.encoder.encode, platform.store.get_embeddings
    engine.encoder.encode = lambda texts, **kw: encoded.extend(texts) or inner_encode(texts, **kw)
    platform.store.get_embeddings = lambda *a: lookups.append(a) or inner_lookup(*a)
    draft = {"title": "锂电池包快充温升过高", "description": "需要导热材料或液冷板，把电芯温差控制在3℃以内。",
             "organization": "常州某储能公司", "industry": "batteries_storage", "region": "武进区",
             "contact_name": "王工", "contact_email": "wang@example.com"}
    platform.near_duplicates(Side.DEMAND, draft)
    record_id = platform.submit(Side.DEMAND, draft, actor="wang@example.com")
    platform.suggestions(Side.DEMAND, record_id)
    platform.similar_cases(platform.store.get_record(Side.DEMAND, record_id))
    assert encoded == [record_text(draft)] and len(lookups) <= 1
