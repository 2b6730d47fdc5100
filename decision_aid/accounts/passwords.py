"""Password hashing (argon2id) and the password rules."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 1024  # long passphrases are welcome; this only stops absurd inputs
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_COMMON = frozenset(FREQUENCY_LISTS["passwords"])

# A check takes ~0.1 s of both cores. More than one at a time per process only queue behind each
# other on the CPU while holding every worker thread, so a burst of sign-ins made signed-in
# clinicians' pages wait seconds; past a short wait a sign-in is asked to try again instead.
CONCURRENT_CHECKS = 1
CHECK_QUEUE_SECONDS = 0.1
_check_slots = threading.BoundedSemaphore(CONCURRENT_CHECKS)


class Busy(RuntimeError):
    """Too many password checks at once in this process: try again in a moment."""


@contextmanager
def check_slot() -> Iterator[None]:
    if not _check_slots.acquire(timeout=CHECK_QUEUE_SECONDS):
        raise Busy
    try:
        yield
    finally:
        _check_slots.release()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against this costs as much as a real check, so a missing account takes as long.
_DUMMY_HASH = hash_password("not-a-real-password-for-timing")


def verify_nobody(password: str) -> bool:
    verify_password(_DUMMY_HASH, password)
    return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def _own_words(email: str, name: str) -> list[str]:
    """The parts of a person's e-mail address and name that someone guessing would try first."""
    local = email.strip().lower().split("@")[0]
    name = name.lower().split("@")[0]  # a name may be the e-mail address (create-user's default)
    words = [local, *re.split(r"[^a-z]+", local), *re.split(r"[^a-z]+", name)]
    return sorted({w for w in (re.sub(r"[^a-z]", "", w) for w in words) if len(w) >= 4})


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused, in plain words, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters. A few unrelated words make a good password."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in _COMMON or lowered.rstrip("0123456789!") in _COMMON:
        return "This password is too common. Choose one that others are unlikely to use."
    own = _own_words(email, name)
    letters = re.sub(r"[^a-z]", "", lowered)
    if any(word in letters for word in own):
        return "Do not use your name or e-mail address in your password."
    # zxcvbn refuses more than 72 characters (its cost grows with length); that much is enough to judge.
    if zxcvbn(password[:72], user_inputs=[email, name, *own, "runner", "knee", "clinic"])["score"] < 3:
        return "This password is too easy to guess. Add another word or two."
    return None
