"""Plain records the core and front ends read: what the stores and health checks give back.

They live in the core (not beside the store) so the `Tutor` and the front ends can name
them without importing infrastructure; `bot.infra.store` builds them (and
`bot.infra.health` builds `CheckResult`, `bot.infra.db.daily_records` a `Subscription`
and a `PushRecord`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import daily


@dataclass(frozen=True)
class ReviewResult:
    """What one recorded review did to the card's schedule."""

    card_id: str
    rating: int
    due: datetime
    reps: int


@dataclass(frozen=True)
class DayCount:
    """Reviews made on one local calendar day."""

    day: date
    reviews: int
    correct: int


@dataclass(frozen=True)
class UserStats:
    """A person's progress; `accuracy` is correct / reviews (0.0 before the first review)."""

    reviews: int
    correct: int
    partial: int
    accuracy: float
    streak_days: int
    due_now: int
    cards_seen: int
    last_30_days: list[DayCount]


@dataclass(frozen=True)
class LeaderRow:
    """One person's line on a server's leaderboard; `score` is the sum of grade scores."""

    user_id: str
    reviews: int
    correct: int
    score: float


@dataclass(frozen=True)
class DeckRow:
    """A deck uploaded to a server."""

    scope: str
    name: str
    path: str
    cards: int
    added_at: datetime


@dataclass(frozen=True)
class SavedAnswer:
    """A person's latest answer to a card, kept for an explanation asked for later."""

    answer: str
    hints_used: int


@dataclass(frozen=True)
class QuizSession:
    """The options a quiz was started with (its buttons carry only the id)."""

    id: int
    user_id: str
    guild_id: str | None
    topic: str | None
    deck: str | None
    public: bool


@dataclass(frozen=True)
class QuizAttempt:
    """What a person did to one card between quiz clicks, kept per (person, card).

    A shared (public) quiz message's buttons carry the same state for everyone, so what one
    person did is kept here: the hints they saw, whether they saw the reference (Reveal,
    Skip, or an answer's result), and a dialogue on their answer kept between clicks. It
    counts until `expires_at`.
    """

    user_id: str
    card_id: str
    hints_used: int
    revealed: bool
    dialogue: dict[str, Any] | None
    """`Dialogue.to_dict()` of a dialogue kept between clicks (the quiz's Work through it)."""
    updated_at: datetime
    expires_at: datetime

    def live(self, now: datetime) -> bool:
        """Whether the attempt still counts at `now`."""
        return now < self.expires_at


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one health check: its name, whether it passed, and a line of detail."""

    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, str | bool]:
        """A JSON-ready dict: name, ok, detail."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class StoredUpload:
    """One committed upload: its deck name, the file name it came as, where it is stored."""

    name: str
    filename: str
    path: str
    size: int
    mtime: float


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    """One review of a person's history, as the review log holds it."""

    reviewed_at: datetime
    card_id: str
    guild_id: str | None
    score: float
    verdict: str
    rating: int
    hints_used: int
    skipped: bool


@dataclass(frozen=True, slots=True)
class Subscription:
    """One daily push: a person's DMs (`kind="dm"`) or a server channel (`kind="channel"`)."""

    id: int
    kind: str
    user_id: str | None
    guild_id: str | None
    channel_id: str | None
    at: time
    zone: str
    topic: str | None
    cards: int
    status: str
    paused_reason: str | None
    next_day: date
    next_due: datetime

    @property
    def tz(self) -> ZoneInfo:
        """The subscription's time zone."""
        return daily.zone(self.zone)


@dataclass(frozen=True, slots=True)
class PushRecord:
    """One row of the push ledger: the push of one subscription on one local day."""

    subscription_id: int
    local_date: date
    user_id: str | None
    guild_id: str | None
    card_ids: list[str]
    reasons: list[str]
    session_id: int
    status: str
    error: str | None
    message_ids: list[str]
    intended_at: datetime
    finished_at: datetime | None
