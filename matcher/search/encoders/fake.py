"""A deterministic fake encoder for tests that do not judge quality (fast, no model files)."""
from __future__ import annotations

import hashlib
import re

import numpy as np

from matcher.domain.records import CJK_CHAR
from matcher.search.encoders.base import ModelProfile, normalise_rows


class FakeEncoder:
    """Hashed bag of words and CJK character bigrams."""

    def __init__(self, dim: int = 256, reads_cjk: bool = True):
        self.name, self.dim, self.reads_cjk = f"fake-{dim}", dim, reads_cjk
        self.profile = ModelProfile(self.name, dim, ("zh", "en") if reads_cjk else ("en",))

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            low = text.lower()
            cjk = "".join(CJK_CHAR.findall(low))
            features = re.findall(r"[a-z0-9]+", low) + [cjk[j:j + 2] for j in range(len(cjk) - 1)]
            for feature in features:
                h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=4).digest(), "big")
                out[i, h % self.dim] += 1.0
        return normalise_rows(out)

    def coverage(self, text: str) -> float:
        if self.reads_cjk or not text:
            return 1.0
        return 1.0 - len(CJK_CHAR.findall(text)) / len(text)
