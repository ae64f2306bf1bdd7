"""The progress store: every repository of the progress database behind one object.

The repositories do the work (`bot.infra.db`: reviews and FSRS state, stats and
leaderboards, uploaded decks, quiz memory, quiz attempts, privacy); this facade composes
them over one `Database` so front ends and the `Tutor` (through `bot.core.ports.ProgressLog`)
keep one handle. The daily-push and conversation repositories are reached through
`bot.infra.subscriptions.SubscriptionStore` and `bot.infra.conversations.ConversationStore`,
over the same database.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractContextManager
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Self

from bot.core.records import (
    DeckRow,
    LeaderRow,
    QuizAttempt,
    QuizSession,
    ReviewEntry,
    ReviewResult,
    UserStats,
)
from bot.core.scheduling import Scheduler
from bot.infra.db import BUSY_TIMEOUT_S, Database, StoreError, open_database
from bot.infra.db.decks import DeckRepo
from bot.infra.db.privacy import PrivacyRepo
from bot.infra.db.quiz_attempts import QuizAttemptRepo
from bot.infra.db.quiz_memory import QuizMemoryRepo
from bot.infra.db.reviews import ReviewRepo
from bot.infra.db.stats import HISTORY_DAYS, StatsRepo

__all__ = ["BUSY_TIMEOUT_S", "HISTORY_DAYS", "ProgressStore", "StoreError"]


class ProgressStore:
    """Progress of every person: FSRS schedule, review log, stats, leaderboards, decks."""

    def __init__(
        self,
        where: Path | str | Database,
        scheduler: Scheduler | None = None,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> None:
        """Open `where`: a SQLite path, a database URL, or an open `Database` (now owned)."""
        self.db = where if isinstance(where, Database) else open_database(where, busy_timeout_s)
        self.path: Path | None = getattr(self.db, "path", None)
        self.reviews = ReviewRepo(self.db, scheduler)
        self.scheduler = self.reviews.scheduler
        self.statistics = StatsRepo(self.db)
        self.decks = DeckRepo(self.db)
        self.quiz = QuizMemoryRepo(self.db)
        self.attempts = QuizAttemptRepo(self.db)
        self.privacy = PrivacyRepo(self.db)

    @classmethod
    def in_memory(cls, scheduler: Scheduler | None = None) -> Self:
        """A private database that lives as long as the store (for tests and the quiz demo)."""
        return cls(Path(":memory:"), scheduler)

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def atomic(self) -> AbstractContextManager[object]:
        """One transaction around every call made inside it (the database's joinable `tx`)."""
        return self.db.tx()

    # Reviews and scheduling (bot.infra.db.reviews).

    def record_review(
        self,
        *,
        user_id: str,
        card_id: str,
        score: float,
        verdict: str,
        now: datetime,
        guild_id: str | None = None,
        place: str = "",
        hints_used: int = 0,
        skipped: bool = False,
    ) -> ReviewResult:
        """Log one review and reschedule the card, both in one transaction."""
        return self.reviews.record_review(
            user_id=user_id,
            card_id=card_id,
            score=score,
            verdict=verdict,
            now=now,
            guild_id=guild_id,
            place=place,
            hints_used=hints_used,
            skipped=skipped,
        )

    def amend_review(
        self,
        *,
        user_id: str,
        card_id: str,
        reviewed_at: datetime,
        score: float,
        verdict: str,
        hints_used: int = 0,
    ) -> ReviewResult | None:
        """Replace the result of the review made at `reviewed_at`; reschedule the card."""
        return self.reviews.amend_review(
            user_id=user_id,
            card_id=card_id,
            reviewed_at=reviewed_at,
            score=score,
            verdict=verdict,
            hints_used=hints_used,
        )

    def card_state(self, user_id: str, card_id: str) -> dict[str, Any] | None:
        """The stored FSRS state dict of one card for one person, or None if never reviewed."""
        return self.reviews.card_state(user_id, card_id)

    def due_card_ids(
        self, user_id: str, now: datetime, among: Collection[str] | None = None, limit: int = 50
    ) -> list[str]:
        """Cards this person has seen that are due at `now`, most overdue first."""
        return self.reviews.due_card_ids(user_id, now, among, limit)

    def next_due(self, user_id: str, among: Collection[str] | None = None) -> datetime | None:
        """When this person's earliest card is due (None if they have seen no card)."""
        return self.reviews.next_due(user_id, among)

    def seen_card_ids(self, user_id: str) -> set[str]:
        """Every card this person has reviewed at least once."""
        return self.reviews.seen_card_ids(user_id)

    # Stats and leaderboards (bot.infra.db.stats).

    def stats(
        self, user_id: str, now: datetime, tz: tzinfo = UTC, among: Collection[str] | None = None
    ) -> UserStats:
        """Totals, streak (local days in `tz`) and the last 30 days of one person."""
        return self.statistics.stats(user_id, now, tz, among)

    def leaderboard(
        self, guild_id: str, limit: int = 10, now: datetime | None = None, days: int = 30
    ) -> list[LeaderRow]:
        """Top people by summed grade score in this server (the last `days` days with `now`)."""
        return self.statistics.leaderboard(guild_id, limit, now, days)

    # Privacy (bot.infra.db.privacy).

    def review_history(self, user_id: str) -> list[ReviewEntry]:
        """Every review of one person, oldest first (for /stats export)."""
        return self.statistics.review_history(user_id)

    def forget_user(self, user_id: str) -> int:
        """Delete every row about this person, in every table; return how many were deleted."""
        deleted = self.privacy.forget_user(user_id)
        self.reviews.forgotten(user_id)
        return deleted

    # Decks uploaded to a server (bot.infra.db.decks).

    def add_deck(self, *, scope: str, name: str, path: str, cards: int, now: datetime) -> None:
        """Register a deck (or update it when this scope already has one by that name)."""
        self.decks.add_deck(scope=scope, name=name, path=path, cards=cards, now=now)

    def list_decks(self, scope: str) -> list[DeckRow]:
        """Decks uploaded to this scope, by name."""
        return self.decks.list_decks(scope)

    def remove_deck(self, scope: str, name: str) -> bool:
        """Unregister a deck; False when this scope has no deck by that name."""
        return self.decks.remove_deck(scope, name)

    # Quiz memory (bot.infra.db.quiz_memory).

    def open_quiz(
        self,
        *,
        user_id: str,
        guild_id: str | None,
        topic: str | None,
        deck: str | None,
        public: bool,
        now: datetime,
    ) -> int:
        """Remember a quiz's options; returns the session id its buttons carry."""
        return self.quiz.open_quiz(
            user_id=user_id, guild_id=guild_id, topic=topic, deck=deck, public=public, now=now
        )

    def quiz_session(self, session_id: int) -> QuizSession | None:
        """A quiz's options, or None when unknown (or forgotten)."""
        return self.quiz.quiz_session(session_id)

    def save_answer(
        self, *, user_id: str, card_id: str, answer: str, hints_used: int, now: datetime
    ) -> None:
        """Keep a person's latest answer to a card (for an explanation asked for later)."""
        self.quiz.save_answer(
            user_id=user_id, card_id=card_id, answer=answer, hints_used=hints_used, now=now
        )

    def last_answer(self, user_id: str, card_id: str) -> tuple[str, int] | None:
        """(answer, hints used) of a person's latest answer to a card, or None."""
        return self.quiz.last_answer(user_id, card_id)

    # Quiz attempts (bot.infra.db.quiz_attempts).

    def attempt(self, user_id: str, card_id: str) -> QuizAttempt | None:
        """A person's quiz attempt at a card (expired or not), or None."""
        return self.attempts.get(user_id, card_id)

    def save_attempt(self, attempt: QuizAttempt) -> None:
        """Insert or replace the attempt of (person, card)."""
        self.attempts.save(attempt)

    def clear_attempt(self, user_id: str, card_id: str) -> bool:
        """Forget a person's attempt at a card; False when there was none."""
        return self.attempts.clear(user_id, card_id)

    def expired_attempts(self, now: datetime, limit: int = 100) -> list[QuizAttempt]:
        """Attempts past their expiry that still hold a dialogue, longest expired first."""
        return self.attempts.expired(now, limit)

    def purge_attempts(self, now: datetime) -> int:
        """Delete expired attempts that hold no dialogue; how many were deleted."""
        return self.attempts.purge(now)
