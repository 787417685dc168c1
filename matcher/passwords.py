"""Passwords: argon2id hashing, the rule for new passwords (zxcvbn), and a constant cost for failed checks."""
from __future__ import annotations

import threading
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

MIN_PASSWORD = 8
MAX_PASSWORD = 256   # argon2 takes any length; zxcvbn is slow on very long input
MIN_STRENGTH = 2     # zxcvbn score 0-4: 2 = about a million guesses or more ("somewhat guessable" refused)

PAD_MARGIN = 0.1     # seconds added to every failed sign-in beyond 1.5 verifies; see pad_failure

_hasher = PasswordHasher()
_dummy: dict[int, tuple[str, float]] = {}   # per hasher: a hash to verify against, and what one verify costs
_lock = threading.Lock()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def dummy_hash() -> tuple[str, float]:
    """A hash with the live hasher's parameters (verified when there is no real one to check, so an unknown,
    locked or throttled account costs as long as a wrong password), and the fastest verify seen so far."""
    key = id(_hasher)
    with _lock:
        if key not in _dummy:
            hashed = _hasher.hash("not-a-real-password")
            _dummy[key] = (hashed, min(_timed_verify(hashed) for _ in range(2)))
        return _dummy[key]


def _timed_verify(hashed: str) -> float:
    start = time.perf_counter()
    verify_password(hashed, "calibration")
    return time.perf_counter() - start


def pad_failure(started: float) -> None:
    """Make a failed sign-in last at least 1.5 unloaded verifies plus PAD_MARGIN from `started` (perf_counter),
    so the differences between failure paths (a database write or not) cannot be timed from outside. The
    floor uses the fastest verify measured (a busy machine must not inflate it); the margin covers a
    sign-in-count write on a slow disk (CI measured ~20 ms for it)."""
    floor = 1.5 * dummy_hash()[1] + PAD_MARGIN
    rest = floor - (time.perf_counter() - started)
    if rest > 0:
        time.sleep(rest)


def password_problem(password: str | None, *related: str | None) -> tuple[str, str] | None:
    """Why a new password is refused, as (en, zh); None when it is acceptable.

    Refused: shorter than MIN_PASSWORD, only whitespace, longer than MAX_PASSWORD, and anything zxcvbn
    scores below MIN_STRENGTH (common passwords, keyboard walks, repeats, dates, words from the e-mail or
    organization given in related)."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        return (f"The password needs at least {MIN_PASSWORD} characters.", f"密码至少需要 {MIN_PASSWORD} 个字符。")
    if not password.strip():
        return ("The password cannot be only spaces.", "密码不能只由空格组成。")
    if len(password) > MAX_PASSWORD:
        return (f"The password may have at most {MAX_PASSWORD} characters.", f"密码最多 {MAX_PASSWORD} 个字符。")
    inputs = [part for text in related if text for part in str(text).replace("@", " ").replace(".", " ").split()]
    own = {str(text).strip().lower() for text in related if text} | {i.lower() for i in inputs}
    if password.strip().lower() in own:
        return ("The password cannot be your e-mail address or organization.", "密码不能与邮箱或单位名称相同。")
    if zxcvbn(password, user_inputs=inputs[:20])["score"] < MIN_STRENGTH:
        return ("This password is too common or too easy to guess; use a longer phrase or mix in more words.",
                "该密码过于常见或容易被猜中，请使用更长的短语或组合更多单词。")
    return None
