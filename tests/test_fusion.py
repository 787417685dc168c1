import numpy as np
import pytest

from matcher.search import fusion


def test_dense_weight_falls_with_coverage():
    covs = [1.0, 0.9, 0.75, 0.6, 0.5, 0.3, 0.0]
    ws = [fusion.dense_weight(c, 1.0) for c in covs]
    assert ws[0] == pytest.approx(fusion.DENSE_WEIGHT_MAX)
    assert all(a > b for a, b in zip(ws[:4], ws[1:5]))
    assert ws[-1] == ws[-2] == 0.0           # text the model cannot read gets no dense weight


def test_dense_weight_uses_the_less_readable_side():
    w = fusion.dense_weight(1.0, np.array([1.0, 0.75, 0.2]))
    assert w[0] > w[1] > w[2] == 0.0
    assert fusion.dense_weight(0.75, 1.0) == pytest.approx(w[1])


def test_fuse_is_monotone_in_each_channel():
    rng = np.random.default_rng(0)
    dense, lex = rng.uniform(-0.1, 1, 50), rng.uniform(0, 8, 50)
    base = fusion.fuse(dense, lex, 1.0, lexical_ref=6.0)
    up_d = fusion.fuse(dense + 0.05, lex, 1.0, lexical_ref=6.0)
    up_l = fusion.fuse(dense, lex + 0.5, 1.0, lexical_ref=6.0)
    assert np.all(up_d >= base) and np.all(up_l >= base)
    assert np.all((base >= 0) & (base <= 1))


def test_fuse_falls_back_to_lexical_when_model_cannot_read():
    dense = np.array([0.9, 0.2])        # [UNK]-heavy texts look alike to the model
    lex = np.array([1.0, 4.0])
    out = fusion.fuse(dense, lex, query_coverage=0.3, lexical_ref=4.0)
    assert out == pytest.approx([0.25, 1.0])
    assert fusion.fuse(dense, lex, query_coverage=1.0, lexical_ref=4.0)[0] > 0.7


def test_fuse_scores_are_absolute_not_stretched():
    # A list of weak candidates must stay weak: min-max would call the best of them 1.0.
    dense, lex = np.array([0.15, 0.10, 0.05]), np.array([0.4, 0.2, 0.0])
    out = fusion.fuse(dense, lex, 1.0, lexical_ref=5.0)
    assert out.max() < 0.35
    strong = fusion.fuse(np.array([0.9]), np.array([4.5]), 1.0, lexical_ref=5.0)
    assert strong[0] > 0.8


def test_normalisers():
    assert fusion.normalise_dense(np.array([-0.3, 0.4, 1.2]), floor=0.0) == pytest.approx([0.0, 0.4, 1.0])
    assert fusion.normalise_dense(np.array([0.1, 0.3, 0.65, 1.0]), floor=0.3) == pytest.approx([0, 0, 0.5, 1])
    assert fusion.normalise_lexical(np.array([0.0, 2.0, 3.0]), 4.0) == pytest.approx([0, 0.5, 0.75])
    # a candidate above the reference raises it rather than being clipped (order is kept)
    assert fusion.normalise_lexical(np.array([0.0, 2.0, 8.0]), 4.0) == pytest.approx([0, 0.25, 1.0])
    assert fusion.normalise_lexical(np.array([1.0, 2.0])) == pytest.approx([0.5, 1.0])   # no reference
    assert fusion.normalise_lexical(np.zeros(3)) == pytest.approx([0, 0, 0])


def test_readable_and_unreadable_candidates_share_one_scale():
    # An unrelated record the model can read (background cosine) must not out-rank a record the
    # model cannot read that shares real words with the query.
    out = fusion.fuse(np.array([0.25, 0.25]), np.array([0.0, 2.0]), query_coverage=1.0,
                      doc_coverage=np.array([1.0, 0.3]), lexical_ref=4.0)
    assert out[0] == pytest.approx(0.0) and out[1] == pytest.approx(0.5)


def test_fuse_rejects_misaligned_arrays():
    with pytest.raises(ValueError):
        fusion.fuse(np.zeros(2), np.zeros(3), 1.0)
