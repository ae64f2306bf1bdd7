"""The schedule rows this process last wrote or read, per (person, card): a bounded guess.

A review is written in one round trip when its writer knows the row it will replace
(`ReviewRepo.record_review`); this remembers what the row was the last time this process
saw it. Only ever a guess: another process, a rolled-back transaction or a deletion may
have changed the row since, and the write checks the guess against the row itself.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

CAPACITY = 50_000
"""Entries kept; the least recently used goes first (full: about 28 MB, measured with
tracemalloc for 50,000 entries of a 185-character FSRS state and Discord-sized ids)."""


class Schedule(NamedTuple):
    """What a review is computed from and checked against: the stored row's columns."""

    state: str
    """The FSRS state as stored (JSON text, compared as text)."""
    reps: int
    lapses: int


class KnownSchedules:
    """A thread-safe LRU of `Schedule`s by (user id, card id); capacity 0 keeps none."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._rows: dict[tuple[str, str], Schedule] = {}  # insertion order is recency
        self._lock = threading.Lock()

    def get(self, user_id: str, card_id: str) -> Schedule | None:
        """The row last seen, or None (never seen, forgotten, or pushed out)."""
        key = (user_id, card_id)
        with self._lock:
            row = self._rows.pop(key, None)
            if row is not None:
                self._rows[key] = row
            return row

    def put(self, user_id: str, card_id: str, row: Schedule | None) -> None:
        """Remember the row as just written or read (None: there is none)."""
        key = (user_id, card_id)
        with self._lock:
            self._rows.pop(key, None)
            if row is None:
                return
            self._rows[key] = row
            while len(self._rows) > self.capacity:
                del self._rows[next(iter(self._rows))]

    def drop_user(self, user_id: str) -> None:
        """Forget every row of one person (their rows were deleted)."""
        with self._lock:
            for key in [k for k in self._rows if k[0] == user_id]:
                del self._rows[key]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._rows.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)
