"""How fast the real discord.py client pushes DMs through the emulator (`bot.bench.emulator_throughput`)."""

from __future__ import annotations

import pytest

from bot.bench.emulator_throughput import measure

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_throughput_probe_delivers_every_dm_once() -> None:
    result = await measure(people=200, global_limit=None, concurrency=50)
    assert result["delivered"] == 200
    assert result["rate_limited"] == 0
