"""The grounding check with the real MiniLM: quotes that correct are kept, endorsements not."""

from __future__ import annotations

import pytest

from bot.core.cards import Card
from bot.core.explainer import Explainer
from bot.core.explainer.grounding import contrasts, endorses
from bot.core.explainer.learner import analyse, clauses
from bot.core.grading import Grade, Grader, split_key_points
from bot.core.text import split_sentences
from bot.infra.embedder import Embedder
from tests.core.explainer.conftest import PROMPTS, missed_all

WRONG = "Tokenization is encrypting text so that nobody can read it."


def _decide(
    explainer: Explainer, card: Card, answer: str, grade: Grade, text: str
) -> list[tuple[bool, str]]:
    parts = explainer.parts(card, answer, grade)
    support = explainer.checker.support(
        explainer.support_sentences(card, grade), answer, right=parts.credited
    )
    return [(v.kept, v.why) for v in explainer.checker.decide(split_sentences(text), support)]


def test_endorsement_and_contrast_words() -> None:
    assert endorses("You are right that it splits text.")
    assert endorses("That is correct.")
    assert not endorses("That is not correct.")
    assert not endorses("That isn't quite right.")
    assert not endorses("It is incorrect.")
    assert contrasts("You wrote that, but the card says otherwise.")
    assert contrasts("That isn't what the card says.")
    assert not contrasts("Tokenization splits text into tokens.")


def test_a_quote_corrected_from_the_card_is_kept(cards: list[Card], embedder: Embedder) -> None:
    explainer = Explainer(None, embedder, PROMPTS)
    card = cards[0]
    text = (
        f'You wrote "{WRONG[:-1]}", but tokenization splits a sequence of characters into '
        "words or tokens."
    )
    assert _decide(explainer, card, WRONG, missed_all(card), text) == [(True, "correction")]


def test_a_wrong_claim_is_never_endorsed_or_restated(cards: list[Card], embedder: Embedder) -> None:
    explainer = Explainer(None, embedder, PROMPTS)
    card = cards[0]
    text = (
        'You are right that "tokenization is encrypting text". '
        "Tokenization is encrypting text. "
        'You wrote "encrypting text", which is correct, and tokenization splits text into tokens. '
        "Your answer is correct."
    )
    verdicts = _decide(explainer, card, WRONG, missed_all(card), text)
    assert [kept for kept, _ in verdicts] == [False, False, False, False]
    assert verdicts[0][1] == "endorses"


def test_a_quote_frame_is_kept_only_before_a_correction(
    cards: list[Card], embedder: Embedder
) -> None:
    explainer = Explainer(None, embedder, PROMPTS)
    card = cards[0]
    grade = missed_all(card)
    corrected = (
        'You wrote "encrypting text so that nobody can read it". That is not what the card '
        "says: tokenization splits a sequence of characters into words or tokens."
    )
    assert _decide(explainer, card, WRONG, grade, corrected) == [
        (True, "frame"),
        (True, "grounded"),
    ]
    alone = 'You wrote "encrypting text so that nobody can read it". Well done.'
    assert [kept for kept, _ in _decide(explainer, card, WRONG, grade, alone)] == [False, False]


def test_what_was_right_may_be_quoted_and_confirmed(cards: list[Card], embedder: Embedder) -> None:
    explainer = Explainer(None, embedder, PROMPTS)
    card = cards[0]
    answer = "Tokenization splits text into smaller pieces."
    grade = Grader(embedder).grade(card.question, card.answer, answer)
    assert grade.covered  # the bundled grader credits the first point
    text = 'You are right that "tokenization splits text into smaller pieces".'
    assert _decide(explainer, card, answer, grade, text) == [(True, "quoted right")]


def test_the_instructions_are_not_grounded(cards: list[Card], embedder: Embedder) -> None:
    explainer = Explainer(None, embedder, PROMPTS)
    card = cards[0]
    instructions = PROMPTS.system.replace("\n", " ")
    kept, dropped, _ = explainer.check(instructions, explainer.support_sentences(card), WRONG)
    assert kept == [] and dropped


