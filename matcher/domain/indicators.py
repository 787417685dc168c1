"""Scenario indicators (量化指标): the ';'-separated targets a scenario states, as a list."""
from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[;；\n]+")


def split_indicators(text: str | None) -> list[str]:
    """'每站年节电≥40万kWh;设备可用率≥99%' -> ['每站年节电≥40万kWh', '设备可用率≥99%'] (blanks and repeats dropped)."""
    out: list[str] = []
    for part in _SEPARATORS.split(text or ""):
        if (part := part.strip()) and part not in out:
            out.append(part)
    return out
