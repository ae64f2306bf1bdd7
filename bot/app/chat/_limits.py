"""Per-person flood limiting for chat messages, with one notice per burst.

A flood is more messages than the tutor can read: a person who sends more than `limit`
messages within `window` seconds *while earlier ones are still being answered* has further
messages dropped until they slow down. A person who waits for each reply is never limited,
however quickly the replies come (commands and fallback answers take milliseconds, so a
brisk conversation can pass five messages in ten seconds without flooding anything). The
first dropped message of a flood earns one notice; the rest are dropped silently (however
long the flood lasts), so the limiter never adds to the flood itself. A person quiet for a
whole window, or whose messages have all been answered, starts afresh.
Time is a parameter (monotonic seconds), so tests drive it without sleeping.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

FLOOD_LIMIT = 5
"""Messages a person may send within `FLOOD_WINDOW_S` while earlier ones are unanswered."""
FLOOD_WINDOW_S = 10.0
MAX_TRACKED = 10_000
"""People remembered at once; the quietest are forgotten first beyond this."""


@dataclass(frozen=True, slots=True)
class Admission:
    """Whether to handle a message, and whether to tell the person they are limited."""

    allowed: bool
    notify: bool = False


class FloodLimiter:
    """Sliding-window message limiter keyed by person, counting only unanswered bursts.

    Every admitted message must be reported `answered` once it has been dealt with (replied
    to, or failed); until then it is in flight, and only people with messages in flight can
    be limited.
    """

    def __init__(
        self,
        limit: int = FLOOD_LIMIT,
        window: float = FLOOD_WINDOW_S,
        max_tracked: int = MAX_TRACKED,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a flood limit needs limit >= 1 and a positive window")
        self.limit = limit
        self.window = window
        self.max_tracked = max_tracked
        self._seen: dict[int, deque[float]] = {}
        self._noticed: set[int] = set()
        self._in_flight: dict[int, int] = {}
        """Admitted messages not answered yet, by person (bounded by the work under way)."""

    def admit(self, person: int, now: float) -> Admission:
        """Count one message from `person` at `now`; say whether to handle it."""
        times = self._seen.pop(person, None) or deque()
        self._seen[person] = times  # re-inserted: dict order is least recently active first
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            self._noticed.discard(person)
        if len(times) >= self.limit and self._in_flight.get(person, 0) > 0:
            # Dropped messages do not extend the window: slowing down always lets one through.
            first = person not in self._noticed
            self._noticed.add(person)
            return Admission(False, notify=first)
        times.append(now)
        self._in_flight[person] = self._in_flight.get(person, 0) + 1
        self._forget_quietest()
        return Admission(True)

    def answered(self, person: int) -> None:
        """One admitted message of `person` has been dealt with (its reply sent, or it failed)."""
        left = self._in_flight.pop(person, 0) - 1
        if left > 0:
            self._in_flight[person] = left
        else:  # caught up: a later burst is a new one, and earns its own notice
            self._noticed.discard(person)

    def in_flight(self, person: int) -> int:
        """How many of `person`'s admitted messages are still being answered."""
        return self._in_flight.get(person, 0)

    def _forget_quietest(self) -> None:
        while len(self._seen) > self.max_tracked:
            person = next(iter(self._seen))
            del self._seen[person]
            self._noticed.discard(person)

    def tracked(self) -> int:
        """How many people are remembered (bounded by `max_tracked`)."""
        return len(self._seen)
