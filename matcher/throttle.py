"""Attempt throttling with exponential backoff, kept in memory per process (thread-safe, bounded in size).

A key (a client, or an account seen from one client) may fail `free` − 1 times; the n-th failure from then on
blocks it for base × 2^(n − free) seconds, at most `cap`. A success resets the key. Because the account lock is
keyed by account *and* client, an attacker locks an account only for the client it attacks from: the real
user signing in from elsewhere is never blocked by it, and even on the same client the wait is bounded.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class _Entry:
    failures: int = 0
    blocked_until: dt.datetime | None = None
    last: dt.datetime | None = None


class Backoff:
    """Failures per key with exponential backoff. Forgets keys idle for `forget` and keeps at most `size`."""

    def __init__(self, free: int, base_seconds: float, cap_seconds: float, size: int = 100_000,
                 forget: dt.timedelta = dt.timedelta(hours=24)):
        self.free, self.base, self.cap, self.size, self.forget = free, base_seconds, cap_seconds, size, forget
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, key: str, now: dt.datetime) -> float:
        """Seconds the key must still wait before its next attempt (0 = may try now)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.blocked_until is None:
                return 0.0
            return max(0.0, (entry.blocked_until - now).total_seconds())

    def fail(self, key: str, now: dt.datetime) -> float:
        """Count a failure; returns the seconds of the block it starts (0 while failures are still free)."""
        with self._lock:
            entry = self._entries.pop(key, None) or _Entry()
            if entry.last is not None and now - entry.last > self.forget:
                entry = _Entry()
            entry.failures += 1
            entry.last = now
            extra = entry.failures - self.free
            block = min(self.cap, self.base * 2 ** min(extra, 30)) if extra >= 0 else 0.0
            entry.blocked_until = now + dt.timedelta(seconds=block) if block else None
            self._entries[key] = entry
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
            return block

    def failures(self, key: str) -> int:
        with self._lock:
            entry = self._entries.get(key)
            return entry.failures if entry else 0

    def reset(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def reset_prefix(self, prefix: str) -> None:
        """Forget every key that starts with prefix (an admin unlocks an account for all its clients)."""
        with self._lock:
            for key in [k for k in self._entries if k.startswith(prefix)]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass
class LoginThrottles:
    """The throttles of sign-in and registration, built from the settings' limits."""
    client: Backoff      # failed sign-ins from one client, whatever the account
    account: Backoff     # failed sign-ins on one account from one client
    register: Backoff    # registrations from one client (every one counts)

    @classmethod
    def build(cls, max_failures: int, lock_minutes: int, register_per_hour: int) -> "LoginThrottles":
        cap = lock_minutes * 60.0
        return cls(client=Backoff(free=4 * max_failures, base_seconds=1.0, cap_seconds=cap),
                   account=Backoff(free=max_failures, base_seconds=60.0, cap_seconds=cap),
                   register=Backoff(free=register_per_hour, base_seconds=3600.0, cap_seconds=3600.0,
                                    forget=dt.timedelta(hours=1)))

    def clear(self) -> None:
        for backoff in (self.client, self.account, self.register):
            backoff.clear()
