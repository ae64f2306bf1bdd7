"""Daily push delivery rate against Discord's realistic global rate limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.settings import Settings


def bench_push(settings: Settings, workdir: Path, *, subscribers: int) -> dict[str, Any]:
    """Placeholder until the daily push exists: says so instead of inventing figures."""
    return {"reason": "the daily push feature does not exist yet"}
