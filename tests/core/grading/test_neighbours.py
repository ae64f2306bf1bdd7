"""The deck around a card, on the real embedder: a sentence that states another card's key
point covers nothing of this card's; the card's own point in other words still does."""

from __future__ import annotations

import pytest

from bot.core.grading import Grader, GraderParams

# Our own two-card deck: similar wording, different facts.
TOKENIZATION = (
    "What is tokenization, and why does a language model need it?",
    "Tokenization splits a sequence of characters into words or tokens. It is the first step "
    "in preparing text for a language model.",
)
EMBEDDINGS = (
    "What do token embeddings do?",
    "Token embeddings turn each word or token into a vector of numbers that captures its meaning.",
)


@pytest.fixture(scope="module")
def grader(embedder) -> Grader:
    return Grader(embedder, GraderParams.bundled())


def test_another_cards_point_covers_nothing_here(grader: Grader) -> None:
    answer = EMBEDDINGS[1]
    alone = grader.grade(*TOKENIZATION, answer)
    in_deck = grader.grade(*TOKENIZATION, answer, neighbours=[EMBEDDINGS])
    # On its own the sentence resembles the splitting point enough to be credited with it;
    # beside the card it states, it is that card's point.
    assert alone.covered, alone
    assert in_deck.covered == [], in_deck
    assert in_deck.verdict != "correct"


def test_the_cards_own_point_in_other_words_is_still_covered(grader: Grader) -> None:
    answer = (
        "It breaks a string of characters up into tokens such as words, the first thing "
        "done to text before a language model sees it."
    )
    grade = grader.grade(*TOKENIZATION, answer, neighbours=[EMBEDDINGS])
    assert len(grade.covered) == 2, grade
