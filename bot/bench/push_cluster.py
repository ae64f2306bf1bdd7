"""Daily pushes from several bot processes sharing one PostgreSQL: the bench group, and the
database side of the tests in tests/app/daily/test_daily_processes.py.

`due_dm_subscribers` fills the database with people whose daily quiz is due right now, so
the processes (`bot.testing.bot_cluster`) start pushing at their next tick; `ledger_counts`
and `held_by` read what the push ledger says happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta


def _zone_away_from_midnight(now: datetime) -> str:
    """A fixed-offset zone where it is between 02:00 and 22:00 now (no day boundary near)."""
    for hours in range(0, 24):
        offset = (hours + 12) % 24 - 12  # 0, 1, ..., 11, -12, ..., -1
        local = now + timedelta(hours=offset)
        if 2 <= local.hour < 22:
            # POSIX-style Etc zones have the sign inverted: Etc/GMT-3 is UTC+3.
            return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"
    return "UTC"


def due_dm_subscribers(database_url: str, dm_channels: Mapping[int, int]) -> datetime:
    """Subscribe every person (user id -> DM channel id) to a one-card daily DM, due now.

    The slot is the minute before now in a zone where no day boundary is near, and the DM
    channel is remembered as /daily on does; returns the slot's time.
    """
    from zoneinfo import ZoneInfo

    from bot.infra.store import ProgressStore
    from bot.infra.subscriptions import SubscriptionStore

    now = datetime.now(UTC)
    zone = _zone_away_from_midnight(now)
    local = (now - timedelta(minutes=1)).astimezone(ZoneInfo(zone))
    at = time(local.hour, local.minute)
    subscribed = now - timedelta(minutes=3)
    with ProgressStore(database_url) as store:
        subs = SubscriptionStore(store)
        with store.db.tx():  # one transaction: thousands of rows in seconds
            for user_id, channel_id in dm_channels.items():
                subs.subscribe_dm(
                    user_id=str(user_id),
                    guild_id=None,
                    at=at,
                    zone=zone,
                    topic=None,
                    cards=1,
                    now=subscribed,
                    channel_id=str(channel_id),
                )
    return local.replace(second=0, microsecond=0).astimezone(UTC)


def ledger_counts(database_url: str) -> dict[str, int]:
    """Push ledger rows by status, and by owner (`owner:<name>`)."""
    from bot.infra.store import ProgressStore

    with ProgressStore(database_url) as store:
        rows = store.db.query("SELECT status, owner, COUNT(*) FROM daily_pushes GROUP BY 1, 2")
    counts: dict[str, int] = {}
    for status, owner, n in rows:
        counts[status] = counts.get(status, 0) + int(n)
        key = f"owner:{owner}"
        counts[key] = counts.get(key, 0) + int(n)
    return counts


def held_by(database_url: str, owner: str) -> int:
    """Claims and open intents `owner` holds right now (what its death leaves behind)."""
    from bot.infra.store import ProgressStore

    with ProgressStore(database_url) as store:
        (claims,) = store.db.query(
            "SELECT COUNT(*) FROM daily_subscriptions WHERE claimed_by = ?", (owner,)
        )[0]
        (intents,) = store.db.query(
            "SELECT COUNT(*) FROM daily_pushes WHERE status = 'intent' AND owner = ?", (owner,)
        )[0]
    return int(claims) + int(intents)
