"""Reviews and FSRS state: the review log and each person's schedule per card."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from bot.core.records import ReviewResult
from bot.core.scheduling import Scheduler, check_grade, rating_for
from bot.errors import InputError
from bot.infra.db.base import Database, StoreError
from bot.infra.db.codec import ids_json

WRITE_ATTEMPTS = 5
"""How often a review is computed again when others changed the card's schedule meanwhile
(the second attempt on holds the row; only a row inserted meanwhile makes it fail)."""

_READ_SCHEDULE = "SELECT state, reps, lapses FROM card_state WHERE user_id = ? AND card_id = ? "

# The next schedule, written only if the row is still what the review was computed from
# (absent: a NULL state never compares equal, so a row inserted meanwhile is not replaced).
_WRITE_SCHEDULE = """
    INSERT INTO card_state (user_id, card_id, state, due, reps, lapses, last_review)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (user_id, card_id) DO UPDATE SET state = excluded.state,
        due = excluded.due, reps = excluded.reps, lapses = excluded.lapses,
        last_review = excluded.last_review
    WHERE card_state.state = ? AND card_state.reps = ? AND card_state.lapses = ?
"""

_APPEND_REVIEW = """
    INSERT INTO reviews (user_id, card_id, guild_id, place, score, verdict, rating,
                         reviewed_at, hints_used, skipped)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


class ReviewRepo:
    """The FSRS schedule per (person, card) and the append-only review log."""

    def __init__(self, db: Database, scheduler: Scheduler | None = None) -> None:
        self.db = db
        self.scheduler = scheduler or Scheduler()

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
        """Log one review and reschedule the card, both or neither (optimistically: the
        schedule is read, the next one computed, and both rows written only if the schedule
        is still as read; else again from the read)."""
        if not user_id or not card_id:
            raise InputError("user_id and card_id must not be empty")
        check_grade(score, verdict)
        rating = rating_for(score, verdict, hints_used, skipped)
        stamp = self.db.ts(now)
        log = (
            _APPEND_REVIEW,
            (
                user_id,
                card_id,
                guild_id,
                place,
                float(score),
                "skipped" if skipped else verdict,
                int(rating),
                stamp,
                hints_used,
                int(skipped),
            ),
        )
        for attempt in range(WRITE_ATTEMPTS):
            # Optimistic first; once another writer got in between, holding the row.
            lock = attempt > 0
            with self.db.read_then_write(lock=lock):
                rows = self.db.query(
                    _READ_SCHEDULE + (self.db.for_update if lock else ""), (user_id, card_id)
                )
                row = rows[0] if rows else None
                old = json.loads(row[0]) if row else None
                reps = (row[1] if row else 0) + 1
                lapses = int((row[2] if row else 0) + (row is not None and rating == 1))
                state, due = self.scheduler.review(old, rating, now)
                written = (user_id, card_id, json.dumps(state), self.db.ts(due), reps, lapses)
                as_read = tuple(row) if row else (None, 0, 0)
                schedule = (_WRITE_SCHEDULE, (*written, stamp, *as_read))
                if self.db.write_pair(schedule, log):
                    return ReviewResult(card_id=card_id, rating=int(rating), due=due, reps=reps)
        raise StoreError(
            f"could not save to the progress database: the schedule of {card_id} changed "
            f"under each of {WRITE_ATTEMPTS} attempts"
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
        """Replace the result of the review of this card made at `reviewed_at` (a dialogue on
        that answer ended with a final result) and reschedule the card as if it had been that
        result: the card's history is replayed (scheduling is deterministic). Still one review
        in the log. None when there is no such review (forgotten meanwhile)."""
        check_grade(score, verdict)
        rating = rating_for(score, verdict, hints_used)
        with self.db.tx() as tx:
            changed = tx.execute(
                """UPDATE reviews SET score = ?, verdict = ?, rating = ?, hints_used = ?
                   WHERE user_id = ? AND card_id = ? AND reviewed_at = ? AND skipped = 0""",
                (
                    float(score),
                    verdict,
                    int(rating),
                    hints_used,
                    user_id,
                    card_id,
                    self.db.ts(reviewed_at, "reviewed_at"),
                ),
            ).rowcount
            if not changed:
                return None
            history = tx.execute(
                """SELECT rating, reviewed_at FROM reviews WHERE user_id = ? AND card_id = ?
                   ORDER BY reviewed_at, id""",
                (user_id, card_id),
            ).fetchall()
            state: dict[str, Any] | None = None
            lapses = 0
            for past_rating, stamp in history:
                lapses += state is not None and int(past_rating) == 1
                state, due = self.scheduler.review(state, past_rating, self.db.dt(stamp))
            tx.execute(
                """UPDATE card_state SET state = ?, due = ?, reps = ?, lapses = ?, last_review = ?
                   WHERE user_id = ? AND card_id = ?""",
                (
                    json.dumps(state),
                    self.db.ts(due),
                    len(history),
                    lapses,
                    history[-1][1],
                    user_id,
                    card_id,
                ),
            )
        return ReviewResult(card_id=card_id, rating=int(rating), due=due, reps=len(history))

    def card_state(self, user_id: str, card_id: str) -> dict[str, Any] | None:
        """The stored FSRS state dict of one card for one person, or None if never reviewed."""
        rows = self.db.query(
            "SELECT state FROM card_state WHERE user_id = ? AND card_id = ?", (user_id, card_id)
        )
        return dict(json.loads(rows[0]["state"])) if rows else None

    def due_card_ids(
        self,
        user_id: str,
        now: datetime,
        among: Collection[str] | None = None,
        limit: int = 50,
    ) -> list[str]:
        """Cards this person has seen that are due at `now`, most overdue first."""
        sql = "SELECT card_id FROM card_state WHERE user_id = ? AND due <= ?"
        params: tuple[Any, ...] = (user_id, self.db.ts(now))
        if among is not None:
            sql += " AND " + self.db.ids_in("card_id")
            params += (ids_json(among),)
        sql += " ORDER BY due, card_id LIMIT ?"
        return [row["card_id"] for row in self.db.query(sql, (*params, max(0, limit)))]

    def next_due(self, user_id: str, among: Collection[str] | None = None) -> datetime | None:
        """When this person's earliest card is due (None if they have seen no card)."""
        sql = "SELECT MIN(due) AS due FROM card_state WHERE user_id = ?"
        params: tuple[Any, ...] = (user_id,)
        if among is not None:
            sql += " AND " + self.db.ids_in("card_id")
            params += (ids_json(among),)
        value = self.db.query(sql, params)[0]["due"]
        return self.db.dt(value) if value else None

    def seen_card_ids(self, user_id: str) -> set[str]:
        """Every card this person has reviewed at least once."""
        rows = self.db.query("SELECT card_id FROM card_state WHERE user_id = ?", (user_id,))
        return {row["card_id"] for row in rows}
