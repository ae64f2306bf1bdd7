"""The progress store: FSRS state per (user, card), the review log, and uploaded decks.

SQLite in WAL mode, one connection guarded by a lock, so the Discord bot can call it from
worker threads (`asyncio.to_thread`). Every write is one `BEGIN IMMEDIATE` transaction:
a crash mid-write leaves the database as it was before that write.

Datetimes are stored as fixed-width UTC ISO strings, so comparing the text compares times.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Self

from bot.core.records import DayCount, DeckRow, LeaderRow, QuizSession, ReviewResult, UserStats
from bot.core.scheduling import Scheduler, check_grade, rating_for, require_utc
from bot.errors import ConfigError, FlashtutorError, InputError
from bot.infra.migrations import migrate

BUSY_TIMEOUT_S = 10.0
"""How long a write waits for another process's write to finish before giving up."""
HISTORY_DAYS = 30


def _ts(when: datetime, name: str = "now") -> str:
    # Fixed width (always microseconds, always +00:00): text order equals time order.
    return require_utc(when, name).isoformat(timespec="microseconds")


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _ids_json(among: Collection[str]) -> str:
    # One JSON parameter instead of N placeholders: no limit on how many ids may be passed.
    return json.dumps(list(among))


class StoreError(FlashtutorError):
    """The progress database failed (locked too long, disk full, read-only); nothing was saved."""


@contextmanager
def _as_store_error(doing: str) -> Iterator[None]:
    # OperationalError covers the faults of the file itself (locked, full, read-only, I/O);
    # programming errors (bad SQL) stay loud.
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise StoreError(f"could not {doing} the progress database: {exc}") from exc


