"""Interaction acknowledgement and event-loop stalls with many people quizzing at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.settings import Settings


def bench_discord(settings: Settings, workdir: Path, *, people: int) -> dict[str, Any]:
    """Placeholder until the Discord front end exists: says so instead of inventing figures."""
    return {"reason": "the Discord front end (bot/app) cannot run a bot yet"}
