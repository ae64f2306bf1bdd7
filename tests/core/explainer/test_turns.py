"""Dialogue steps phrased by the LLM, checked, and the template whenever that fails."""

from __future__ import annotations

import pytest

from bot.core.cards import Card
from bot.core.explainer import Explainer, blanked_words, distinguishing_words
from bot.core.explainer.grounding import roots
from bot.core.grading import split_key_points
from bot.infra.embedder import Embedder
from bot.infra.llm import LlamaCppBackend, LLMService
from tests.core.explainer.conftest import PROMPTS, Lent, Scripted, run

HINT = "What is the first step before text can go into a model?"


def test_distinguishing_words_leave_out_what_the_question_gives() -> None:
    question = "What is tokenization, and why is it important?"
    point = "Tokenization involves splitting a sequence of characters into words or tokens."
    assert distinguishing_words(question, point) == [
        "involves",
        "splitting",
        "sequence",
        "characters",
        "words",
    ]
    template = "Tokenization involves ____ a sequence of characters into words or tokens."
    assert blanked_words(point, template) == ["splitting"]


async def test_without_the_model_the_template_is_used(
    cards: list[Card], embedder: Embedder
) -> None:
    card = cards[0]
    point = split_key_points(card.answer)[0]
    explainer = Explainer(None, embedder, PROMPTS)
    chunks, result = await run(explainer.tutor_turn(card, point, "hint", None, "Think again."))
    assert chunks == []
    assert result.fallback and result.reason == "llm off" and result.text == "Think again."


async def test_a_hint_that_gives_the_point_away_is_replaced(
    cards: list[Card], embedder: Embedder
) -> None:
    card = cards[0]
    point = split_key_points(card.answer)[0]
    leaky = Scripted("Does it involve splitting characters into words?")
    chunks, result = await run(
        Explainer(leaky, embedder, PROMPTS).tutor_turn(card, point, "hint", "no idea", "Hmm?")
    )
    assert chunks == [] and result.fallback and result.text == "Hmm?"
    good = Scripted(HINT)
    explainer = Explainer(good, embedder, PROMPTS)
    chunks, result = await run(explainer.tutor_turn(card, point, "hint", "no idea", "Hmm?"))
    assert chunks == [HINT] and not result.fallback and result.text == HINT
    # The model was told the card, the point's number and the words to avoid.
    user = good.calls[0][1]["content"]
    assert "Task: hint at (1)" in user and "Avoid: involves, splitting, sequence" in user
    assert user.startswith(explainer.card_prefix(card))


async def test_the_next_hint_can_be_read_ahead_up_to_the_reply(
    cards: list[Card], embedder: Embedder
) -> None:
    card = cards[0]
    point = split_key_points(card.answer)[1]
    llm = Scripted(HINT)
    explainer = Explainer(llm, embedder, PROMPTS)
    explainer.prewarm(card, point)
    explainer.prewarm(card, "not a point of this card")  # falls back to the card alone
    await run(explainer.tutor_turn(card, point, "hint", "it splits text", "Hmm?"))
    ahead, card_only = (m[1]["content"] for m in llm.prewarmed)
    user = llm.calls[0][1]["content"]
    # Everything but the learner's reply (and what follows it) was read ahead.
    assert user.startswith(ahead) and ahead.endswith("<answer>")
    assert user[len(ahead) :].startswith("it splits text</answer>")
    assert card_only == explainer.card_prefix(card)


async def test_a_prompt_keeps_its_blank_and_does_not_fill_it(
    cards: list[Card], embedder: Embedder
) -> None:
    card = cards[0]
    point = split_key_points(card.answer)[0]
    template = "Tokenization involves ____ a sequence of characters into words or tokens."
    kept = Scripted(f"Almost. {template}")
    _, result = await run(
        Explainer(kept, embedder, PROMPTS).tutor_turn(card, point, "prompt", "no", template)
    )
    assert not result.fallback and "____" in result.text
    filled = Scripted(template.replace("____", "splitting"))
    _, result = await run(
        Explainer(filled, embedder, PROMPTS).tutor_turn(card, point, "prompt", "no", template)
    )
    assert result.fallback and result.text == template


@pytest.mark.llm
async def test_a_real_model_phrases_steps_or_the_template_stands(
    cards: list[Card], embedder: Embedder, smol_service: LLMService, smol: LlamaCppBackend
) -> None:
    card = cards[1]
    point = split_key_points(card.answer)[0]
    explainer = Explainer(smol_service, embedder, PROMPTS)
    explainer.prewarm(card)
    for step, template in (
        ("hint", "What does the model turn each token into?"),
        ("assertion", f"The card says: {point}"),
    ):
        chunks, result = await run(
            explainer.tutor_turn(card, point, step, "I am not sure.", template)  # type: ignore[arg-type]
        )
        if result.fallback:
            assert result.text == template
        else:
            assert "".join(chunks) == result.text
            if step == "hint":
                assert "?" in result.text
                forbidden = set(distinguishing_words(card.question, point))
                assert not roots(" ".join(forbidden)) & roots(result.text)
    slow = LLMService(lambda: Lent(smol), timeout_s=60)
    try:
        _, late = await run(
            Explainer(slow, embedder, PROMPTS).tutor_turn(
                card, point, "hint", "no", "Think.", timeout=0.001
            )
        )
    finally:
        slow.close()
    assert late.fallback and late.text == "Think." and "longer than" in late.reason
