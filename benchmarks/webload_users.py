"""What the web load test's simulated users share, whichever client they use: their accounts, the password,
the scenario texts they submit, the step time-out and the loop of journeys (benchmarks/webload.py)."""
from __future__ import annotations

import os
import random
import secrets
import time

# Throw-away accounts on a throw-away database: a fresh password per run, handed to the seeding process.
PASSWORD = os.environ.setdefault("MATCHER_WEBLOAD_PASSWORD", secrets.token_urlsafe(12))
WORDS = ("graphene film", "battery pack", "thermal management", "machine vision", "defect detection", "solar cells",
         "heat pump", "waste heat", "predictive maintenance", "industrial robot", "carbon fibre", "lightweighting",
         "hydrogen storage", "fuel cell", "power electronics", "motor drive", "energy storage", "smart grid",
         "water treatment", "membrane filtration", "sensor network", "edge computing", "digital twin",
         "laser welding", "3D printing", "coating", "corrosion", "noise reduction", "cold chain", "logistics",
         "medical imaging", "rehabilitation", "new materials", "semiconductor", "wafer inspection", "LED lighting")
STEP_TIMEOUT_MS = 120_000


def email_of(i: int) -> str:
    return f"load{i:02d}-{'official' if i % 2 else 'enterprise'}@load.test"


def scenario_text(i: int, n: int) -> tuple[str, str, str]:
    """Title, description and keywords of user i's n-th scenario: a different text every time (near-copies of
    earlier submissions would, rightly, stop at the app's near-duplicate warning instead of saving)."""
    words = random.Random(i * 1000 + n).sample(WORDS, 9)
    return (f"{words[0]} {words[1]} needed for {words[2]}",
            f"We look for {words[3]} and {words[4]} to solve {words[5]} problems in our {words[6]} line; "
            f"{words[7]} or {words[8]} experience is welcome.", "; ".join(words[:3]))


class SimulatedUser:
    """User i (officials odd, enterprises even) on one app process, running journeys until the deadline."""

    def __init__(self, i: int, url: str, deadline: float, stats: dict):
        self.i, self.url, self.deadline, self.stats = i, url, deadline, stats
        self.official = bool(i % 2)

    async def journey(self, n: int) -> None:
        raise NotImplementedError

    async def loop(self) -> None:
        n = 0
        while time.monotonic() < self.deadline:
            n += 1
            try:
                await self.journey(n)
            except Exception as exc:  # noqa: BLE001 - counted: an error a user would have met
                self.stats["errors"].append(f"user {self.i} journey {n}: {type(exc).__name__}: {str(exc)[:300]}")