def test_the_answer_is_split_into_claims_matched_to_points(
    cards: list[Card], embedder: Embedder
) -> None:
    card = cards[0]
    points = split_key_points(card.answer)
    assert clauses("Tokenization splits text; it encrypts the words, but nobody reads them.") == [
        "Tokenization splits text",
        "it encrypts the words",
        "nobody reads them",
    ]
    wrong = analyse(embedder, WRONG, points, missed_all(card))
    assert [c.quote for c in wrong.wrong] == [WRONG[:-1]]
    assert wrong.right == [] and wrong.wrong[0].point == points[0]
    assert wrong.missing == points[1:]
    contradicted = Grade(0.2, "partial", [], points[1:], [], contradicted=[points[0]])
    parts = analyse(embedder, "It hides text. It prepares text for models.", points, contradicted)
    assert [c.point for c in parts.wrong] == [points[0]]


def test_and_splits_a_claim_only_before_a_new_subject() -> None:
    # "…, and both count words" is a second claim (confirming the first half must not
    # confirm it); "…, and GloVe" ends a list and stays one claim.
    assert clauses("It uses CBOW and skip-gram, and both count word frequencies.") == [
        "It uses CBOW and skip-gram",
        "both count word frequencies",
    ]
    assert clauses("It learns from CBOW, skip-gram, and GloVe vectors.") == [
        "It learns from CBOW, skip-gram, and GloVe vectors"
    ]
    assert clauses("Splits text into tokens, and the model reads them.") == [
        "Splits text into tokens, and the model reads them"
    ]


def test_a_claim_that_names_no_subject_is_corrected_by_the_point_the_question_asks(
    cards: list[Card], embedder: Embedder
) -> None:
    # "It" is tokenization: the claim answers the question, and closer than any point to
    # the claim alone ("text data", the second point) is the point defining what was asked.
    card = cards[0]
    points = split_key_points(card.answer)
    answer = "It is when you encrypt text so nobody can read it."
    parts = analyse(embedder, answer, points, missed_all(card), card.question)
    assert [c.point for c in parts.wrong] == [points[0]]
    assert parts.missing == points[1:]


@pytest.mark.parametrize("answer", ["", "   ", "ok"])
def test_no_claims_in_an_empty_answer(cards: list[Card], embedder: Embedder, answer: str) -> None:
    card = cards[0]
    parts = analyse(embedder, answer, split_key_points(card.answer), missed_all(card))
    assert parts.right == [] and parts.wrong == []
    assert parts.missing == split_key_points(card.answer)


def test_a_correction_may_name_the_card_instead_of_a_contrast_word(
    cards: list[Card], embedder: Embedder
) -> None:
    explainer = Explainer(None, embedder, PROMPTS)
    card = cards[0]
    text = (
        f'You wrote "{WRONG[:-1]}"; the card says: tokenization splits a sequence of '
        "characters into words or tokens."
    )
    assert _decide(explainer, card, WRONG, missed_all(card), text) == [(True, "correction")]


def test_card_text_quoted_as_the_learners_is_dropped(cards: list[Card], embedder: Embedder) -> None:
    explainer = Explainer(None, embedder, PROMPTS)
    card = cards[12]  # word embeddings
    answer = "Word embeddings are one-hot vectors with a single 1."
    text = (
        'You wrote "Word embeddings are dense vector representations of words", but that is '
        "not what the card says: word embeddings capture the meaning of words."
    )
    assert _decide(explainer, card, answer, missed_all(card), text) == [(False, "misquoted")]


def test_a_credited_quote_is_never_called_wrong(cards: list[Card], embedder: Embedder) -> None:
    explainer = Explainer(None, embedder, PROMPTS)
    card = cards[0]
    answer = "Tokenization splits text into smaller pieces."
    grade = Grader(embedder).grade(card.question, card.answer, answer)
    denial = 'You wrote "tokenization splits text into smaller pieces", but that is not right.'
    assert _decide(explainer, card, answer, grade, denial) == [(False, "denies credit")]
    confirmed = 'You are right that "tokenization splits text into smaller pieces".'
    assert _decide(explainer, card, answer, grade, confirmed) == [(True, "quoted right")]
