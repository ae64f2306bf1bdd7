"""Daily-push subscriptions (a person's DMs or a server channel) and pending notices.

The tables come from migration `m010_daily`; the push ledger is `bot.infra.db.push_ledger`.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from bot.core import daily
from bot.core.records import Subscription
from bot.errors import InputError
from bot.infra.db.base import Database
from bot.infra.db.daily_records import SUB_COLUMNS, subscription_from_row


class SubscriptionRepo:
    """Subscribing, unsubscribing, pausing and finding subscriptions; notices to people."""

    def __init__(self, db: Database) -> None:
        self.db = db

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
        stamp, at_text = self.db.ts(now), daily.format_time(at)
        with self.db.tx() as tx:
            row = tx.execute(
                f"SELECT {SUB_COLUMNS} FROM daily_subscriptions WHERE kind = ? AND {key} = ?",
                (kind, value),
            ).fetchone()
            if row is None:
                first = daily.first_day(now, at, tz)
                user_id = value if kind == "dm" else None
                created = tx.execute(
                    """INSERT INTO daily_subscriptions (kind, user_id, guild_id, channel_id, at,
                           zone, topic, cards, status, next_day, next_due, created_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?) RETURNING id""",
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
                        self.db.ts(daily.slot(first, at, tz)),
                        stamp,
                        stamp,
                    ),
                ).fetchone()
                sub_id = int(created[0])
            else:
                old = subscription_from_row(row)
                sub_id = old.id
                # A new schedule or a resumed one starts from the next slot after now, so
                # changing the time never sends a quiz at once; the ledger still forbids a
                # second push on a day that already had one.
                rescheduled = old.status != "active" or old.at != at or old.zone != tz.key
                first = daily.first_day(now, at, tz) if rescheduled else old.next_day
                tx.execute(
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
                        self.db.ts(daily.slot(first, at, tz)),
                        stamp,
                        sub_id,
                    ),
                )
            out = tx.execute(
                f"SELECT {SUB_COLUMNS} FROM daily_subscriptions WHERE id = ?", (sub_id,)
            ).fetchone()
        return subscription_from_row(out)

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
        with self.db.tx() as tx:
            cur = tx.execute(
                f"""UPDATE daily_subscriptions SET status = ?, paused_reason = ?, updated_at = ?
                    WHERE {where} AND status = 'active'""",
                (status, reason, self.db.ts(now), value),
            )
            return cur.rowcount > 0

    def set_channel(self, subscription_id: int, channel_id: str) -> None:
        """Remember a DM subscription's DM channel (saves one request per push)."""
        with self.db.tx() as tx:
            tx.execute(
                "UPDATE daily_subscriptions SET channel_id = ? WHERE id = ? AND kind = 'dm'",
                (channel_id, subscription_id),
            )

    # --- reading --------------------------------------------------------------------------

    def get(self, subscription_id: int) -> Subscription | None:
        """A subscription by id."""
        rows = self.db.query(
            f"SELECT {SUB_COLUMNS} FROM daily_subscriptions WHERE id = ?", (subscription_id,)
        )
        return subscription_from_row(rows[0]) if rows else None

    def dm_subscription(self, user_id: str) -> Subscription | None:
        """A person's daily-quiz subscription (in any status), or None."""
        rows = self.db.query(
            f"SELECT {SUB_COLUMNS} FROM daily_subscriptions WHERE kind = 'dm' AND user_id = ?",
            (user_id,),
        )
        return subscription_from_row(rows[0]) if rows else None

    def channel_subscriptions(self, guild_id: str) -> list[Subscription]:
        """A server's channel subscriptions (in any status)."""
        rows = self.db.query(
            f"""SELECT {SUB_COLUMNS} FROM daily_subscriptions
                WHERE kind = 'channel' AND guild_id = ? ORDER BY id""",
            (guild_id,),
        )
        return [subscription_from_row(r) for r in rows]

    def due(self, now: datetime, limit: int = 100_000) -> list[Subscription]:
        """Active subscriptions whose awaited slot is at or before `now`, earliest first."""
        rows = self.db.query(
            f"""SELECT {SUB_COLUMNS} FROM daily_subscriptions
                WHERE status = 'active' AND next_due <= ? ORDER BY next_due, id LIMIT ?""",
            (self.db.ts(now), limit),
        )
        return [subscription_from_row(r) for r in rows]

    def claim_due(
        self, now: datetime, owner: str, until: datetime, limit: int
    ) -> list[Subscription]:
        """Claim up to `limit` due subscriptions for `owner` until `until`; earliest first.

        Another process's live claim is left alone (on PostgreSQL its rows are skipped, not
        waited for); a claim that ran out, or one of `owner`'s own, is taken. The claim ends
        when the push's intent is written (`PushLedgerRepo.begin_push`) or the subscription
        moves on (`advance`).
        """
        stamp = self.db.ts(now)
        with self.db.tx() as tx:
            rows = tx.execute(
                f"""UPDATE daily_subscriptions SET claimed_by = ?, claimed_until = ?
                    WHERE id IN (
                        SELECT id FROM daily_subscriptions
                        WHERE status = 'active' AND next_due <= ?
                            AND (claimed_until IS NULL OR claimed_until < ? OR claimed_by = ?)
                        ORDER BY next_due, id LIMIT ? {self.db.skip_locked})
                    RETURNING {SUB_COLUMNS}""",
                (owner, self.db.ts(until, "until"), stamp, stamp, owner, max(0, limit)),
            ).fetchall()
        subs = [subscription_from_row(r) for r in rows]
        return sorted(subs, key=lambda sub: (sub.next_due, sub.id))

    # --- notices for people we could not reach --------------------------------------------

    def add_notice(self, user_id: str, text: str, now: datetime) -> None:
        """Keep a message for a person, shown the next time they use a command."""
        with self.db.tx() as tx:
            tx.execute(
                """INSERT INTO daily_notices (user_id, text, created_at) VALUES (?, ?, ?)
                   ON CONFLICT (user_id) DO UPDATE SET text = excluded.text,
                       created_at = excluded.created_at""",
                (user_id, text, self.db.ts(now)),
            )

    def peek_notice(self, user_id: str) -> str | None:
        """A person's pending notice, left in place."""
        rows = self.db.query("SELECT text FROM daily_notices WHERE user_id = ?", (user_id,))
        return str(rows[0]["text"]) if rows else None

    def clear_notice(self, user_id: str, text: str) -> None:
        """Drop a pending notice once shown (unless a newer one replaced it meanwhile)."""
        with self.db.tx() as tx:
            tx.execute("DELETE FROM daily_notices WHERE user_id = ? AND text = ?", (user_id, text))
