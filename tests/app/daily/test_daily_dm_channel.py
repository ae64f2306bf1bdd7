"""Each person's DM channel is remembered from /daily on, so a push is one request per message;
a remembered channel that Discord no longer knows is asked for again once, else paused."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.testing.discord_emulator import InteractionRecord, User
from tests.app.conftest import WAIT, embed_text
from tests.app.daily.conftest import DailyWorld, pushed

pytestmark = [pytest.mark.daily, pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

OPEN_DM = "POST /users/@me/channels"
# Minutes of the day no other test's subscriptions use, one per test here (each test's
# people stay subscribed), so a tick at one pushes only to that test's people once
# everything due earlier that day has been sent.
SLOTS = (time(21, 13), time(21, 14), time(21, 15))


def bot_rest_calls(world: DailyWorld, start: int) -> list[str]:
    """The bot's REST calls since `start`, leaving out interaction answers and follow-ups
    (those do not count against Discord's global limit)."""
    calls = world.emu.requests[start:]
    return [
        f"{r.method} {r.path}"
        for r in calls
        if not r.path.startswith(("/interactions/", "/webhooks/"))
    ]


async def flush_before(world: DailyWorld, slot: datetime) -> None:
    """Send whatever other tests left due that day, so the tick at `slot` is ours alone."""
    await world.scheduler.tick(slot - timedelta(seconds=30))


def channel_of(world: DailyWorld, user: User) -> str | None:
    """The DM channel id a person's subscription remembers."""
    sub = world.subs.dm_subscription(str(user.id))
    assert sub is not None
    return sub.channel_id


async def subscribed_in_server(world: DailyWorld, user: User, at: str) -> InteractionRecord:
    """/daily on in the server, once the DM channel it opens afterwards is stored."""
    done = await world.slash("daily on", user, time=at, cards=1)
    await world.emu.wait_until(
        lambda: channel_of(world, user) is not None, WAIT, f"{user.username}'s DM channel"
    )
    return done


async def test_subscribing_remembers_the_dm_channel_and_a_push_is_one_request(
    daily_world: DailyWorld,
) -> None:
    world, emu = daily_world, daily_world.emu
    slot = datetime.combine(date(2027, 3, 10), SLOTS[0], tzinfo=UTC)
    await flush_before(world, slot)
    nia, omar = await world.person("nia"), await world.person("omar")
    world.clock.now = slot - timedelta(minutes=20)

    # From the bot's DM: the command's channel is the DM, stored with the subscription.
    dm = emu.dm_channel(nia)
    done = await world.slash("daily on", nia, where=dm, time="21:13", cards=1)
    assert done.response is not None and "Daily quiz on" in str(done.response.data)
    assert channel_of(world, nia) == str(dm.id)

    # From a server: the DM channel is opened after the answer and stored, off the push path.
    done = await subscribed_in_server(world, omar, "21:13")
    assert done.response is not None and "Daily quiz on" in str(done.response.data)
    assert channel_of(world, omar) == str(emu.dm_channel(omar).id)

    start = len(emu.requests)
    report = await world.scheduler.tick(slot + timedelta(seconds=10))
    assert report.sent == 2 and report.errors == []
    assert len(pushed(world, nia)) == len(pushed(world, omar)) == 1
    assert sorted(bot_rest_calls(world, start)) == sorted(
        f"POST /channels/{emu.dm_channel(u).id}/messages" for u in (nia, omar)
    )


async def test_a_stale_remembered_channel_is_opened_again_once(daily_world: DailyWorld) -> None:
    world, emu = daily_world, daily_world.emu
    slot = datetime.combine(date(2027, 3, 11), SLOTS[1], tzinfo=UTC)
    await flush_before(world, slot)
    pia = await world.person("pia")
    # A channel id Discord no longer knows (say, remembered under an earlier bot application).
    gone = await emu.create_channel(world.guild, "gone")
    await emu.delete_channel(gone)
    await asyncio.to_thread(
        lambda: world.subs.subscribe_dm(
            user_id=str(pia.id),
            guild_id=None,
            at=SLOTS[1],
            zone="UTC",
            topic=None,
            cards=1,
            now=slot - timedelta(hours=1),
            channel_id=str(gone.id),
        )
    )

    start = len(emu.requests)
    report = await world.scheduler.tick(slot + timedelta(seconds=10))
    assert report.sent == 1 and report.paused == 0
    dm = emu.dm_channel(pia)
    assert bot_rest_calls(world, start) == [
        f"POST /channels/{gone.id}/messages",
        OPEN_DM,
        f"POST /channels/{dm.id}/messages",
    ]
    assert len(pushed(world, pia)) == 1
    assert channel_of(world, pia) == str(dm.id)  # the next day's push is one request again
    sub = world.subs.dm_subscription(str(pia.id))
    assert sub is not None
    assert [(p.status, p.error) for p in world.subs.pushes(sub.id)] == [("sent", None)]


async def test_a_dm_channel_gone_for_good_pauses_and_tells_the_person_not_the_owner(
    daily_world: DailyWorld,
) -> None:
    world, emu = daily_world, daily_world.emu
    slot = datetime.combine(date(2027, 3, 12), SLOTS[2], tzinfo=UTC)
    await flush_before(world, slot)
    quinn = await world.person("quinn")
    world.clock.now = slot - timedelta(hours=1)
    await subscribed_in_server(world, quinn, "21:15")
    owner_dms = len(emu.dm_messages(world.owner))
    await emu.delete_channel(emu.dm_channel(quinn))  # Discord hands back the same dead id

    report = await world.scheduler.tick(slot + timedelta(seconds=10))
    assert report.paused == 1 and report.sent == 0
    sub = world.subs.dm_subscription(str(quinn.id))
    assert sub is not None and (sub.status, sub.paused_reason) == ("paused", "dm_closed")
    assert [(p.status, p.error) for p in world.subs.pushes(sub.id)] == [("failed", "channel_gone")]
    notice = world.subs.peek_notice(str(quinn.id))
    assert notice is not None and "paused" in notice
    # A person's DMs are theirs: the server owner is not told about them.
    assert len(emu.dm_messages(world.owner)) == owner_dms
    assert not any("Daily question paused" in embed_text(m) for m in emu.dm_messages(world.owner))
