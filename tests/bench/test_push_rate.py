"""The daily-push rate measurement (`bot.bench.push_rate`) against the in-process emulator."""

from __future__ import annotations

import pytest

from bot.bench.push_rate import measure_push_rate
from bot.testing.discord_emulator import Emulator

pytestmark = [pytest.mark.daily, pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_measure_push_rate_against_the_realistic_limiter() -> None:
    async with Emulator() as emu:
        people = [emu.create_user(f"r{i}") for i in range(30)]
        emu.set_rate_limits(global_per_second=50, route_limits=True)
        result = await measure_push_rate(
            30, api_base=emu.api_base, user_ids=[u.id for u in people], rate=45.0
        )
        assert result["delivered"] == 30 and result["failed"] == 0
        assert all(len(emu.dm_messages(u)) == 1 for u in people)
        assert result["requests"] == 60  # a DM channel and a message per person
        assert result["rate_limited"] == emu.stats()["rate_limited"] == 0
        assert result["msgs_per_s"] > 0

        # DM channels remembered since /daily on: one request per push.
        more = [emu.create_user(f"k{i}") for i in range(30)]
        channels = {u.id: emu.dm_channel(u).id for u in more}
        known = await measure_push_rate(
            30,
            api_base=emu.api_base,
            user_ids=[u.id for u in more],
            rate=45.0,
            channels=channels,
        )
        assert known["delivered"] == 30 and known["known_channels"] == 30
        assert all(len(emu.dm_messages(u)) == 1 for u in more)
        assert known["requests"] == 30
        assert known["rate_limited"] == emu.stats()["rate_limited"] == 0
        assert emu.problems() == []
