"""Daily-push subscriptions, the push ledger and pending notices, in the progress database.

It shares the `ProgressStore`'s connection and lock (one SQLite file, one writer at a
time, every write one `BEGIN IMMEDIATE` transaction); the tables come from migration
`m010_daily`.

Exactly once: `begin_push` writes the ledger row for (subscription, local day) with status
`intent` in the same transaction that moves the subscription on to its next day; only then
is anything sent, and `finish_push` or `fail_push` records the outcome. A crash in between
leaves an `intent` row, which the scheduler sends again with the same message nonce, so
Discord returns the first message instead of posting a second one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import daily
from bot.core.scheduling import require_utc
from bot.errors import InputError
from bot.infra.store import ProgressStore

_SUB_COLUMNS = (
    "id, kind, user_id, guild_id, channel_id, at, zone, topic, cards, status, paused_reason, "
    "next_day, next_due"
)
_PUSH_COLUMNS = (
    "subscription_id, local_date, user_id, guild_id, card_ids, reasons, session_id, status, "
    "error, message_ids, intended_at, finished_at"
)


def _ts(when: datetime) -> str:
    # The same fixed-width UTC text as the progress store: text order is time order.
    return require_utc(when).isoformat(timespec="microseconds")


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


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

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Subscription:
        """Build from a `daily_subscriptions` row."""
        hour, minute = (int(x) for x in row["at"].split(":"))
        return cls(
            id=int(row["id"]),
            kind=row["kind"],
            user_id=row["user_id"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            at=time(hour, minute),
            zone=row["zone"],
            topic=row["topic"],
            cards=int(row["cards"]),
            status=row["status"],
            paused_reason=row["paused_reason"],
            next_day=date.fromisoformat(row["next_day"]),
            next_due=_dt(row["next_due"]),
        )


@dataclass(frozen=True, slots=True)
class PushRecord:
    """One row of the ledger: the push of one subscription on one local day."""

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

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> PushRecord:
        """Build from a `daily_pushes` row."""
        return cls(
            subscription_id=int(row["subscription_id"]),
            local_date=date.fromisoformat(row["local_date"]),
            user_id=row["user_id"],
            guild_id=row["guild_id"],
            card_ids=list(json.loads(row["card_ids"])),
            reasons=list(json.loads(row["reasons"])),
            session_id=int(row["session_id"]),
            status=row["status"],
            error=row["error"],
            message_ids=list(json.loads(row["message_ids"] or "[]")),
            intended_at=_dt(row["intended_at"]),
            finished_at=_dt(row["finished_at"]) if row["finished_at"] else None,
        )


class SubscriptionStore:
    """Subscriptions, the push ledger and pending notices, over a `ProgressStore`'s database."""

    def __init__(self, progress: ProgressStore) -> None:
        self.progress = progress
        # One connection and lock for the whole database: two connections in one process
        # would only wait on each other's write locks.
        self._tx = progress._tx
        self._query = progress._query

    # --- subscribing ----------------------------------------------------------------------

    def subscribe_dm(
        self,
        *,
        user_id: str,
        guild_id: str | None,
        at: time,
        zone: str,
        topic: str | None,
        cards: int,
        now: datetime,
        channel_id: str | None = None,
    ) -> Subscription:
        """Start (or change, or resume) a person's daily quiz by DM.

        `channel_id` is their DM channel with the bot when known (the command came from
        it); None keeps the one already remembered, if any.
        """
        if not user_id:
            raise InputError("a daily quiz needs a person")
        return self._upsert(
            "dm", "user_id", user_id, guild_id, channel_id, at, zone, topic, cards, now
        )

    def subscribe_channel(
        self,
        *,
        guild_id: str,
        channel_id: str,
        at: time,
        zone: str,
        topic: str | None,
        now: datetime,
    ) -> Subscription:
        """Start (or change, or resume) a channel's shared daily question."""
        if not guild_id or not channel_id:
            raise InputError("a channel's daily question needs a server and a channel")
        return self._upsert(
            "channel", "channel_id", channel_id, guild_id, channel_id, at, zone, topic, 1, now
        )

    def _upsert(
        self,
        kind: str,
        key: str,
        value: str,
        guild_id: str | None,
        channel_id: str | None,
        at: time,
        zone_name: str,
        topic: str | None,
        cards: int,
        now: datetime,
    ) -> Subscription:
        tz = daily.zone(zone_name)
        daily.check_cards(cards)
        topic = (topic or "").strip() or None
        stamp, at_text = _ts(now), daily.format_time(at)
        with self._tx() as conn:
            row = conn.execute(
                f"SELECT {_SUB_COLUMNS} FROM daily_subscriptions WHERE kind = ? AND {key} = ?",
                (kind, value),
            ).fetchone()
            if row is None:
                first = daily.first_day(now, at, tz)
                user_id = value if kind == "dm" else None
                cur = conn.execute(
                    """INSERT INTO daily_subscriptions (kind, user_id, guild_id, channel_id, at,
                           zone, topic, cards, status, next_day, next_due, created_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)""",
                    (
                        kind,
                        user_id,
                        guild_id,
                        channel_id,
                        at_text,
                        tz.key,
                        topic,
                        cards,
                        first.isoformat(),
                        _ts(daily.slot(first, at, tz)),
                        stamp,
                        stamp,
                    ),
                )
                sub_id = int(cur.lastrowid or 0)
            else:
                old = Subscription.from_row(row)
                sub_id = old.id
                # A new schedule or a resumed one starts from the next slot after now, so
                # changing the time never sends a quiz at once; the ledger still forbids a
                # second push on a day that already had one.
                rescheduled = old.status != "active" or old.at != at or old.zone != tz.key
                first = daily.first_day(now, at, tz) if rescheduled else old.next_day
                conn.execute(
                    """UPDATE daily_subscriptions SET guild_id = ?, channel_id = ?, at = ?,
                           zone = ?, topic = ?, cards = ?, status = 'active',
                           paused_reason = NULL, next_day = ?, next_due = ?, updated_at = ?
                       WHERE id = ?""",
                    (
                        guild_id if kind == "dm" else old.guild_id,
                        (channel_id or old.channel_id) if kind == "dm" else old.channel_id,
                        at_text,
                        tz.key,
                        topic,
                        cards,
                        first.isoformat(),
                        _ts(daily.slot(first, at, tz)),
                        stamp,
                        sub_id,
                    ),
                )
            out = conn.execute(
                f"SELECT {_SUB_COLUMNS} FROM daily_subscriptions WHERE id = ?", (sub_id,)
            ).fetchone()
        return Subscription.from_row(out)

    def unsubscribe_dm(self, user_id: str, now: datetime) -> bool:
        """Stop a person's daily quiz; False when they had none running."""
        return self._set_status("kind = 'dm' AND user_id = ?", user_id, "off", None, now)

    def unsubscribe_channel(self, channel_id: str, now: datetime) -> bool:
        """Stop a channel's daily question; False when it had none running."""
        return self._set_status("kind = 'channel' AND channel_id = ?", channel_id, "off", None, now)

    def pause(self, subscription_id: int, reason: str, now: datetime) -> bool:
        """Pause a subscription that cannot be delivered (DMs closed, channel gone)."""
        return self._set_status("id = ?", subscription_id, "paused", reason, now)

    def _set_status(
        self, where: str, value: Any, status: str, reason: str | None, now: datetime
    ) -> bool:
        with self._tx() as conn:
            cur = conn.execute(
                f"""UPDATE daily_subscriptions SET status = ?, paused_reason = ?, updated_at = ?
                    WHERE {where} AND status = 'active'""",
                (status, reason, _ts(now), value),
            )
            return cur.rowcount > 0

    def set_channel(self, subscription_id: int, channel_id: str) -> None:
        """Remember a DM subscription's DM channel (saves one request per push)."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE daily_subscriptions SET channel_id = ? WHERE id = ? AND kind = 'dm'",
                (channel_id, subscription_id),
            )

    # --- reading --------------------------------------------------------------------------

    def get(self, subscription_id: int) -> Subscription | None:
        """A subscription by id."""
        rows = self._query(
            f"SELECT {_SUB_COLUMNS} FROM daily_subscriptions WHERE id = ?", (subscription_id,)
        )
        return Subscription.from_row(rows[0]) if rows else None

    def dm_subscription(self, user_id: str) -> Subscription | None:
        """A person's daily-quiz subscription (in any status), or None."""
        rows = self._query(
            f"SELECT {_SUB_COLUMNS} FROM daily_subscriptions WHERE kind = 'dm' AND user_id = ?",
            (user_id,),
        )
        return Subscription.from_row(rows[0]) if rows else None

    def channel_subscriptions(self, guild_id: str) -> list[Subscription]:
        """A server's channel subscriptions (in any status)."""
        rows = self._query(
            f"""SELECT {_SUB_COLUMNS} FROM daily_subscriptions
                WHERE kind = 'channel' AND guild_id = ? ORDER BY id""",
            (guild_id,),
        )
        return [Subscription.from_row(r) for r in rows]

    def due(self, now: datetime, limit: int = 100_000) -> list[Subscription]:
        """Active subscriptions whose awaited slot is at or before `now`, earliest first."""
        rows = self._query(
            f"""SELECT {_SUB_COLUMNS} FROM daily_subscriptions
                WHERE status = 'active' AND next_due <= ? ORDER BY next_due, id LIMIT ?""",
            (_ts(now), limit),
        )
        return [Subscription.from_row(r) for r in rows]

    # --- the ledger -----------------------------------------------------------------------

    def advance(self, subscription_id: int, next_day: date, next_due: datetime) -> None:
        """Move a subscription on to wait for `next_day` (after skipped days)."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE daily_subscriptions SET next_day = ?, next_due = ? WHERE id = ?",
                (next_day.isoformat(), _ts(next_due), subscription_id),
            )

    def begin_push(
        self,
        sub: Subscription,
        decided: daily.Plan,
        cards: Sequence[tuple[str, str]],
        session_id: int,
        now: datetime,
    ) -> PushRecord | None:
        """Record the intent to push `decided.push_day`, and move the subscription on.

        Returns None (and sends nothing) when that day already has a ledger row, whatever
        its status: a day is pushed at most once.
        """
        if decided.push_day is None:
            raise ValueError("the plan has no push")
        day = decided.push_day.isoformat()
        with self._tx() as conn:
            conn.execute(
                "UPDATE daily_subscriptions SET next_day = ?, next_due = ? WHERE id = ?",
                (decided.next_day.isoformat(), _ts(decided.next_due), sub.id),
            )
            cur = conn.execute(
                """INSERT OR IGNORE INTO daily_pushes (subscription_id, local_date, user_id,
                       guild_id, card_ids, reasons, session_id, status, intended_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, 'intent', ?)""",
                (
                    sub.id,
                    day,
                    sub.user_id,
                    sub.guild_id,
                    json.dumps([c for c, _ in cards]),
                    json.dumps([r for _, r in cards]),
                    session_id,
                    _ts(now),
                ),
            )
            if cur.rowcount == 0:
                return None
            row = conn.execute(
                f"SELECT {_PUSH_COLUMNS} FROM daily_pushes WHERE subscription_id = ? "
                "AND local_date = ?",
                (sub.id, day),
            ).fetchone()
        return PushRecord.from_row(row)

    def finish_push(
        self, subscription_id: int, day: date, message_ids: Sequence[str], now: datetime
    ) -> None:
        """Record that a push was delivered (its message ids)."""
        self._finish(subscription_id, day, "sent", None, list(message_ids), now)

    def fail_push(self, subscription_id: int, day: date, error: str, now: datetime) -> None:
        """Record that a push cannot be delivered (it is not tried again)."""
        self._finish(subscription_id, day, "failed", error, [], now)

    def _finish(
        self,
        subscription_id: int,
        day: date,
        status: str,
        error: str | None,
        message_ids: list[str],
        now: datetime,
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                """UPDATE daily_pushes SET status = ?, error = ?, message_ids = ?, finished_at = ?
                   WHERE subscription_id = ? AND local_date = ? AND status = 'intent'""",
                (
                    status,
                    error,
                    json.dumps(message_ids),
                    _ts(now),
                    subscription_id,
                    day.isoformat(),
                ),
            )

    def open_pushes(self) -> list[PushRecord]:
        """Pushes whose intent was recorded but whose outcome was not (a crash, a lost reply)."""
        rows = self._query(
            f"""SELECT {_PUSH_COLUMNS} FROM daily_pushes WHERE status = 'intent'
                ORDER BY intended_at, subscription_id"""
        )
        return [PushRecord.from_row(r) for r in rows]

    def pushes(self, subscription_id: int) -> list[PushRecord]:
        """Every ledger row of a subscription, oldest day first."""
        rows = self._query(
            f"""SELECT {_PUSH_COLUMNS} FROM daily_pushes WHERE subscription_id = ?
                ORDER BY local_date""",
            (subscription_id,),
        )
        return [PushRecord.from_row(r) for r in rows]

    def previous_push(self, subscription_id: int, before: date) -> PushRecord | None:
        """The last delivered push of a subscription before local day `before`."""
        rows = self._query(
            f"""SELECT {_PUSH_COLUMNS} FROM daily_pushes WHERE subscription_id = ?
                AND local_date < ? AND status = 'sent' ORDER BY local_date DESC LIMIT 1""",
            (subscription_id, before.isoformat()),
        )
        return PushRecord.from_row(rows[0]) if rows else None

    def answers(
        self, card_id: str, guild_id: str | None, since: datetime, until: datetime
    ) -> tuple[int, int]:
        """(people who answered, people who got it right) for a card in a server in a window."""
        rows = self._query(
            """SELECT COUNT(DISTINCT user_id) AS answered,
                      COUNT(DISTINCT CASE WHEN verdict = 'correct' THEN user_id END) AS correct
               FROM reviews WHERE card_id = ? AND guild_id IS ? AND skipped = 0
                   AND reviewed_at >= ? AND reviewed_at < ?""",
            (card_id, guild_id, _ts(since), _ts(until)),
        )
        return int(rows[0]["answered"]), int(rows[0]["correct"])

    # --- notices for people we could not reach --------------------------------------------

    def add_notice(self, user_id: str, text: str, now: datetime) -> None:
        """Keep a message for a person, shown the next time they use a command."""
        with self._tx() as conn:
            conn.execute(
                """INSERT INTO daily_notices (user_id, text, created_at) VALUES (?, ?, ?)
                   ON CONFLICT (user_id) DO UPDATE SET text = excluded.text,
                       created_at = excluded.created_at""",
                (user_id, text, _ts(now)),
            )

    def peek_notice(self, user_id: str) -> str | None:
        """A person's pending notice, left in place."""
        rows = self._query("SELECT text FROM daily_notices WHERE user_id = ?", (user_id,))
        return str(rows[0]["text"]) if rows else None

    def clear_notice(self, user_id: str, text: str) -> None:
        """Drop a pending notice once shown (unless a newer one replaced it meanwhile)."""
        with self._tx() as conn:
            conn.execute(
                "DELETE FROM daily_notices WHERE user_id = ? AND text = ?", (user_id, text)
            )
