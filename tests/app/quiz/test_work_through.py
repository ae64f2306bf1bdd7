"""/quiz's Work through it, over the loopback Discord API: a partial answer's missed points
worked through in private follow-ups (Reply, Just tell me, Skip), across a restart. The
answer is recorded at once; the dialogue's end gives that one review its final result. No LLM: hints and prompts come from the templates; grader and store are real."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.cards import Card
from bot.core.dialogue import Dialogue
from bot.testing.discord_emulator import MessageRecord, User
from tests.app.conftest import (
    WAIT,
    Bot,
    assert_all_acknowledged,
    assert_no_pings,
    button,
    embed_text,
    not_loading,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture(scope="module")
def bot_overrides() -> dict[str, Any]:
    return {"llm_model": "none"}


def reviews(world: Bot, user: User) -> int:
    return world.services.store.stats(str(user.id), datetime.now(UTC)).reviews


def correct(world: Bot, user: User) -> int:
    return world.services.store.stats(str(user.id), datetime.now(UTC)).correct


def kept(world: Bot, user: User, card: Card) -> Dialogue | None:
    return world.services.tutor.kept_dialogue(str(user.id), card.card_id)


def half_of_the_first_point(points: list[str]) -> str:
    said = points[0].split()
    return " ".join(said[: max(4, len(said) // 2)])


def actions(message: MessageRecord) -> list[str]:
    return [i.split(":")[1] for i in message.custom_ids()]


async def submit(world: Bot, message: MessageRecord, action: str, user: User, text: str) -> Any:
    """Press the button that opens a modal, fill its one field, submit."""
    opened = await world.click(message, action, user=user)
    await world.emu.wait_for_response(opened, timeout=WAIT)
    assert opened.modal is not None, opened.response
    label = opened.modal["components"][0]["components"][0]["label"]
    return await world.emu.submit_modal(opened, {label: text})


async def press(world: Bot, message: MessageRecord, action: str, user: User) -> MessageRecord:
    """Press a button that defers and follows up; the follow-up."""
    return await world.reply(await world.click(message, action, user=user), predicate=not_loading)


async def offered_on(
    world: Bot, user: User, topic: str, answer: Callable[[list[str]], str]
) -> tuple[Card, list[str], MessageRecord]:
    """/quiz on a topic, then answer cards until one's result offers Work through it."""
    question = await world.reply(
        await world.slash("quiz", user=user, topic=topic), predicate=not_loading
    )
    tutor = world.services.tutor
    for _ in range(8):
        card = tutor.card(button(question, "ans").split(":")[2])
        points = tutor.grader.key_points(card.answer)
        if len(points) >= 2:
            result = await world.reply(
                await submit(world, question, "ans", user, answer(points)), predicate=not_loading
            )
            if "work" in actions(result):
                return card, points, result
            question = await press(world, result, "next", user)
        else:
            skipped = await world.click(question, "skip", user=user)
            await world.emu.wait_for_response(skipped, timeout=WAIT)
            question = await press(world, question, "next", user)
    raise AssertionError("no card on the topic offered Work through it")


async def test_a_partial_answer_is_worked_through_to_every_point(world: Bot) -> None:
    alice = world.alice
    card, points, result = await offered_on(world, alice, "embeddings", half_of_the_first_point)
    before, right = reviews(world, alice), correct(world, alice)  # the answer: recorded
    shown = embed_text(result)
    assert result.ephemeral and "Still to work through" in shown
    assert "Reference answer" not in shown, "the dialogue leads there"
    assert actions(result) == ["work", "exp", "next"]
    offered = kept(world, alice, card)
    assert offered is not None and offered.help_used == 0, "offered, not begun"

    step = await press(world, result, "work", alice)
    assert step.ephemeral and "💡" in (step.content or "")
    assert actions(step) == ["wr", "wt", "ws"]
    assert all(len(i) <= 100 for i in step.custom_ids())
    first_step = step
    for _ in range(len(points)):
        dialogue = kept(world, alice, card)
        assert dialogue is not None and dialogue.current is not None
        answered = await submit(world, step, "wr", alice, points[dialogue.current])
        step = await world.reply(answered, predicate=not_loading)
        assert (step.content or "").startswith("Yes, that's it."), step.content
        if step.embeds:
            break
    final = embed_text(step)
    assert "Reference answer" in final and "You missed" not in final, final
    assert "every point" in (step.content or "")
    assert actions(step) == ["exp", "next"]
    assert reviews(world, alice) == before, "still one review for the answer"
    assert correct(world, alice) == right + 1, "its result is now the dialogue's: correct"
    assert kept(world, alice, card) is None

    # The first step's buttons are over now: a click says so and records nothing.
    late = await press(world, first_step, "wt", alice)
    assert "already" in (late.content or ""), late.content
    assert reviews(world, alice) == before and correct(world, alice) == right + 1
    assert_no_pings(world.emu)


async def test_skip_mid_way_records_what_was_reached(world: Bot) -> None:
    bob = world.bob
    card, _points, result = await offered_on(world, bob, "word2vec", lambda p: "I don't know")
    before = reviews(world, bob)
    step = await press(world, result, "work", bob)
    refused = await world.click(step, "wt", user=world.alice)  # not hers to step through
    await world.emu.wait_for_response(refused, timeout=WAIT)
    assert refused.response is not None and refused.response.type == 4
    assert "someone else" in (refused.response.data or {}).get("content", "")
    told = await press(world, step, "wt", bob)  # Just tell me: the point stated, the next hint
    assert "📖" in (told.content or "")
    if not told.embeds:
        stopped = await press(world, told, "ws", bob)
        assert "Stopped here" in (stopped.content or "")
        assert "Reference answer" in embed_text(stopped)
    assert reviews(world, bob) == before
    assert kept(world, bob, card) is None
    assert_all_acknowledged(world.emu)


async def test_a_restart_mid_dialogue_resumes_it(world: Bot) -> None:
    admin = world.admin
    card, points, result = await offered_on(world, admin, "skip-gram", half_of_the_first_point)
    before = reviews(world, admin)
    step = await press(world, result, "work", admin)
    dialogue = kept(world, admin, card)
    assert dialogue is not None and dialogue.current is not None and dialogue.step == 1

    await world.restart()

    answered = await submit(world, step, "wr", admin, points[dialogue.current])
    after = await world.reply(answered, predicate=not_loading)
    assert (after.content or "").startswith("Yes, that's it."), after.content
    now = kept(world, admin, card)
    assert now is None or now.position == dialogue.position + 1
    # Work through it again (the ephemeral messages may be gone) resumes where it stands.
    if now is not None:
        again = await press(world, result, "work", admin)
        assert (again.content or "").startswith("Back to it")
        left = await press(world, again, "ws", admin)
        assert "Stopped here" in (left.content or "")
    assert reviews(world, admin) == before
    assert_all_acknowledged(world.emu)
