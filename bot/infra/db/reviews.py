"""Reviews and FSRS state: the review log and each person's schedule per card."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from fsrs import Rating

from bot.core.records import ReviewResult
from bot.core.scheduling import Scheduler, check_grade, rating_for
from bot.errors import InputError
from bot.infra.db.base import Database, Statement, StoreError
from bot.infra.db.codec import ids_json
from bot.infra.db.known_schedules import CAPACITY, KnownSchedules, Schedule

WRITE_ATTEMPTS = 5
"""How often a review is computed again when the card's schedule changed meanwhile. Where a
guess pays (PostgreSQL), the first two attempts are one statement each: from what this
process knew of the row, then from the row the first found. Later attempts (from the second
where no guess pays) hold the row: only a row inserted meanwhile makes one fail."""
GUESSED_ATTEMPTS = 2

_READ_SCHEDULE = "SELECT state, reps, lapses FROM card_state WHERE user_id = ? AND card_id = ? "

# The next schedule, written only if the row is still what the review was computed from, in
# one of two shapes: an update of the row as known, or an insert where none was known. Never
# an upsert from a guess, which would bring back a row deleted meanwhile ("forget me").
_UPDATE_SCHEDULE = """
    UPDATE card_state SET state = ?, due = ?, reps = ?, lapses = ?, last_review = ?
    WHERE user_id = ? AND card_id = ? AND state = ? AND reps = ? AND lapses = ?
"""
_INSERT_SCHEDULE = """
    INSERT INTO card_state (user_id, card_id, state, due, reps, lapses, last_review)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (user_id, card_id) DO NOTHING
"""

_APPEND_REVIEW = """
    INSERT INTO reviews (user_id, card_id, guild_id, place, score, verdict, rating,
                         reviewed_at, hints_used, skipped)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def _schedule(rows: list[Any]) -> Schedule | None:
    return Schedule(str(rows[0][0]), int(rows[0][1]), int(rows[0][2])) if rows else None


class ReviewRepo:
    """The FSRS schedule per (person, card) and the append-only review log.

    Where a guess pays (`Database.guessed_pairs_pay`: PostgreSQL), `known` holds the schedule
    rows this repository last wrote or read: a review starts from that guess (none: a card
    never reviewed) and is written in one statement if the row is still as guessed. A stale
    guess (another process wrote the card, a transaction rolled back, the person was
    forgotten) costs one attempt, never a wrong write: the write checks the row itself, and
    the row it found is the next attempt's start.
    """

    def __init__(self, db: Database, scheduler: Scheduler | None = None) -> None:
        self.db = db
        self.scheduler = scheduler or Scheduler()
        # Kept only where a guess pays (see `Database.guessed_pairs_pay`).
        self.known = KnownSchedules(CAPACITY if db.guessed_pairs_pay else 0)

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
        """Log one review and reschedule the card, both or neither (optimistically: the next
        schedule is computed from the row as known or read, and both rows are written only if
        the schedule is still that; else again from the row as it is)."""
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
        read = (_READ_SCHEDULE, (user_id, card_id))
        guesses = GUESSED_ATTEMPTS if self.db.guessed_pairs_pay else 0
        row = self.known.get(user_id, card_id)
        for attempt in range(WRITE_ATTEMPTS):
            if attempt < guesses:
                # One statement: written if the row is as guessed; else the row comes back.
                write, after, due = self._next(user_id, card_id, row, rating, now)
                written, rows = self.db.write_pair_or_read(read, write, log)
                row = _schedule(rows)
            else:
                # Read, then write if the row is still as read; holding the row once others
                # got in between (with one writer at a time, the first of these always writes).
                lock = attempt > 0
                with self.db.read_then_write(lock=lock):
                    sql = _READ_SCHEDULE + (self.db.for_update if lock else "")
                    row = _schedule(self.db.query(sql, (user_id, card_id)))
                    write, after, due = self._next(user_id, card_id, row, rating, now)
                    written = self.db.write_pair(write, log)
            if written:
                self.known.put(user_id, card_id, after)
                return ReviewResult(card_id=card_id, rating=int(rating), due=due, reps=after.reps)
        self.known.put(user_id, card_id, row)
        raise StoreError(
            f"could not save to the progress database: the schedule of {card_id} changed "
            f"under each of {WRITE_ATTEMPTS} attempts"
        )

    def _next(
        self, user_id: str, card_id: str, row: Schedule | None, rating: Rating, now: datetime
    ) -> tuple[Statement, Schedule, datetime]:
        """The schedule after this review of the card whose row is `row` (None: no row), the
        statement writing it only if the row is still that, and when the card is due."""
        state, due = self.scheduler.review(json.loads(row.state) if row else None, rating, now)
        reps = (row.reps if row else 0) + 1
        lapses = (row.lapses + (rating == 1)) if row else 0
        after = Schedule(json.dumps(state), reps, int(lapses))
        values = (after.state, self.db.ts(due), reps, after.lapses, self.db.ts(now))
        if row is None:
            return (_INSERT_SCHEDULE, (user_id, card_id, *values)), after, due
        return (_UPDATE_SCHEDULE, (*values, user_id, card_id, *row)), after, due

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
        self.known.put(user_id, card_id, Schedule(json.dumps(state), len(history), lapses))
        return ReviewResult(card_id=card_id, rating=int(rating), due=due, reps=len(history))

    def forgotten(self, user_id: str) -> None:
        """This person's rows were deleted: drop what this repository knew of them (a stale
        guess would cost each of their next reviews an attempt, never a wrong write)."""
        self.known.drop_user(user_id)

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
