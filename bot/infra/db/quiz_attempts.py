"""Quiz attempts: what a person did to a card between clicks (see `m040_quiz_attempts`).

One row per (person, card): the hints they saw, whether they saw the reference, and a
dialogue kept between clicks as `Dialogue.to_dict()` JSON. The core decides what an
attempt means (`bot.core.answering`); this only keeps it.
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.core.records import QuizAttempt
from bot.infra.db.base import Database, Row

COLUMNS = "user_id, card_id, hints_used, revealed, dialogue, updated_at, expires_at"


class QuizAttemptRepo:
    """Quiz attempts by (person, card), and the expired ones for the idle sweep."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _load(self, row: Row) -> QuizAttempt:
        return QuizAttempt(
            user_id=str(row["user_id"]),
            card_id=str(row["card_id"]),
            hints_used=int(row["hints_used"]),
            revealed=bool(row["revealed"]),
            dialogue=json.loads(row["dialogue"]) if row["dialogue"] is not None else None,
            updated_at=self.db.dt(row["updated_at"]),
            expires_at=self.db.dt(row["expires_at"]),
        )

    def get(self, user_id: str, card_id: str) -> QuizAttempt | None:
        """The attempt of a person at a card (expired or not), or None."""
        rows = self.db.query(
            f"SELECT {COLUMNS} FROM quiz_attempts WHERE user_id = ? AND card_id = ?",
            (user_id, card_id),
        )
        return self._load(rows[0]) if rows else None

    def save(self, attempt: QuizAttempt) -> None:
        """Insert or replace the attempt of (person, card)."""
        dialogue = json.dumps(attempt.dialogue) if attempt.dialogue is not None else None
        with self.db.tx() as tx:
            tx.execute(
                f"""INSERT INTO quiz_attempts ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (user_id, card_id) DO UPDATE SET
                       hints_used = excluded.hints_used, revealed = excluded.revealed,
                       dialogue = excluded.dialogue, updated_at = excluded.updated_at,
                       expires_at = excluded.expires_at""",
                (
                    attempt.user_id,
                    attempt.card_id,
                    max(0, attempt.hints_used),
                    int(attempt.revealed),
                    dialogue,
                    self.db.ts(attempt.updated_at, "an attempt time"),
                    self.db.ts(attempt.expires_at, "an attempt time"),
                ),
            )

    def clear(self, user_id: str, card_id: str) -> bool:
        """Forget the attempt of (person, card); False when there was none."""
        with self.db.tx() as tx:
            done = tx.execute(
                "DELETE FROM quiz_attempts WHERE user_id = ? AND card_id = ?", (user_id, card_id)
            )
            return int(done.rowcount) > 0

    def expired(self, now: datetime, limit: int = 100) -> list[QuizAttempt]:
        """Attempts past their expiry that hold a dialogue, longest expired first."""
        rows = self.db.query(
            f"""SELECT {COLUMNS} FROM quiz_attempts
                WHERE expires_at <= ? AND dialogue IS NOT NULL
                ORDER BY expires_at, user_id, card_id LIMIT ?""",
            (self.db.ts(now), max(0, limit)),
        )
        return [self._load(row) for row in rows]

    def purge(self, now: datetime) -> int:
        """Delete expired attempts that hold no dialogue (nothing is left to record of them)."""
        with self.db.tx() as tx:
            done = tx.execute(
                "DELETE FROM quiz_attempts WHERE expires_at <= ? AND dialogue IS NULL",
                (self.db.ts(now),),
            )
            return int(done.rowcount)
