import json

import numpy as np
import pytest

from matcher.search.lexical import TOKENIZER_VERSION, LexicalIndex, expand, tokenize
from matcher.domain.taxonomy import Taxonomy

TAX = Taxonomy(industries={}, synonym_groups=[("机器视觉", "machine vision", "视觉检测"),
                                              ("无人机", "drone", "uav")])


def test_tokenize_chinese_words_and_characters():
    toks = tokenize("一个人正在切黄瓜。")
    assert "黄瓜" in toks and "黄" in toks and "瓜" in toks and "切" in toks
    assert "一个" not in toks and "。" not in toks


def test_tokenize_english_lowercase_stopwords_possessive():
    assert tokenize("The Company’s Drones are inspecting a SOLAR farm!") == \
        ["company", "drones", "inspecting", "solar", "farm"]


def test_tokenize_mixed_and_fullwidth():
    toks = tokenize("基于AI的缺陷检测，准确率９９％ IoT")
    assert {"ai", "缺陷", "检测", "99", "iot"} <= set(toks)
    assert "的" not in toks


def test_tokenize_empty_and_only_stopwords():
    assert tokenize("") == [] and tokenize(None) == []
    assert tokenize("the of and 的 了") == []


def test_expand_finds_multiword_terms_across_languages():
    extra = expand(tokenize("基于机器视觉的质检"), TAX)
    assert {"machine", "vision"} <= set(extra)
    assert "机器" not in extra                       # already in the query
    assert {"无人机", "uav"} <= set(expand(tokenize("drone survey"), TAX))
    assert expand(tokenize("a girl brushes her hair"), TAX) == []
    assert expand(["drone"], None) == []


def _index():
    ix = LexicalIndex(TAX)
    ix.build(["o1", "o2", "o3"], ["无人机巡检光伏电站", "UAV patrol of power lines", "一个女孩在梳头"])
    return ix


def test_index_scores_top_and_candidate_order():
    ix = _index()
    assert len(ix) == 3 and ix.ids == ["o1", "o2", "o3"]
    top = ix.top("无人机巡检", 5)
    assert top[0][0] == "o1" and all(s > 0 for _, s in top)
    s = ix.scores("无人机巡检", ["o3", "missing", "o1"])
    assert s.shape == (3,) and s[0] == 0 and s[1] == 0 and s[2] == pytest.approx(top[0][1])
    assert ix.scores("梳头").shape == (3,)
    assert ix.top("", 5) == [] and ix.top("zzz unknownword", 5) == []


def test_expansion_is_down_weighted():
    full, down = LexicalIndex(TAX, expansion_weight=1.0), LexicalIndex(TAX, expansion_weight=0.3)
    off = LexicalIndex(TAX, use_taxonomy=False)
    for ix in (full, down, off):
        ix.build(["d1", "d2"], ["uav inspection", "drone inspection"])
    q = "drone inspection"
    assert off.scores(q, ["d1"])[0] < down.scores(q, ["d1"])[0] < full.scores(q, ["d1"])[0]
    assert down.top(q, 2)[0][0] == "d2"               # the written word still beats its synonym


def test_add_remove_rebuild_lazily():
    ix = _index()
    ix.add(["o4"], ["drone mapping service"])
    assert ix.top("drone", 1)[0][0] in {"o1", "o2", "o4"}
    ix.add(["o3"], ["hair brushing robot"])          # replace
    assert ix.top("hair", 1)[0][0] == "o3" and ix.scores("梳头", ["o3"])[0] == 0
    ix.remove(["o1", "o2", "nope"])
    assert ix.ids == ["o3", "o4"]
    assert [rid for rid, _ in ix.top("无人机", 5)] == ["o4"]
    ix.remove(ix.ids)
    assert len(ix) == 0 and ix.top("drone", 3) == [] and ix.scores("drone", ["o4"]).tolist() == [0.0]


def test_self_score_is_the_score_of_the_query_as_a_document():
    ix = LexicalIndex(use_taxonomy=False)
    ix.build(["a", "b", "c"], ["solar panel cleaning robot", "wind turbine blade repair", "solar farm"])
    q = "solar panel cleaning robot"
    # the query is a document here, so its own BM25 score is exactly its self score
    assert ix.self_score(q) == pytest.approx(ix.scores(q, ["a"])[0], rel=1e-5)
    assert ix.self_score("") == 0.0


