"""Daily quizzes by DM through Discord: subscribe, receive at the local minute, answer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.testing.discord_emulator import MessageRecord
from tests.app.conftest import WAIT, embed_text, not_loading
from tests.app.daily.conftest import DailyWorld, pushed

pytestmark = [pytest.mark.daily, pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def answers(message: MessageRecord) -> list[str]:
    """The custom ids of the Answer buttons on a pushed message, in order."""
    return [c for c in message.custom_ids() if c.startswith("ft:ans:")]


def reply_text(world: DailyWorld, record: object) -> str:
    """The text of the bot's first response message to an interaction."""
    response = record.response  # type: ignore[attr-defined]
    assert response is not None
    return str(response.data)


async def test_subscribe_then_receive_at_the_local_minute_and_answer(
    daily_world: DailyWorld,
) -> None:
    world, emu = daily_world, daily_world.emu
    alice = await world.person("alice")
    world.clock.now = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)  # 07:00 in Berlin
    done = await world.slash("daily on", alice, time="09:00", timezone="Europe/Berlin", cards=3)
    text = reply_text(world, done)
    assert "09:00 Europe/Berlin" in text and "Mon 01 Jun, 09:00" in text

    report = await world.scheduler.tick(datetime(2026, 6, 1, 6, 59, 30, tzinfo=UTC))
    assert report.sent == 0 and pushed(world, alice) == []
    report = await world.scheduler.tick(datetime(2026, 6, 1, 7, 0, 10, tzinfo=UTC))
    assert report.sent == 1
    (push,) = pushed(world, alice)
    assert push.embeds[0]["footer"]["text"] == "flashtutor daily · 2026-06-01 · 1/1"
    assert len(push.embeds) == 4  # the header and three questions
    assert len(answers(push)) == 3 and len(set(answers(push))) == 3
    assert "3 cards" in embed_text(push)
    # Nothing more that day, however often the scheduler looks.
    for minutes in (1, 60, 600):
        later = datetime(2026, 6, 1, 7, 0, tzinfo=UTC) + timedelta(minutes=minutes)
        assert (await world.scheduler.tick(later)).sent == 0
    assert len(pushed(world, alice)) == 1

    # Each card is answered with the quiz's own modal, grading and Explain/Next buttons.
    card_id = answers(push)[1].split(":")[2]
    card = world.services.tutor.card(card_id)
    opened = await emu.click(push, answers(push)[1], user=alice)
    await emu.wait_for_response(opened, timeout=WAIT)
    assert opened.response is not None and opened.response.type == 9
    submitted = await emu.submit_modal(opened, {"Your answer": card.answer[:3000]})
    result = await emu.wait_for_followup(submitted, 0, timeout=WAIT)
    await emu.wait_until(lambda: not_loading(result), WAIT, "the graded answer")
    assert "Reference answer" in embed_text(result)
    assert [c.split(":")[1] for c in result.custom_ids()] == ["exp", "next"]
    assert card_id in world.services.store.seen_card_ids(str(alice.id))
    assert len(pushed(world, alice)) == 1  # the push message itself was not replaced

    status = await world.slash("daily status", alice)
    message = await emu.wait_for_followup(status, 0, timeout=WAIT)
    await emu.wait_until(lambda: not_loading(message), WAIT, "the status")
    assert "Tue 02 Jun, 09:00 (Europe/Berlin)" in embed_text(message)
    assert "Streak" in embed_text(message)


async def test_twelve_cards_come_in_messages_of_five(daily_world: DailyWorld) -> None:
    world = daily_world
    bea = await world.person("bea")
    world.clock.now = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
    await world.slash("daily on", bea, time="6:30am", cards=12)
    await world.scheduler.tick(datetime(2026, 6, 1, 6, 30, tzinfo=UTC))
    messages = pushed(world, bea)
    seed_cards = sum(n for _, _, n in world.services.tutor.topics())
    expected = min(12, seed_cards)
    assert sum(len(answers(m)) for m in messages) == expected
    assert len(messages) == -(-expected // 5)
    ids = [a.split(":")[2] for m in messages for a in answers(m)]
    assert len(set(ids)) == expected


async def test_bad_input_gets_one_clear_line(daily_world: DailyWorld) -> None:
    world = daily_world
    cid = await world.person("cid")
    bad_zone = await world.slash("daily on", cid, timezone="Europe/Berln")
    assert "Europe/Berlin" in reply_text(world, bad_zone)
    bad_time = await world.slash("daily on", cid, time="25:99")
    assert "not a time" in reply_text(world, bad_time)
    refused = await world.slash("daily channel", cid, channel=world.quiz)
    assert "Manage Server" in reply_text(world, refused)
    assert world.subs.dm_subscription(str(cid.id)) is None
    choices = await world.emu.autocomplete(
        "daily on",
        user=cid,
        channel=world.general,
        focused="timezone",
        options={"timezone": "tokyo"},
    )
    await world.emu.wait_for_response(choices, timeout=WAIT)
    assert [c["value"] for c in choices.choices or []][:1] == ["Asia/Tokyo"]


async def test_downtime_catches_up_today_and_skips_ended_days(daily_world: DailyWorld) -> None:
    world = daily_world
    dan = await world.person("dan")
    world.clock.now = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    await world.slash("daily on", dan, time="09:00", timezone="UTC", cards=1)
    # The bot is down from before 1 July 09:00 until 3 July 15:00.
    report = await world.scheduler.tick(datetime(2026, 7, 3, 15, 0, tzinfo=UTC))
    assert report.sent >= 1 and report.skipped_days >= 2
    (push,) = pushed(world, dan)
    assert "2026-07-03" in push.embeds[0]["footer"]["text"]
    pushes = world.subs.pushes(world.subs.dm_subscription(str(dan.id)).id)  # type: ignore[union-attr]
    assert [(p.local_date, p.status) for p in pushes] == [(date(2026, 7, 3), "sent")]
    assert (await world.scheduler.tick(datetime(2026, 7, 3, 23, 59, tzinfo=UTC))).sent == 0
    await world.scheduler.tick(datetime(2026, 7, 4, 9, 0, tzinfo=UTC))
    assert len(pushed(world, dan)) == 2
