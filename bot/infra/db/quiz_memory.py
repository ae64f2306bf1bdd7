"""Quiz memory: what persistent buttons need after a restart (see m003_quiz_memory).

Discord buttons carry at most 100 characters of state, so a quiz message's buttons hold a
session id (its options are here) and a person's latest answer to a card is kept here for
an explanation asked for later.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.records import QuizSession
from bot.infra.db.base import Database


class QuizMemoryRepo:
    """Quiz sessions (the options a quiz started with) and saved answers per (person, card)."""

    def __init__(self, db: Database) -> None:
        self.db = db

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
        with self.db.tx() as tx:
            row = tx.execute(
                """INSERT INTO quiz_sessions (user_id, guild_id, topic, deck, public, created_at)
                   VALUES (?, ?, ?, ?, ?, ?) RETURNING id""",
                (user_id, guild_id, topic, deck, int(public), self.db.ts(now)),
            ).fetchone()
            return int(row[0])

    def quiz_session(self, session_id: int) -> QuizSession | None:
        """A quiz's options, or None when unknown (or forgotten)."""
        rows = self.db.query(
            "SELECT id, user_id, guild_id, topic, deck, public FROM quiz_sessions WHERE id = ?",
            (session_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return QuizSession(
            int(r["id"]), r["user_id"], r["guild_id"], r["topic"], r["deck"], bool(r["public"])
        )

    def save_answer(
        self, *, user_id: str, card_id: str, answer: str, hints_used: int, now: datetime
    ) -> None:
        """Keep a person's latest answer to a card (for an explanation asked for later)."""
        with self.db.tx() as tx:
            tx.execute(
                """INSERT INTO quiz_answers (user_id, card_id, answer, hints_used, answered_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (user_id, card_id) DO UPDATE SET answer = excluded.answer,
                       hints_used = excluded.hints_used, answered_at = excluded.answered_at""",
                (user_id, card_id, answer, hints_used, self.db.ts(now)),
            )

    def last_answer(self, user_id: str, card_id: str) -> tuple[str, int] | None:
        """(answer, hints used) of a person's latest answer to a card, or None."""
        rows = self.db.query(
            "SELECT answer, hints_used FROM quiz_answers WHERE user_id = ? AND card_id = ?",
            (user_id, card_id),
        )
        return (str(rows[0]["answer"]), int(rows[0]["hints_used"])) if rows else None
