"""The records of daily pushes: a subscription, and one row of the push ledger."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.core import daily
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
    def from_row(cls, row: Row) -> Subscription:
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
            next_due=dt(row["next_due"]),
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
    def from_row(cls, row: Row) -> PushRecord:
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
            intended_at=dt(row["intended_at"]),
            finished_at=dt(row["finished_at"]) if row["finished_at"] else None,
        )