class ProgressStore:
    """Progress of every person: FSRS schedule, review log, stats, leaderboards, decks."""

    def __init__(
        self,
        path: Path,
        scheduler: Scheduler | None = None,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> None:
        self.path = path
        self.scheduler = scheduler or Scheduler()
        self._lock = threading.RLock()
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(
                str(path),
                isolation_level=None,
                check_same_thread=False,
                timeout=busy_timeout_s,
            )
            self._conn.row_factory = sqlite3.Row
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL is safe with WAL: a crash loses at most the last commits, never consistency.
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            migrate(self._conn)
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            raise ConfigError(f"cannot open the progress database {path}: {exc}") from exc
        except BaseException:
            self._close_quietly()
            raise

    def _close_quietly(self) -> None:
        if hasattr(self, "_conn"):
            self._conn.close()

    @classmethod
    def in_memory(cls, scheduler: Scheduler | None = None) -> Self:
        """A private database that lives as long as the store (for tests and the quiz demo)."""
        return cls(Path(":memory:"), scheduler)

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so two writers never deadlock upgrading.
        with self._lock, _as_store_error("save to"):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock, _as_store_error("read from"):
            return self._conn.execute(sql, params).fetchall()

    # Reviews and scheduling.

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
        if not user_id or not card_id:
            raise InputError("user_id and card_id must not be empty")
        check_grade(score, verdict)
        rating = rating_for(score, verdict, hints_used, skipped)
        stamp = _ts(now)
        with self._tx() as conn:
            row = conn.execute(
                "SELECT state, reps, lapses FROM card_state WHERE user_id = ? AND card_id = ?",
                (user_id, card_id),
            ).fetchone()
            old = json.loads(row[0]) if row else None
            reps = (row[1] if row else 0) + 1
            lapses = (row[2] if row else 0) + (row is not None and rating == 1)
            state, due = self.scheduler.review(old, rating, now)
            conn.execute(
                """
                INSERT INTO card_state (user_id, card_id, state, due, reps, lapses, last_review)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (user_id, card_id) DO UPDATE SET state = excluded.state,
                    due = excluded.due, reps = excluded.reps, lapses = excluded.lapses,
                    last_review = excluded.last_review
                """,
                (user_id, card_id, json.dumps(state), _ts(due), reps, lapses, stamp),
            )
            self._append_review(
                conn,
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
        return ReviewResult(card_id=card_id, rating=int(rating), due=due, reps=reps)

    def _append_review(self, conn: sqlite3.Connection, values: tuple[Any, ...]) -> None:
        conn.execute(
            """
            INSERT INTO reviews (user_id, card_id, guild_id, place, score, verdict, rating,
                                 reviewed_at, hints_used, skipped)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            values,
        )

    def card_state(self, user_id: str, card_id: str) -> dict[str, Any] | None:
        """The stored FSRS state dict of one card for one person, or None if never reviewed."""
        rows = self._query(
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
        params: tuple[Any, ...] = (user_id, _ts(now))
        if among is not None:
            sql += " AND card_id IN (SELECT value FROM json_each(?))"
            params += (_ids_json(among),)
        sql += " ORDER BY due, card_id LIMIT ?"
        return [row["card_id"] for row in self._query(sql, (*params, max(0, limit)))]

    def next_due(self, user_id: str, among: Collection[str] | None = None) -> datetime | None:
        """When this person's earliest card is due (None if they have seen no card)."""
        sql = "SELECT MIN(due) AS due FROM card_state WHERE user_id = ?"
        params: tuple[Any, ...] = (user_id,)
        if among is not None:
            sql += " AND card_id IN (SELECT value FROM json_each(?))"
            params += (_ids_json(among),)
        value = self._query(sql, params)[0]["due"]
        return _dt(value) if value else None

    def seen_card_ids(self, user_id: str) -> set[str]:
        """Every card this person has reviewed at least once."""
        rows = self._query("SELECT card_id FROM card_state WHERE user_id = ?", (user_id,))
        return {row["card_id"] for row in rows}

    # Stats and leaderboards.

    def stats(
        self,
        user_id: str,
        now: datetime,
        tz: tzinfo = UTC,
        among: Collection[str] | None = None,
    ) -> UserStats:
        """Totals, streak (local days in `tz`) and the last 30 days of one person.

        `among` limits everything to those card ids (e.g. the cards visible in a server).
        """
        now = require_utc(now)
        where = "user_id = ?"
        params: tuple[Any, ...] = (user_id,)
        if among is not None:
            where += " AND card_id IN (SELECT value FROM json_each(?))"
            params += (_ids_json(among),)
        totals = self._query(
            f"""SELECT COUNT(*) AS n, COALESCE(SUM(verdict = 'correct'), 0) AS correct,
                       COALESCE(SUM(verdict = 'partial'), 0) AS partial
                FROM reviews WHERE {where}""",
            params,
        )[0]
        cards = self._query(
            f"""SELECT COUNT(*) AS seen, COALESCE(SUM(due <= ?), 0) AS due
                FROM card_state WHERE {where}""",
            (_ts(now), *params),
        )[0]
        today = now.astimezone(tz).date()
        window = [today - timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]
        counts = self._day_counts(where, params, tz, window)
        history = [DayCount(day, *counts[day]) for day in window]
        streak = 0
        day = today if counts[today][0] else today - timedelta(days=1)
        while True:
            if day not in counts:  # a streak older than the window: look further back
                older = [day - timedelta(days=n) for n in range(HISTORY_DAYS * 2)]
                counts.update(self._day_counts(where, params, tz, older))
            if not counts[day][0]:
                break
            streak += 1
            day -= timedelta(days=1)
        reviews = int(totals["n"])
        return UserStats(
            reviews=reviews,
            correct=int(totals["correct"]),
            partial=int(totals["partial"]),
            accuracy=int(totals["correct"]) / reviews if reviews else 0.0,
            streak_days=streak,
            due_now=int(cards["due"]),
            cards_seen=int(cards["seen"]),
            last_30_days=history,
        )

    def _day_counts(
        self, where: str, params: tuple[Any, ...], tz: tzinfo, days: list[date]
    ) -> dict[date, tuple[int, int]]:
        """(reviews, correct) on each of these local days, zero days included.

        Each local day becomes a UTC range, so SQLite answers from the index with one range
        scan per day, however many reviews the person has made.
        """
        bounds: list[Any] = []
        for day in days:
            lo = datetime.combine(day, time(), tz).astimezone(UTC)
            hi = datetime.combine(day + timedelta(days=1), time(), tz).astimezone(UTC)
            bounds += [day.isoformat(), _ts(lo), _ts(hi)]
        spans = ", ".join(["(?, ?, ?)"] * len(days))
        rows = self._query(
            f"""WITH days (day, lo, hi) AS (VALUES {spans})
                SELECT days.day, COUNT(reviews.id), COALESCE(SUM(reviews.verdict = 'correct'), 0)
                FROM days LEFT JOIN reviews ON reviews.reviewed_at >= days.lo
                    AND reviews.reviewed_at < days.hi AND {where}
                GROUP BY days.day""",
            (*bounds, *params),
        )
        return {date.fromisoformat(day): (int(n), int(c)) for day, n, c in rows}

    def leaderboard(
        self, guild_id: str, limit: int = 10, now: datetime | None = None, days: int = 30
    ) -> list[LeaderRow]:
        """Top people by summed grade score, counting only reviews made in this server.

        With `now`, only the last `days` days count; without it, all time.
        """
        sql = """SELECT user_id, COUNT(*) AS n, COALESCE(SUM(verdict = 'correct'), 0) AS correct,
                        SUM(score) AS score
                 FROM reviews WHERE guild_id = ?"""
        params: tuple[Any, ...] = (guild_id,)
        if now is not None:
            since = require_utc(now) - timedelta(days=days)
            sql += " AND reviewed_at > ? AND reviewed_at <= ?"
            params += (_ts(since), _ts(now))
        sql += " GROUP BY user_id ORDER BY score DESC, n DESC, user_id LIMIT ?"
        return [
            LeaderRow(row["user_id"], int(row["n"]), int(row["correct"]), float(row["score"]))
            for row in self._query(sql, (*params, max(0, limit)))
        ]

    # Privacy.

    def forget_user(self, user_id: str) -> int:
        """Delete every row about this person, in every table; return how many were deleted."""
        with self._tx() as conn:
            # Found by column, so tables added by later migrations are covered automatically.
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
                )
                if any(col[1] == "user_id" for col in conn.execute(f'PRAGMA table_info("{name}")'))
            ]
            # Foreign keys are checked at COMMIT, so the deletion order does not matter; rows
            # are counted first because cascaded deletes are not reported by `rowcount`.
            conn.execute("PRAGMA defer_foreign_keys = ON")
            total = 0
            for name in tables:
                (count,) = conn.execute(
                    f'SELECT COUNT(*) FROM "{name}" WHERE user_id = ?', (user_id,)
                ).fetchone()
                total += int(count)
            for name in reversed(tables):
                conn.execute(f'DELETE FROM "{name}" WHERE user_id = ?', (user_id,))
        return total

    # Decks uploaded to a server.

    def add_deck(self, *, scope: str, name: str, path: str, cards: int, now: datetime) -> None:
        """Register a deck (or update it when this scope already has one by that name)."""
        if not name:
            raise InputError("a deck needs a name")
        if cards < 0:
            raise InputError(f"a deck cannot have {cards} cards")
        stamp = _ts(now)
        with self._tx() as conn:
            conn.execute(
                """
                INSERT INTO decks (scope, name, path, cards, added_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (scope, name) DO UPDATE SET path = excluded.path,
                    cards = excluded.cards, added_at = excluded.added_at
                """,
                (scope, name, path, cards, stamp),
            )

    def list_decks(self, scope: str) -> list[DeckRow]:
        """Decks uploaded to this scope, by name."""
        rows = self._query(
            "SELECT scope, name, path, cards, added_at FROM decks WHERE scope = ? ORDER BY name",
            (scope,),
        )
        return [
            DeckRow(row["scope"], row["name"], row["path"], int(row["cards"]), _dt(row["added_at"]))
            for row in rows
        ]

    def remove_deck(self, scope: str, name: str) -> bool:
        """Unregister a deck; False when this scope has no deck by that name."""
        with self._tx() as conn:
            cur = conn.execute("DELETE FROM decks WHERE scope = ? AND name = ?", (scope, name))
            return cur.rowcount > 0

    # Quiz memory: what persistent buttons need after a restart (see m003_quiz_memory).

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
        with self._tx() as conn:
            cur = conn.execute(
                """INSERT INTO quiz_sessions (user_id, guild_id, topic, deck, public, created_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (user_id, guild_id, topic, deck, int(public), _ts(now)),
            )
            return int(cur.lastrowid or 0)

    def quiz_session(self, session_id: int) -> QuizSession | None:
        """A quiz's options, or None when unknown (or forgotten)."""
        rows = self._query(
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
        with self._tx() as conn:
            conn.execute(
                """INSERT INTO quiz_answers (user_id, card_id, answer, hints_used, answered_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (user_id, card_id) DO UPDATE SET answer = excluded.answer,
                       hints_used = excluded.hints_used, answered_at = excluded.answered_at""",
                (user_id, card_id, answer, hints_used, _ts(now)),
            )

    def last_answer(self, user_id: str, card_id: str) -> tuple[str, int] | None:
        """(answer, hints used) of a person's latest answer to a card, or None."""
        rows = self._query(
            "SELECT answer, hints_used FROM quiz_answers WHERE user_id = ? AND card_id = ?",
            (user_id, card_id),
        )
        return (str(rows[0]["answer"]), int(rows[0]["hints_used"])) if rows else None
