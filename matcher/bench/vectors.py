"""Corpus vectors for the benchmark: real encodings cached on disk, perturbed copies beyond a budget."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from matcher.domain.records import content_hash

SAVE_EVERY = 10_000   # texts encoded between two writes of the cache file
NOISE = 0.75   # per-vector Gaussian noise norm: a perturbed copy has cosine ~0.8 to its source


def rss_mb() -> float:
    """Resident set size of this process (Linux /proc), MB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def settled_rss_mb() -> float:
    """RSS after a full garbage collection and giving free heap pages back to the OS (what the engine does after
    a bulk sync), so transient garbage of the step before is not counted as held memory."""
    import gc

    from matcher.search.engine import release_freed_memory

    gc.collect()
    release_freed_memory()
    return rss_mb()


def perturb(src: np.ndarray, rng: np.random.Generator, noise: float = NOISE) -> np.ndarray:
    """Unit vectors near src: src plus isotropic Gaussian noise of norm ~noise, renormalised."""
    out = src + rng.normal(0, noise / np.sqrt(src.shape[1]), src.shape).astype(np.float32)
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def random_unit(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    out = rng.standard_normal((n, dim), dtype=np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


class VectorCache:
    """Vectors of corpus texts by content hash, kept on disk so a 10k run reuses the 1k run's work."""

    def __init__(self, path: Path, encoder):
        self.path, self.encoder, self.vecs = path, encoder, {}
        if path.exists():
            data = np.load(path)
            self.vecs = dict(zip(data["hashes"].tolist(), data["vectors"]))

    def get(self, texts: list[str], real_budget: int, seed: int = 0) -> tuple[np.ndarray, int]:
        """Vectors for texts: real ones for the first `real_budget`, the rest perturbed copies of real ones.

        Returns (vectors, number of real vectors). A perturbed vector is a real vector of another
        composed text plus Gaussian noise (cosine ~0.8 to it), renormalised: embedding-like norms and
        neighbourhoods without encoding every text on 2 cores. Its record's lexical entry is still its
        own text, so only the dense channel of those records is synthetic.
        """
        hashes = [content_hash(t) for t in texts]
        n_real = min(real_budget, len(texts))
        todo = [i for i in range(n_real) if hashes[i] not in self.vecs]
        for start in range(0, len(todo), SAVE_EVERY):   # saved per chunk: an interrupted 100k encode resumes
            chunk = todo[start:start + SAVE_EVERY]
            fresh = self.encoder.encode([texts[i] for i in chunk], batch_size=64, progress=False)
            self.vecs.update({hashes[i]: np.asarray(v, np.float32) for i, v in zip(chunk, fresh)})
            self._save()
        dim = self.encoder.dim
        out = np.stack([self.vecs[h] for h in hashes[:n_real]]) if n_real else np.zeros((0, dim), np.float32)
        if n_real < len(texts):
            rng = np.random.default_rng(seed)
            out = np.vstack([out, perturb(out[rng.integers(0, n_real, len(texts) - n_real)], rng)])
        return out.astype(np.float32), n_real

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, hashes=np.array(list(self.vecs)), vectors=np.stack(list(self.vecs.values())))
        tmp.replace(self.path)

    def real(self) -> np.ndarray:
        """Every real vector in the cache."""
        return np.stack(list(self.vecs.values())).astype(np.float32)


class PrecomputedEncoder:
    """The real encoder, except that texts with a precomputed vector are looked up (bulk ingest only).

    Counts the texts it really encodes, so the add-one measurement can show it encoded exactly one.
    """

    def __init__(self, encoder, known: dict[str, np.ndarray]):
        self.inner, self.known = encoder, known
        self.name, self.dim, self.profile = encoder.name, encoder.dim, encoder.profile
        self.encoded = 0

    def encode(self, texts, batch_size=64, progress=False):
        missing = [t for t in texts if t not in self.known]
        self.encoded += len(missing)
        fresh = dict(zip(missing, self.inner.encode(missing))) if missing else {}
        return np.stack([self.known.get(t, fresh.get(t)) for t in texts]) if texts else self.inner.encode([])

    def coverage(self, text):
        return self.inner.coverage(text)
