"""The push ledger: one row per (subscription, local day), written before anything is sent.

Exactly once: `begin_push` writes the ledger row for (subscription, local day) with status
`intent` in the same transaction that moves the subscription on to its next day; only then
is anything sent, and `finish_push` or `fail_push` records the outcome. A crash in between
leaves an `intent` row, which the scheduler sends again with the same message nonce, so
Discord returns the first message instead of posting a second one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from bot.core import daily
from bot.core.records import PushRecord, Subscription
from bot.infra.db.base import Database
from bot.infra.db.daily_records import PUSH_COLUMNS, push_from_row


class PushLedgerRepo:
    """Intents, outcomes and the history of daily pushes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def advance(self, subscription_id: int, next_day: date, next_due: datetime) -> None:
        """Move a subscription on to wait for `next_day` (after skipped days); ends its claim."""
        with self.db.tx() as tx:
            tx.execute(
                """UPDATE daily_subscriptions SET next_day = ?, next_due = ?, claimed_by = NULL,
                       claimed_until = NULL WHERE id = ?""",
                (next_day.isoformat(), self.db.ts(next_due), subscription_id),
            )

    def begin_push(
        self,
        sub: Subscription,
        decided: daily.Plan,
        cards: Sequence[tuple[str, str]],
        session_id: int,
        now: datetime,
        *,
        owner: str | None = None,
        lease_until: datetime | None = None,
    ) -> PushRecord | None:
        """Record the intent to push `decided.push_day`, and move the subscription on.

        Returns None (and sends nothing) when that day already has a ledger row, whatever
        its status: a day is pushed at most once. The row belongs to `owner` (the process
        that will send it) until `lease_until`; the subscription's claim ends here.
        """
        if decided.push_day is None:
            raise ValueError("the plan has no push")
        day = decided.push_day.isoformat()
        with self.db.tx() as tx:
            tx.execute(
                """UPDATE daily_subscriptions SET next_day = ?, next_due = ?, claimed_by = NULL,
                       claimed_until = NULL WHERE id = ?""",
                (decided.next_day.isoformat(), self.db.ts(decided.next_due), sub.id),
            )
            cur = tx.execute(
                """INSERT INTO daily_pushes (subscription_id, local_date, user_id,
                       guild_id, card_ids, reasons, session_id, status, intended_at, owner,
                       lease_until)
                   VALUES (?, ?, ?, ?, ?, ?, ?, 'intent', ?, ?, ?)
                   ON CONFLICT (subscription_id, local_date) DO NOTHING""",
                (
                    sub.id,
                    day,
                    sub.user_id,
                    sub.guild_id,
                    json.dumps([c for c, _ in cards]),
                    json.dumps([r for _, r in cards]),
                    session_id,
                    self.db.ts(now),
                    owner,
                    self.db.ts(lease_until, "lease_until") if lease_until else None,
                ),
            )
            if cur.rowcount == 0:
                return None
            row = tx.execute(
                f"SELECT {PUSH_COLUMNS} FROM daily_pushes WHERE subscription_id = ? "
                "AND local_date = ?",
                (sub.id, day),
            ).fetchone()
        return push_from_row(row)

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
        with self.db.tx() as tx:
            tx.execute(
                """UPDATE daily_pushes SET status = ?, error = ?, message_ids = ?, finished_at = ?
                   WHERE subscription_id = ? AND local_date = ? AND status = 'intent'""",
                (
                    status,
                    error,
                    json.dumps(message_ids),
                    self.db.ts(now),
                    subscription_id,
                    day.isoformat(),
                ),
            )

    def open_pushes(
        self, takeable_by: str | None = None, now: datetime | None = None
    ) -> list[PushRecord]:
        """Pushes whose intent was recorded but whose outcome was not (a crash, a lost reply).

        With `takeable_by` and `now`: only those that process may send, its own and those
        whose owner's lease ran out (see `take_push`).
        """
        sql = f"SELECT {PUSH_COLUMNS} FROM daily_pushes WHERE status = 'intent'"
        params: tuple[object, ...] = ()
        if takeable_by is not None and now is not None:
            sql += " AND (owner IS NULL OR owner = ? OR lease_until IS NULL OR lease_until < ?)"
            params = (takeable_by, self.db.ts(now))
        rows = self.db.query(sql + " ORDER BY intended_at, subscription_id", params)
        return [push_from_row(r) for r in rows]

    def take_push(
        self, subscription_id: int, day: date, owner: str, until: datetime, now: datetime
    ) -> bool:
        """Make an open push `owner`'s to send until `until`; False when another owns it.

        A push is takeable by its owner, and by anyone once its owner's lease ran out at
        `now` (the owner died or stalled); the one UPDATE decides between rivals.
        """
        with self.db.tx() as tx:
            cur = tx.execute(
                """UPDATE daily_pushes SET owner = ?, lease_until = ?
                   WHERE subscription_id = ? AND local_date = ? AND status = 'intent'
                       AND (owner IS NULL OR owner = ? OR lease_until IS NULL
                            OR lease_until < ?)""",
                (
                    owner,
                    self.db.ts(until, "until"),
                    subscription_id,
                    day.isoformat(),
                    owner,
                    self.db.ts(now),
                ),
            )
            return cur.rowcount > 0

    def pushes(self, subscription_id: int) -> list[PushRecord]:
        """Every ledger row of a subscription, oldest day first."""
        rows = self.db.query(
            f"""SELECT {PUSH_COLUMNS} FROM daily_pushes WHERE subscription_id = ?
                ORDER BY local_date""",
            (subscription_id,),
        )
        return [push_from_row(r) for r in rows]

    def previous_push(self, subscription_id: int, before: date) -> PushRecord | None:
        """The last delivered push of a subscription before local day `before`."""
        rows = self.db.query(
            f"""SELECT {PUSH_COLUMNS} FROM daily_pushes WHERE subscription_id = ?
                AND local_date < ? AND status = 'sent' ORDER BY local_date DESC LIMIT 1""",
            (subscription_id, before.isoformat()),
        )
        return push_from_row(rows[0]) if rows else None
