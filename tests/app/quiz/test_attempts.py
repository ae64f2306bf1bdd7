"""The public-quiz bypasses, over the loopback Discord API: what one person did to a card
(hints seen, the reference revealed) is kept per person and card, so the shared message's
buttons, which say 0 hints for everyone, cannot undo it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.records import QuizAttempt
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


async def public_question(world: Bot, topic: str) -> tuple[MessageRecord, str]:
    cmd = await world.slash("quiz", topic=topic, public=True)
    question = await world.reply(cmd, predicate=not_loading)
    assert not question.ephemeral
    card_id = button(question, "ans").split(":")[2]
    assert button(question, "ans").split(":")[5] == "0", "the shared buttons say 0 hints"
    return question, card_id


async def kept(world: Bot, user: User, card_id: str, check: Any) -> QuizAttempt:
    found = await world.emu.wait_until(
        lambda: (
            (a := world.services.store.attempt(str(user.id), card_id)) is not None
            and check(a)
            and a
        ),
        WAIT,
        "the attempt to be stored",
    )
    assert isinstance(found, QuizAttempt)
    return found


async def answer_from(world: Bot, message: MessageRecord, user: User, text: str) -> MessageRecord:
    opened = await world.click(message, "ans", user=user)
    await world.emu.wait_for_response(opened, timeout=WAIT)
    assert opened.modal is not None
    submitted = await world.emu.submit_modal(opened, {"Your answer": text})
    return await world.reply(submitted, predicate=not_loading)


async def test_hint_then_answer_on_the_public_message_carries_the_hint(world: Bot) -> None:
    bob = world.bob
    question, card_id = await public_question(world, "embeddings")
    card = world.services.tutor.card(card_id)
    hint = await world.click(question, "hint", user=bob)
    shown = await world.emu.wait_for_original(hint, timeout=WAIT)
    assert shown.ephemeral and "Hints" in embed_text(shown)
    await kept(world, bob, card_id, lambda a: a.hints_used == 1)

    # Bob goes back to the group's message, whose Answer button says 0 hints.
    result = await answer_from(world, question, bob, card.answer[:3900])
    text = embed_text(result)
    assert "hints used: 1" in text, text
    score = int(text.split("%")[0].split()[-1])
    assert score <= 75, "one hint leaves at most three quarters of the score on offer"
    assert button(result, "exp").split(":")[5] == "1"


async def test_reveal_then_answer_with_the_pasted_reference_is_not_credited(world: Bot) -> None:
    bob = world.bob
    question, card_id = await public_question(world, "tokens")
    card = world.services.tutor.card(card_id)
    reveal = await world.click(question, "rev", user=bob)
    shown = await world.emu.wait_for_original(reveal, timeout=WAIT)
    assert shown.ephemeral and "Reference answer" in embed_text(shown)
    await kept(world, bob, card_id, lambda a: a.revealed)
    before = world.services.store.stats(str(bob.id), datetime.now(UTC))

    reply = await answer_from(world, question, bob, card.answer[:3900])
    said = reply.content + embed_text(reply)
    assert reply.ephemeral and "already seen the answer" in said, said
    after = world.services.store.stats(str(bob.id), datetime.now(UTC))
    assert (after.reviews, after.correct) == (before.reviews, before.correct), "not graded"

    # Alice, who saw nothing, still answers the same public card and is credited.
    mine = await answer_from(world, question, world.alice, card.answer[:3900])
    assert "Reference answer" in embed_text(mine)
    assert card_id in world.services.store.seen_card_ids(str(world.alice.id))
    assert_no_pings(world.emu)
    assert_all_acknowledged(world.emu)
