"""How values cross into the database: times as fixed-width UTC text, id lists as JSON.

Both engines store a time as the same text (`2026-03-10T15:00:00.000000+00:00`): always
microseconds, always `+00:00`, so comparing the text compares the instants, an index on
the column serves range queries, and a database copied from one engine to the other needs
no conversion.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime

from bot.core.scheduling import require_utc


def ts(when: datetime, name: str = "now") -> str:
    """`when` (timezone-aware, any zone) as fixed-width UTC text; naive times are refused."""
    return require_utc(when, name).isoformat(timespec="microseconds")


def dt(text: str) -> datetime:
    """The UTC datetime stored as `text` by `ts`."""
    return datetime.fromisoformat(text).astimezone(UTC)


def ids_json(among: Collection[str]) -> str:
    """One JSON parameter instead of N placeholders: no limit on how many ids may be passed."""
    return json.dumps(list(among))
