"""How often refusals of requests nobody signed in for are written to the audit log.

Anyone can send requests without signing in, so an entry for each would let them flood the
log (and, on SQLite, take the write lock for every one). Per address and kind of refusal, a
process writes the first in each 15-minute window and only counts the rest; the next entry
for that address and kind says how many were not written. Refusals of signed-in users are
all written: their name is on them. Counts are per process, which bounds the entries at one
per address, kind, window and worker; no other server needs them.
"""
from __future__ import annotations

import threading
import time

WINDOW_SECONDS = 15 * 60
MAX_KEYS = 10_000  # addresses tracked at once; past that, old windows are dropped first


class Tally:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}  # key -> (window start, not written)

    def admit(self, key: tuple[str, str]) -> int | None:
        """None: only count this one. Otherwise write an entry; the number is how many
        refusals of this key were counted and not written before it."""
        now = time.monotonic()
        with self._lock:
            started, held = self._windows.get(key, (None, 0))
            if started is not None and now - started < WINDOW_SECONDS:
                self._windows[key] = (started, held + 1)
                return None
            if len(self._windows) >= MAX_KEYS:
                self._windows = {k: v for k, v in self._windows.items() if now - v[0] < WINDOW_SECONDS}
                if len(self._windows) >= MAX_KEYS:
                    return None  # a flood from very many addresses: counted by none, written by none
            self._windows[key] = (now, 0)
            return held
