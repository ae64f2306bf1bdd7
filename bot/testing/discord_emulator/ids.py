"""Snowflake ids, tokens and timestamps shaped like Discord's."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import time

DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeFactory:
    """Hands out unique, increasing snowflakes whose timestamp part is the real clock."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._last = 0

    def next(self) -> int:
        """Return a fresh snowflake (strictly greater than every earlier one)."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (ms << 22) | (1 << 17) | (next(self._counter) & 0xFFF)
        # Two ids in the same millisecond could wrap the counter; keep them increasing anyway.
        value = max(value, self._last + 1)
        self._last = value
        return value


def new_token(prefix: str = "") -> str:
    """Return an opaque token like the ones Discord gives interactions and sessions."""
    return prefix + secrets.token_urlsafe(24)


def iso_now() -> str:
    """Return the current UTC time in Discord's ISO 8601 format."""
    return dt.datetime.now(dt.UTC).isoformat()


def snowflake_time(snowflake: int) -> str:
    """Return the ISO timestamp encoded in ``snowflake``."""
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()
