"""The Encoder protocol every backend implements, and the model profile that carries its calibration.

A profile belongs to a model, not to the fusion code: how high unrelated texts score (the cosine floor)
and how much the dense channel should count per language pair differ from model to model. Profiles are
JSON files fitted by `python -m matcher calibrate` (matcher/search/calibrate.py) from labelled sets.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from matcher.search.fusion import COVERAGE_FLOOR, DENSE_COSINE_FLOOR, DENSE_WEIGHT_MAX

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
PAIRS = ("zh", "en", "cross")     # language pairs the dense weight is fitted for: zh-zh, en-en, zh-en/en-zh


@dataclass(frozen=True)
class Calibration:
    """How one model's cosines enter the fused score (see matcher/search/fusion.py)."""

    cosine_floor: float = DENSE_COSINE_FLOOR    # cosine unrelated texts reach: mapped to 0
    dense_weight: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PAIRS, DENSE_WEIGHT_MAX))
    coverage_floor: float = COVERAGE_FLOOR      # below this share of readable tokens the dense channel gets no weight
    coverage_full: float = 1.0                  # from this share on, a text counts as fully readable

    def weight_for(self, pair: str) -> float:
        return float(self.dense_weight.get(pair, DENSE_WEIGHT_MAX))


@dataclass(frozen=True)
class ModelProfile:
    """What the platform needs to know about a model: identity, languages it reads, its calibration."""

    name: str
    dim: int
    languages: tuple[str, ...]
    calibration: Calibration = field(default_factory=Calibration)
    fitted: dict = field(default_factory=dict)   # how the calibration was fitted: sets, folds, figures

    def to_json(self) -> str:
        data = asdict(self)
        data["languages"] = list(self.languages)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ModelProfile:
        data = json.loads(text)
        return cls(name=data["name"], dim=int(data["dim"]), languages=tuple(data["languages"]),
                   calibration=Calibration(**data.get("calibration", {})), fitted=data.get("fitted", {}))


def safe_name(name: str) -> str:
    """A model name or path as one file or folder name (indexes, exports and profiles are kept per model)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[-80:]


def profile_path(model_name: str, folder: Path = PROFILE_DIR) -> Path:
    return folder / f"{safe_name(model_name)}.json"


def load_profile(model_name: str, dim: int, languages: tuple[str, ...],
                 folders: tuple[Path, ...] = (PROFILE_DIR,), base: str | None = None) -> ModelProfile:
    """The fitted profile of a model if one exists (first folder wins), else defaults for its languages.

    base: the model an encoder variant runs (an ONNX export of MiniLM, say): a profile fitted for the variant
    itself (`matcher calibrate` names it after the encoder) wins, else the base model's profile applies."""
    for name in dict.fromkeys(n for n in (model_name, base) if n):
        for folder in folders:
            path = profile_path(name, folder)
            if path.exists():
                profile = ModelProfile.from_json(path.read_text("utf-8"))
                if profile.dim == dim:
                    return profile
    return ModelProfile(model_name, dim, languages)


@runtime_checkable
class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dim: int
    profile: ModelProfile

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray: ...

    def coverage(self, text: str) -> float:
        """Share of the text's content the model can actually read (1.0 = all of it)."""
        ...


def normalise_rows(vecs: np.ndarray) -> np.ndarray:
    vecs = np.ascontiguousarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.where(norms == 0, 1, norms)
