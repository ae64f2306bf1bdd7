"""Daily pushes when things go wrong: crashes, lost answers, closed DMs, deleted channels,
429s, and the days daylight saving skips or repeats an hour."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app.daily._sender import ATTEMPTS
from bot.testing.discord_emulator import MessageRecord, User
from tests.app.conftest import WAIT, embed_text, not_loading
from tests.app.daily.conftest import DailyWorld, pushed

pytestmark = [pytest.mark.daily, pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

SEND = r"^POST /channels/\d+/messages$"
NY = ZoneInfo("America/New_York")


def ledger(world: DailyWorld, user: User) -> list[tuple[date, str, str | None]]:
    """(local day, status, error) of every push to a person."""
    sub = world.subs.dm_subscription(str(user.id))
    assert sub is not None
    return [(p.local_date, p.status, p.error) for p in world.subs.pushes(sub.id)]


async def subscribe(world: DailyWorld, user: User, at: time, zone: str, now: datetime) -> None:
    """Subscribe through the store (the command is tested elsewhere)."""
    await asyncio.to_thread(
        lambda: world.subs.subscribe_dm(
            user_id=str(user.id), guild_id=None, at=at, zone=zone, topic=None, cards=2, now=now
        )
    )


async def test_restart_right_after_the_intent_sends_once(daily_world: DailyWorld) -> None:
    world = daily_world
    erin = await world.person("erin")
    await subscribe(world, erin, time(10, 0), "UTC", datetime(2026, 8, 1, 9, 0, tzinfo=UTC))
    due = datetime(2026, 8, 1, 10, 0, 5, tzinfo=UTC)
    jobs = await asyncio.to_thread(world.scheduler.claim, due)
    assert str(erin.id) in {j.sub.user_id for j in jobs}
    # The process dies here: the intent is in the ledger, nothing was sent.
    await world.restart()
    assert ledger(world, erin) == [(date(2026, 8, 1), "intent", None)]
    await world.scheduler.tick(due + timedelta(minutes=1))
    assert len(pushed(world, erin)) == 1
    assert ledger(world, erin) == [(date(2026, 8, 1), "sent", None)]
    await world.restart()
    await world.scheduler.tick(due + timedelta(minutes=2))
    assert len(pushed(world, erin)) == 1


async def test_a_lost_answer_is_retried_with_the_same_nonce(daily_world: DailyWorld) -> None:
    world, emu = daily_world, daily_world.emu
    fay = await world.person("fay")
    await subscribe(world, fay, time(10, 0), "UTC", datetime(2026, 8, 2, 9, 0, tzinfo=UTC))
    dm = emu.dm_channel(fay)
    route = rf"^POST /channels/{dm.id}/messages$"
    emu.lose_responses(count=1, route=route)  # posted, then the connection is cut
    await world.scheduler.tick(datetime(2026, 8, 2, 10, 0, tzinfo=UTC))
    posts = emu.requests_matching(route)
    assert len(posts) == 2, "the send should have been tried again"
    (push,) = pushed(world, fay)  # Discord's nonce check returned the first message
    assert push.nonce == "fd" + ledger_id(world, fay) + ".20260802.0"
    assert ledger(world, fay) == [(date(2026, 8, 2), "sent", None)]


def ledger_id(world: DailyWorld, user: User) -> str:
    """A person's subscription id, as text."""
    sub = world.subs.dm_subscription(str(user.id))
    assert sub is not None
    return str(sub.id)


async def test_dms_closed_pause_and_tell_the_person_at_their_next_command(
    daily_world: DailyWorld,
) -> None:
    world, emu = daily_world, daily_world.emu
    gus = await world.person("gus")
    world.clock.now = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
    await world.slash("daily on", gus, time="11:00")
    emu.close_dms(gus)
    report = await world.scheduler.tick(datetime(2026, 8, 3, 11, 0, tzinfo=UTC))
    assert report.paused >= 1
    assert ledger(world, gus) == [(date(2026, 8, 3), "failed", "dm_closed")]
    assert pushed(world, gus) == []
    # Paused: nothing more is tried while DMs stay closed.
    await world.scheduler.tick(datetime(2026, 8, 4, 11, 0, tzinfo=UTC))
    assert len(ledger(world, gus)) == 1

    topics = await world.slash("topics", gus)
    notice = await emu.wait_for_followup(
        topics, 1 if topics.response and topics.response.type == 5 else 0, timeout=WAIT
    )
    await emu.wait_until(lambda: "DMs from me are closed" in embed_text(notice), WAIT, "the notice")
    assert notice.ephemeral
    await emu.wait_until(  # told once: the notice is dropped once shown
        lambda: world.subs.peek_notice(str(gus.id)) is None, WAIT, "the notice to be cleared"
    )

    status = await world.slash("daily status", gus)
    message = await emu.wait_for_followup(status, 0, timeout=WAIT)
    await emu.wait_until(lambda: not_loading(message), WAIT, "the status")
    assert "Paused" in embed_text(message)

    emu.close_dms(gus, closed=False)
    world.clock.now = datetime(2026, 8, 4, 12, 0, tzinfo=UTC)
    await world.slash("daily on", gus, time="11:00")
    await world.scheduler.tick(datetime(2026, 8, 5, 11, 0, tzinfo=UTC))
    assert len(pushed(world, gus)) == 1


