"""Stats and leaderboards: what the review log and the schedule add up to."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from bot.core.records import DayCount, LeaderRow, ReviewEntry, UserStats
from bot.core.scheduling import require_utc
from bot.infra.db.base import Database
from bot.infra.db.codec import ids_json

HISTORY_DAYS = 30

# Portable counting: PostgreSQL cannot SUM a boolean, SQLite has no FILTER before 3.30.
_CORRECT = "COALESCE(SUM(CASE WHEN verdict = 'correct' THEN 1 ELSE 0 END), 0)"
_PARTIAL = "COALESCE(SUM(CASE WHEN verdict = 'partial' THEN 1 ELSE 0 END), 0)"


class StatsRepo:
    """A person's totals, streak and history; a server's leaderboard; a card's answers."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def review_history(self, user_id: str) -> list[ReviewEntry]:
        """Every review of one person, oldest first."""
        rows = self.db.query(
            """SELECT reviewed_at, card_id, guild_id, score, verdict, rating, hints_used, skipped
               FROM reviews WHERE user_id = ? ORDER BY reviewed_at, id""",
            (user_id,),
        )
        return [
            ReviewEntry(
                self.db.dt(r["reviewed_at"]),
                str(r["card_id"]),
                None if r["guild_id"] is None else str(r["guild_id"]),
                float(r["score"]),
                str(r["verdict"]),
                int(r["rating"]),
                int(r["hints_used"]),
                bool(r["skipped"]),
            )
            for r in rows
        ]

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
            where += " AND " + self.db.ids_in("card_id")
            params += (ids_json(among),)
        today = now.astimezone(tz).date()
        window = [today - timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]
        # The three reads at once: one round trip on PostgreSQL.
        totals_rows, cards_rows, day_rows = self.db.query_many(
            [
                (
                    f"""SELECT COUNT(*) AS n, {_CORRECT} AS correct, {_PARTIAL} AS partial
                        FROM reviews WHERE {where}""",
                    params,
                ),
                (
                    f"""SELECT COUNT(*) AS seen,
                               COALESCE(SUM(CASE WHEN due <= ? THEN 1 ELSE 0 END), 0) AS due
                        FROM card_state WHERE {where}""",
                    (self.db.ts(now), *params),
                ),
                self._day_counts_sql(where, params, tz, window),
            ]
        )
        totals, cards = totals_rows[0], cards_rows[0]
        counts = self._counted(day_rows)
        history = [DayCount(day, *counts[day]) for day in window]
        streak = 0
        day = today if counts[today][0] else today - timedelta(days=1)
        while True:
            if day not in counts:  # a streak older than the window: look further back
                older = [day - timedelta(days=n) for n in range(HISTORY_DAYS * 2)]
                (rows,) = self.db.query_many([self._day_counts_sql(where, params, tz, older)])
                counts.update(self._counted(rows))
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

    def _day_counts_sql(
        self, where: str, params: tuple[Any, ...], tz: tzinfo, days: list[date]
    ) -> tuple[str, tuple[Any, ...]]:
        """The read of (reviews, correct) on each of these local days, zero days included.

        Each local day becomes a UTC range, so the database answers from the index with one
        range scan per day, however many reviews the person has made.
        """
        bounds: list[Any] = []
        for day in days:
            lo = datetime.combine(day, time(), tz).astimezone(UTC)
            hi = datetime.combine(day + timedelta(days=1), time(), tz).astimezone(UTC)
            bounds += [day.isoformat(), self.db.ts(lo), self.db.ts(hi)]
        spans = ", ".join(["(?, ?, ?)"] * len(days))
        sql = f"""WITH days (day, lo, hi) AS (VALUES {spans})
                SELECT days.day, COUNT(reviews.id),
                       COALESCE(SUM(CASE WHEN reviews.verdict = 'correct' THEN 1 ELSE 0 END), 0)
                FROM days LEFT JOIN reviews ON reviews.reviewed_at >= days.lo
                    AND reviews.reviewed_at < days.hi AND {where}
                GROUP BY days.day"""
        return sql, (*bounds, *params)

    @staticmethod
    def _counted(rows: list[Any]) -> dict[date, tuple[int, int]]:
        return {date.fromisoformat(day): (int(n), int(c)) for day, n, c in rows}

    def leaderboard(
        self, guild_id: str, limit: int = 10, now: datetime | None = None, days: int = 30
    ) -> list[LeaderRow]:
        """Top people by summed grade score, counting only reviews made in this server.

        With `now`, only the last `days` days count; without it, all time.
        """
        sql = f"""SELECT user_id, COUNT(*) AS n, {_CORRECT} AS correct, SUM(score) AS score
                  FROM reviews WHERE guild_id = ?"""
        params: tuple[Any, ...] = (guild_id,)
        if now is not None:
            since = require_utc(now) - timedelta(days=days)
            sql += " AND reviewed_at > ? AND reviewed_at <= ?"
            params += (self.db.ts(since), self.db.ts(now))
        sql += " GROUP BY user_id ORDER BY score DESC, n DESC, user_id LIMIT ?"
        return [
            LeaderRow(row["user_id"], int(row["n"]), int(row["correct"]), float(row["score"]))
            for row in self.db.query(sql, (*params, max(0, limit)))
        ]

    def card_answers(
        self, card_id: str, guild_id: str | None, since: datetime, until: datetime
    ) -> tuple[int, int]:
        """(people who answered, people who got it right) for a card in a server in a window."""
        rows = self.db.query(
            f"""SELECT COUNT(DISTINCT user_id) AS answered,
                      COUNT(DISTINCT CASE WHEN verdict = 'correct' THEN user_id END) AS correct
               FROM reviews WHERE card_id = ? AND guild_id {self.db.null_safe_eq} ?
                   AND skipped = 0 AND reviewed_at >= ? AND reviewed_at < ?""",
            (card_id, guild_id, self.db.ts(since), self.db.ts(until)),
        )
        return int(rows[0]["answered"]), int(rows[0]["correct"])
