"""What the tutor says without an LLM: hints hide the point's words, prompts blank its key term."""

from __future__ import annotations

import pytest

from bot.core.cards import Card
from bot.core.dialogue import templates
from bot.core.grading import split_key_points, stem, words

CARD = Card(
    deck="d",
    title="Token Embeddings and Language Models",
    question="How do token embeddings assist language models?",
    answer=(
        "Token embeddings transform each word or token into a vector of numbers, allowing the "
        "model to capture semantic meanings. These vectors enable the model to recognize and "
        "generate coherent sentences by understanding the relationships between words."
    ),
)
POINTS = split_key_points(CARD.answer)


def _hidden(point: str) -> set[str]:
    return {stem(w) for w in templates.distinguishing(point, CARD)}


def test_distinguishing_words_leave_out_what_the_question_gives_away() -> None:
    found = templates.distinguishing(POINTS[0], CARD)
    assert "vector" in found and "transform" in found
    assert not {"token", "embeddings", "model", "language"} & set(found)


@pytest.mark.parametrize("index", [0, 1])
def test_a_hint_never_contains_a_distinguishing_word(index: int) -> None:
    hint = templates.hint(POINTS[index], CARD)
    assert not {stem(w) for w in words(hint)} & _hidden(POINTS[index]), hint


def test_a_hint_quotes_the_opening_words_up_to_the_first_distinguishing_one() -> None:
    assert "“Token embeddings …”" in templates.hint(POINTS[0], CARD)


def test_a_contradicted_point_opens_with_what_the_learner_said() -> None:
    answer = "Embeddings are random labels. They turn words into images."
    quote = templates.quote_of(answer, POINTS[0])
    assert quote == "They turn words into images."
    hint = templates.hint(POINTS[0], CARD, quote=quote)
    assert hint.startswith("You said “They turn words into images.”")


def test_a_prompt_blanks_the_key_term_everywhere() -> None:
    text, key = templates.prompt(POINTS[1], CARD, [POINTS[0]])
    assert key is not None and templates.BLANK in text
    assert key.casefold() not in text.casefold()
    assert templates.fills_blank(f"by {key}", key)
    assert not templates.fills_blank("by guessing", key)


def test_a_blank_inside_code_keeps_the_rest_of_the_word() -> None:
    card = Card(
        deck="d",
        question="What does shape show?",
        answer="Load it with `sentence_transformers` first.",
    )
    text, key = templates.prompt("Load it with `sentence_transformers` first.", card, [])
    assert key == "transformers"
    assert "`sentence______`" in text


def test_a_long_point_is_cut_around_its_blank() -> None:
    point = " ".join(["alpha"] * 30 + ["zymurgical"] + ["beta"] * 30) + "."
    card = Card(deck="d", question="What is alpha beta?", answer=point)
    text, key = templates.prompt(point, card, [])
    assert key == "zymurgical"
    assert text.count("…") == 2 and len(text.split()) <= templates.MAX_PROMPT_WORDS + 6


def test_nothing_to_blank_asks_for_the_idea_in_own_words() -> None:
    card = Card(deck="d", question="What is a token embedding?", answer="A token embedding.")
    text, key = templates.prompt("A token embedding.", card, [])
    assert key is None and "own words" in text


def test_an_assertion_states_the_point_and_cites_the_card() -> None:
    said = templates.assertion(POINTS[0], CARD)
    assert POINTS[0] in said and f"[card:{CARD.card_id[:8]}]" in said


def test_only_a_short_reply_fills_the_blank() -> None:
    assert templates.fills_blank("understanding", "understanding")
    assert templates.fills_blank("by understanding them", "understanding")
    assert not templates.fills_blank("not understanding", "understanding")
    long = "It stops understanding anything and just counts the words in the text."
    assert not templates.fills_blank(long, "understanding"), "a statement is graded, not matched"