async def answer(world: DailyWorld, message: MessageRecord, user: User, text: str) -> None:
    """A person answers a channel question through their own modal."""
    custom_id = next(c for c in message.custom_ids() if c.startswith("ft:ans:"))
    opened = await world.emu.click(message, custom_id, user=user)
    await world.emu.wait_for_response(opened, timeout=WAIT)
    submitted = await world.emu.submit_modal(opened, {"Your answer": text})
    result = await world.emu.wait_for_followup(submitted, 0, timeout=WAIT)
    await world.emu.wait_until(lambda: not_loading(result), WAIT, "the graded answer")
    assert result.ephemeral


async def test_channel_question_shows_yesterdays_answer_then_pauses_when_deleted(
    daily_world: DailyWorld,
) -> None:
    world, emu = daily_world, daily_world.emu
    room = await emu.create_channel(world.guild, "question-of-the-day")
    hal, ivy = await world.person("hal"), await world.person("ivy")
    world.clock.now = datetime(2026, 8, 5, 8, 0, tzinfo=UTC)
    done = await world.slash("daily channel", world.manager, channel=room, time="12:00")
    assert done.response is not None and "every day at 12:00 UTC" in str(done.response.data)

    await world.scheduler.tick(datetime(2026, 8, 5, 12, 0, tzinfo=UTC))
    (first,) = [m for m in emu.channel_messages(room) if m.by_bot]
    assert not first.ephemeral and "Question of the day" in embed_text(first)
    card = world.services.tutor.card(first.custom_ids()[0].split(":")[2])
    world.clock.now = datetime(2026, 8, 5, 13, 0, tzinfo=UTC)
    await answer(world, first, hal, card.answer[:3000])
    await answer(world, first, ivy, "I have no idea at all, sorry.")

    await world.scheduler.tick(datetime(2026, 8, 6, 12, 0, tzinfo=UTC))
    second = [m for m in emu.channel_messages(room) if m.by_bot and m.interaction_id is None][-1]
    assert second.id != first.id
    text = embed_text(second)
    assert "Yesterday's question" in text and card.question[:40] in text
    assert "of 2 who answered got it right" in text
    assert second.custom_ids()[0].split(":")[2] != card.card_id  # a new question

    await emu.delete_channel(room)
    await world.scheduler.tick(datetime(2026, 8, 7, 12, 0, tzinfo=UTC))
    (sub,) = [
        s
        for s in world.subs.channel_subscriptions(str(world.guild.id))
        if s.channel_id == str(room.id)
    ]
    assert (sub.status, sub.paused_reason) == ("paused", "channel_gone")
    told = await emu.wait_for_message(
        emu.dm_channel(world.owner),
        lambda m: "Daily question paused" in embed_text(m),
        timeout=WAIT,
    )
    assert str(room.id) in embed_text(told)


async def test_429s_in_a_burst_are_waited_out_without_a_storm(daily_world: DailyWorld) -> None:
    world, emu = daily_world, daily_world.emu
    crowd = [await world.person(f"burst{i}") for i in range(25)]
    for user in crowd:
        await subscribe(world, user, time(14, 0), "UTC", datetime(2026, 8, 8, 9, 0, tzinfo=UTC))
    before = emu.stats()["rate_limited"]
    emu.rate_limit(count=2, route=SEND, retry_after=0.3)
    emu.rate_limit(count=1, route=r"^POST /users/@me/channels$", retry_after=0.2, is_global=True)
    report = await world.scheduler.tick(datetime(2026, 8, 8, 14, 0, tzinfo=UTC))
    assert report.left_open == 0 and report.errors == []
    assert all(len(pushed(world, u)) == 1 for u in crowd)
    assert all(ledger(world, u) == [(date(2026, 8, 8), "sent", None)] for u in crowd)
    assert emu.stats()["rate_limited"] - before == 3  # the injected ones, and no more
    for limited in emu.requests_matching(SEND, status=429)[-2:]:
        retry = [
            r for r in emu.requests_matching(SEND) if r.path == limited.path and r.t > limited.t
        ]
        assert retry and retry[0].status == 200
        assert retry[0].t - limited.t >= 0.3 - 0.01  # retry_after was honoured


