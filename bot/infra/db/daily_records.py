"""Daily-push rows as the core's records (`bot.core.records.Subscription`, `PushRecord`)."""

from __future__ import annotations

import json
from datetime import date, time

from bot.core.records import PushRecord, Subscription
from bot.infra.db.base import Row
from bot.infra.db.codec import dt

SUB_COLUMNS = (
    "id, kind, user_id, guild_id, channel_id, at, zone, topic, cards, status, paused_reason, "
    "next_day, next_due"
)
PUSH_COLUMNS = (
    "subscription_id, local_date, user_id, guild_id, card_ids, reasons, session_id, status, "
    "error, message_ids, intended_at, finished_at"
)


def subscription_from_row(row: Row) -> Subscription:
    """A subscription from a `daily_subscriptions` row (`SUB_COLUMNS`)."""
    hour, minute = (int(x) for x in row["at"].split(":"))
    return Subscription(
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
        next_due=dt(row["next_due"]),
    )


def push_from_row(row: Row) -> PushRecord:
    """A ledger record from a `daily_pushes` row (`PUSH_COLUMNS`)."""
    return PushRecord(
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
        intended_at=dt(row["intended_at"]),
        finished_at=dt(row["finished_at"]) if row["finished_at"] else None,
    )
