"""Many people due in the same minute: all delivered once, paced under the global limit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

import pytest

from bot.app.daily import TokenBucket
from tests.app.daily.conftest import DailyWorld, pushed

pytestmark = [pytest.mark.daily, pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

# Local times that are all 09:00 UTC on 1 September 2026.
ZONES = (
    ("UTC", time(9, 0)),
    ("Europe/Berlin", time(11, 0)),
    ("America/New_York", time(5, 0)),
    ("Asia/Tokyo", time(18, 0)),
    ("Asia/Kolkata", time(14, 30)),
)


async def test_a_thousand_people_due_in_one_minute_get_one_quiz_each(
    daily_world: DailyWorld,
) -> None:
    world, emu = daily_world, daily_world.emu
    people = [emu.create_user(f"many{i}") for i in range(1000)]
    created = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)

    def subscribe_all() -> None:
        for i, user in enumerate(people):
            zone, at = ZONES[i % len(ZONES)]
            world.subs.subscribe_dm(
                user_id=str(user.id),
                guild_id=None,
                at=at,
                zone=zone,
                topic=None,
                cards=2,
                now=created,
            )

    await asyncio.to_thread(subscribe_all)
    # Discord's global limit, scaled up tenfold so the test stays short; the pushes are
    # paced just under it, as in production (45 of 50 per second).
    emu.set_rate_limits(global_per_second=500, route_limits=True, window_scale=0.1)
    world.cog.sender.bucket = TokenBucket(450)
    try:
        before = emu.stats()["rate_limited_by"]["global"]
        report = await world.scheduler.tick(datetime(2026, 9, 1, 9, 0, 20, tzinfo=UTC))
        global_429s = emu.stats()["rate_limited_by"]["global"] - before
    finally:
        emu.set_rate_limits(global_per_second=None, route_limits=False)
    assert report.left_open == 0 and report.errors == []
    counts = [len(pushed(world, u)) for u in people]
    assert counts == [1] * len(people)
    nonces = [pushed(world, u)[0].nonce for u in people]
    assert len(set(nonces)) == len(people)
    assert global_429s == 0, "pacing should keep every push under the global limit"
    # The next minute finds nothing more to send for them.
    again = await world.scheduler.tick(datetime(2026, 9, 1, 9, 1, 20, tzinfo=UTC))
    assert again.claimed == 0 and again.resumed == 0