async def test_dst_gap_and_repeat_each_push_once(daily_world: DailyWorld) -> None:
    world = daily_world
    jo, kim = await world.person("jo"), await world.person("kim")
    await subscribe(
        world, jo, time(2, 30), "America/New_York", datetime(2026, 3, 7, 17, 0, tzinfo=UTC)
    )
    await subscribe(
        world, kim, time(1, 30), "America/New_York", datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    )
    for start, hours in (
        (datetime(2026, 3, 8, 0, 0, tzinfo=NY), 24),
        (datetime(2026, 11, 1, 0, 0, tzinfo=NY), 25),
    ):
        now = start.astimezone(UTC)
        for _ in range(hours * 6):  # every 10 minutes through the local day
            await world.scheduler.tick(now)
            now += timedelta(minutes=10)
    # Jo's quiz also catches up on 1 November (the days between were skipped).
    gap, catch_up = world.subs.pushes(int(ledger_id(world, jo)))
    assert gap.local_date == date(2026, 3, 8) and gap.status == "sent"
    assert gap.intended_at.astimezone(NY).strftime("%H:%M %Z") == "03:30 EDT"
    assert catch_up.local_date == date(2026, 11, 1)
    (repeat,) = world.subs.pushes(int(ledger_id(world, kim)))
    assert repeat.local_date == date(2026, 11, 1) and repeat.status == "sent"
    assert repeat.intended_at.astimezone(NY).strftime("%H:%M %Z") == "01:30 EDT"
    assert len(pushed(world, jo)) == 2 and len(pushed(world, kim)) == 1


async def test_an_intent_older_than_the_nonce_is_found_in_the_channel_not_resent(
    daily_world: DailyWorld,
) -> None:
    world, emu = daily_world, daily_world.emu
    lea = await world.person("lea")
    await subscribe(world, lea, time(10, 0), "UTC", datetime(2026, 8, 9, 9, 0, tzinfo=UTC))
    dm = emu.dm_channel(lea)
    route = rf"^POST /channels/{dm.id}/messages$"
    world.cog.sender._backoff_s = 0.01  # the retries below need not wait long
    emu.lose_responses(count=ATTEMPTS, route=route)  # posted, but no answer ever comes back
    first = await world.scheduler.tick(datetime(2026, 8, 9, 10, 0, tzinfo=UTC))
    assert first.left_open >= 1
    assert ledger(world, lea) == [(date(2026, 8, 9), "intent", None)]
    assert len(pushed(world, lea)) == 1  # it did arrive; the bot just never heard
    await world.restart()
    posts = len(emu.requests_matching(route))
    # Back 20 minutes later: past Discord's nonce memory, so the bot looks before sending.
    await world.scheduler.tick(datetime(2026, 8, 9, 10, 20, tzinfo=UTC))
    assert len(emu.requests_matching(route)) == posts, "found in the channel: not sent again"
    assert ledger(world, lea) == [(date(2026, 8, 9), "sent", None)]
    assert len(pushed(world, lea)) == 1


async def test_an_intent_left_from_an_ended_day_is_dropped(daily_world: DailyWorld) -> None:
    world = daily_world
    max_ = await world.person("max")
    await subscribe(world, max_, time(22, 0), "UTC", datetime(2026, 8, 10, 9, 0, tzinfo=UTC))
    await asyncio.to_thread(world.scheduler.claim, datetime(2026, 8, 10, 22, 0, tzinfo=UTC))
    # The bot died right after the intent and is back the next evening.
    await world.restart()
    await world.scheduler.tick(datetime(2026, 8, 11, 22, 5, tzinfo=UTC))
    assert ledger(world, max_) == [
        (date(2026, 8, 10), "failed", "expired"),
        (date(2026, 8, 11), "sent", None),
    ]
    (push,) = pushed(world, max_)
    assert "2026-08-11" in push.embeds[0]["footer"]["text"]