def test_matched_terms_show_words_and_synonyms():
    ix = _index()
    terms = ix.matched_terms("drone patrol", "UAV patrol of power lines")
    assert terms == ["patrol", "uav"]
    assert ix.matched_terms("无人机巡检", "无人机巡检光伏电站") == ["无人机", "巡检"]   # no lone characters


def test_save_load_roundtrip(tmp_path):
    ix = _index()
    ix.save(tmp_path)
    back = LexicalIndex.load(tmp_path, taxonomy=TAX)
    assert back.ids == ix.ids
    assert np.allclose(back.scores("无人机巡检"), ix.scores("无人机巡检"))


def test_load_discards_index_from_older_tokenizer(tmp_path):
    _index().save(tmp_path)
    state = json.loads((tmp_path / "lexical.json").read_text(encoding="utf-8"))
    state["tokenizer_version"] = TOKENIZER_VERSION - 1
    (tmp_path / "lexical.json").write_text(json.dumps(state), encoding="utf-8")
    assert len(LexicalIndex.load(tmp_path)) == 0


def test_records_added_after_a_build_score_like_built_ones_without_a_rebuild():
    texts = {f"d{i}": f"文档 {i} 普通 内容 record {i}" for i in range(50)}
    texts["hit"] = "石墨烯 导热膜 散热 graphene"
    built = LexicalIndex(use_taxonomy=False)
    built.build(list(texts), list(texts.values()))
    incremental = LexicalIndex(use_taxonomy=False)
    incremental.build([k for k in texts if k != "hit"], [v for k, v in texts.items() if k != "hit"])
    incremental.top("warm up", 1)                      # builds the base index
    base = incremental._bm25
    incremental.add(["hit"], [texts["hit"]])
    got = incremental.search("石墨烯 散热", 3)
    assert incremental._bm25 is base                   # no rebuild for one record
    assert got.top[0][0] == "hit"
    assert got.top[0][1] == pytest.approx(built.top("石墨烯 散热", 1)[0][1], rel=0.05)


def test_removed_and_replaced_records_are_masked_until_rebuild():
    ix = LexicalIndex(use_taxonomy=False)
    ix.build(["a", "b", "c"], ["碳纤维 车身", "电池 回收", "光伏 清洗"])
    ix.top("x", 1)
    ix.remove(["a"])
    assert "a" not in dict(ix.top("碳纤维", 3))
    ix.add(["b"], ["碳纤维 轻量化"])                   # replaced text: old words gone, new ones found
    assert dict(ix.top("碳纤维", 3)).keys() == {"b"}
    assert ix.scores("电池", ["b", "c"]).tolist() == [0.0, 0.0]
    assert sorted(ix.ids) == ["b", "c"]


def test_records_hold_token_ids_into_one_vocabulary(tmp_path):
    """Before: lists of fresh token strings (6.1 KB per composed record, 73 tokens), then tuples of shared
    strings (0.65 KB); now arrays of 2-byte token ids into one vocabulary, also after a save and load, and
    the same tokens come back out."""
    index = LexicalIndex(taxonomy=None, use_taxonomy=False)
    index.build(["a", "b"], ["机器视觉检测焊缝 weld seam", "焊缝机器视觉 weld inspection"])
    a, b = index._docs["a"], index._docs["b"]
    assert a.typecode == "H" and a.itemsize == 2
    assert index.tokens_of("a") == tokenize("机器视觉检测焊缝 weld seam") and index.tokens_of("zz") is None
    assert {"weld", "焊缝"} <= set(index.tokens_of("a")) & set(index.tokens_of("b"))
    assert set(a) & set(b) == {index._vocab[t] for t in set(index.tokens_of("a")) & set(index.tokens_of("b"))}
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    assert loaded.tokens_of("b") == index.tokens_of("b") and loaded._docs["a"].typecode == "H"
    assert loaded.top("weld seam", 1)[0][0] == "a"
    assert loaded.nbytes() > 0


def test_token_ids_widen_past_65536_tokens():
    """A record whose tokens include an id beyond 2 bytes is held as 4-byte ids; older records stay as they are."""
    index = LexicalIndex(taxonomy=None, use_taxonomy=False)
    index.build(["big", "small"], [" ".join(f"w{i}" for i in range(66_000)), "seam weld"])
    assert index._docs["small"].typecode == "I"   # its ids came after 66,000 others
    index.add(["late"], ["w65999 zebra"])
    assert index._docs["late"].typecode == "I" and index.tokens_of("late") == ["w65999", "zebra"]
    assert index.top("zebra", 1)[0][0] == "late" and index.top("seam", 1)[0][0] == "small"
