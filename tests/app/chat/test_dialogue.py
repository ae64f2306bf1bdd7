"""Working through an answer's missed points in a DM conversation, over the loopback Discord API.

No LLM: hints and prompts come from the templates. Everything else is real (grader, store).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.cards import Card
from bot.core.chat.conversation import Conversation, Phase
from bot.testing.discord_emulator import Channel, MessageRecord, User
from tests.app.chat.conftest import CHAT_WAIT, ack_of, cog, reply_after, say, text
from tests.app.conftest import Bot, assert_all_acknowledged, assert_no_pings

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture(scope="module")
def bot_overrides() -> dict[str, Any]:
    return {"llm_model": "none", "message_content": False}


def conversation(world: Bot, user: User) -> Conversation | None:
    return cog(world).tutoring.store.get(str(user.id), "dm")


async def settled(world: Bot, user: User, check: Any) -> Conversation:
    found = await world.emu.wait_until(
        lambda: (c := conversation(world, user)) is not None and check(c) and c,
        CHAT_WAIT,
        "the conversation state",
    )
    assert isinstance(found, Conversation)
    return found


def reviews(world: Bot, user: User) -> int:
    return world.services.store.stats(str(user.id), datetime.now(UTC)).reviews


async def opened_on(
    world: Bot, user: User, topic: str, answer: Any
) -> tuple[Channel, Card, list[str], MessageRecord]:
    """/tutor in the server, then answer cards (`answer(points)`) until one opens a dialogue.

    Cards with one key point are skipped; so are cards the answer gets right (a correct
    answer is recorded at once, with no dialogue).
    """
    before = datetime.now(UTC)
    ack = await ack_of(world, await world.slash("tutor", user=user, topic=topic))
    assert "DMs" in text(ack)
    dm = world.emu.dm_channel(user)
    conv = await settled(world, user, lambda c: c.card_id and c.started_at >= before)
    for _ in range(8):
        card = world.services.tutor.card(str(conv.card_id))
        points = world.services.tutor.grader.key_points(card.answer)
        if len(points) >= 2:
            msg = await say(world, dm, user, answer(points))
            result = await reply_after(world, dm, msg, result_shown)
            if "Still to work through" in text(result):
                return dm, card, points, result
        moving = await say(world, dm, user, "skip" if len(points) < 2 else "next")
        await reply_after(world, dm, moving, lambda m: "type your answer" in text(m))
        conv = await settled(world, user, lambda c, was=card.card_id: c.card_id != was)
    raise AssertionError("no card on the topic opened a dialogue")


def half_of_the_first_point(points: list[str]) -> str:
    """A partial answer: the first half of the card's first key point."""
    said = points[0].split()
    return " ".join(said[: max(4, len(said) // 2)])


def result_shown(message: MessageRecord) -> bool:
    return bool(message.embeds)


async def test_a_partial_answer_is_worked_through_until_every_point_is_covered(
    world: Bot,
) -> None:
    alice = world.alice
    dm, _card, points, opened = await opened_on(world, alice, "embeddings", half_of_the_first_point)
    before = reviews(world, alice)  # cards passed over on the way were recorded already
    shown = text(opened)
    assert "Still to work through" in shown and "Reference answer" not in shown, shown
    assert "💡" in opened.content and "just tell me" in opened.content
    conv = await settled(world, alice, lambda c: c.phase is Phase.DIALOGUE)
    assert conv.dialogue is not None

    last = opened
    for _ in range(len(points)):
        dialogue = conv.dialogue
        assert dialogue is not None and dialogue.current is not None
        msg = await say(world, dm, alice, points[dialogue.current])
        last = await reply_after(world, dm, msg)
        assert text(last).startswith("Yes, that's it."), text(last)
        if last.embeds:
            break
        conv = await settled(
            world, alice, lambda c, d=dialogue: c.dialogue is not None and c.dialogue != d
        )
    final = text(last)
    assert "Reference answer" in final and "You missed" not in final, final
    assert "every point" in last.content
    done = await settled(world, alice, lambda c: c.phase is Phase.GRADED)
    assert done.dialogue is None and done.answered == 1
    assert reviews(world, alice) == before + 1, "recorded once, when the dialogue ended"
    assert_no_pings(world.emu)


async def test_stop_mid_dialogue_records_what_was_reached_and_closes(world: Bot) -> None:
    bob = world.bob
    dm, _card, _points, opened = await opened_on(world, bob, "word2vec", lambda p: "I don't know")
    before = reviews(world, bob)
    assert "Still to work through" in text(opened)
    await settled(world, bob, lambda c: c.phase is Phase.DIALOGUE)
    stop = await say(world, dm, bob, "stop")
    final = await reply_after(world, dm, stop, result_shown)
    assert "Stopped here" in final.content and "Reference answer" in text(final)
    bye = await reply_after(world, dm, final, lambda m: "Good work" in text(m))
    assert "1 answered" in text(bye)
    await world.emu.wait_until(lambda: conversation(world, bob) is None, CHAT_WAIT, "closed")
    assert reviews(world, bob) == before + 1


async def test_a_restart_mid_dialogue_resumes_it(world: Bot) -> None:
    admin = world.admin
    dm, _card, points, _ = await opened_on(world, admin, "skip-gram", half_of_the_first_point)
    conv = await settled(world, admin, lambda c: c.phase is Phase.DIALOGUE)
    hint = await say(world, dm, admin, "hint")  # one step further: the prompt
    prompt = await reply_after(world, dm, hint)
    assert "✏️" in prompt.content and "_____" in prompt.content
    conv = await settled(world, admin, lambda c: c.dialogue is not None and c.dialogue.step == 2)
    assert conv.dialogue is not None and conv.dialogue.current is not None

    await world.restart()

    msg = await say(world, dm, admin, points[conv.dialogue.current])
    answer = await reply_after(world, dm, msg)
    assert text(answer).startswith("Yes, that's it."), text(answer)
    after = await settled(world, admin, lambda c: c.dialogue != conv.dialogue)
    assert after.phase in (Phase.DIALOGUE, Phase.GRADED)
    assert after.dialogue is None or after.dialogue.outcomes[-1][1] == "prompt"
    assert_all_acknowledged(world.emu)
