"""Progress beyond one review: a server's leaderboard, forgetting a person, quiz memory.

The service front ends call for these (the `Tutor` grades and schedules; this keeps what
surrounds it). Its one collaborator is the `ProgressRecords` port, implemented by the
progress store; every result is a record of `bot.core.records`.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.ports import ProgressRecords
from bot.core.records import LeaderRow, QuizSession, ReviewEntry, SavedAnswer

LEADERBOARD_SIZE = 10
"""People shown on a leaderboard."""


class Progress:
    """Standings, forgetting and quiz memory, for any front end."""

    def __init__(self, records: ProgressRecords) -> None:
        self.records = records

    # --- standings ----------------------------------------------------------------------

    def leaderboard(
        self, guild_id: str, *, now: datetime, days: int = 30, limit: int = LEADERBOARD_SIZE
    ) -> list[LeaderRow]:
        """A server's top learners by summed score over the last `days` days before `now`."""
        return self.records.leaderboard(guild_id, limit, now, days)

    # --- privacy ------------------------------------------------------------------------

    def review_history(self, user_id: str) -> list[ReviewEntry]:
        """Every review of one person, oldest first (their own data, for export)."""
        return self.records.review_history(user_id)

    def forget(self, user_id: str) -> int:
        """Delete everything about a person, everywhere; how many records were deleted."""
        return self.records.forget_user(user_id)

    # --- quiz memory (what persistent buttons need after a restart) ---------------------

    def open_quiz(
        self,
        *,
        user_id: str,
        guild_id: str | None,
        topic: str | None,
        deck: str | None,
        public: bool,
        now: datetime,
    ) -> QuizSession:
        """Remember a quiz's options; the session carries the id its buttons hold."""
        session_id = self.records.open_quiz(
            user_id=user_id, guild_id=guild_id, topic=topic, deck=deck, public=public, now=now
        )
        return QuizSession(session_id, user_id, guild_id, topic, deck, public)

    def quiz_session(self, session_id: int) -> QuizSession | None:
        """A quiz's options, or None when unknown (or forgotten)."""
        return self.records.quiz_session(session_id)

    def save_answer(
        self, *, user_id: str, card_id: str, answer: str, hints_used: int, now: datetime
    ) -> None:
        """Keep a person's latest answer to a card (for an explanation asked for later)."""
        self.records.save_answer(
            user_id=user_id, card_id=card_id, answer=answer, hints_used=hints_used, now=now
        )

    def last_answer(self, user_id: str, card_id: str) -> SavedAnswer | None:
        """A person's latest answer to a card, or None."""
        saved = self.records.last_answer(user_id, card_id)
        return SavedAnswer(*saved) if saved is not None else None
