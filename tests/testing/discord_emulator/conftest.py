"""Fixtures: a fresh emulator per test, with discord.py pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.testing.discord_emulator import Emulator


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """A running emulator on a free 127.0.0.1 port; discord.py's two URLs point at it."""
    async with Emulator(heartbeat_interval_ms=1_000) as emulator:
        with emulator.patch_discord():
            yield emulator
        # A request the emulator itself failed on, or an answer or dispatch of its own that
        # breaks Discord's spec, is a bug here, not a Discord behaviour. (Bodies that break
        # the spec are sent on purpose by some tests here, which count them themselves.)
        assert [p for p in emulator.problems() if not p.startswith("request ")] == []
        assert emulator.stats()["emulator_errors"] == 0
