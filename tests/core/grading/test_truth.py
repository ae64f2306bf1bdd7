"""Truth, not resemblance: contradicted points, scrambled words, other cards' answers.

On the real bundled embedder, with the seed deck and the adversarial families of
`bot.eval.grading.families` (written before any tuning; the seed deck is a test set).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.grading import Grader
from bot.core.ports import Embedder
from bot.eval.asag import seed_cards
from bot.eval.grading.families import family_answers, negations, reversal, salad, shuffle

CARDS = seed_cards()
REFS = dict(CARDS)
DATA = Path(__file__).resolve().parents[2] / "data" / "grading"
TOKENIZATION = "What is tokenization, and why is it important?"
CONTEXTUAL = "How do contextualized word embeddings differ from static token embeddings?"
NEGATIVE = "What is negative sampling and how does it work?"


@pytest.fixture(scope="module")
def grader(embedder: Embedder) -> Grader:
    return Grader(embedder)


def _others(question: str) -> list[str]:
    return [r for q, r in CARDS if q != question]


@pytest.mark.parametrize(
    "answer",
    [
        "Contextualized word embeddings do not change depending on the context of the sentence.",
        "Contextualized embeddings never change with context; static ones do.",
    ],
)
def test_negated_answers_contradict_a_point_and_are_not_correct(
    grader: Grader, answer: str
) -> None:
    grade = grader.grade(CONTEXTUAL, REFS[CONTEXTUAL], answer)
    assert grade.verdict != "correct", grade
    assert grade.contradicted, grade
    assert grade.corrections()[0].startswith("you said “")


def test_a_negated_synonym_is_not_correct(grader: Grader) -> None:
    # "isn't different" denies a word the card does not use ("changes"): no word rule sees the
    # contradiction, but the answer still is not credited as correct.
    answer = "A contextualized embedding isn't different in different sentences."
    assert grader.grade(CONTEXTUAL, REFS[CONTEXTUAL], answer).verdict != "correct"


def test_negation_family_on_every_seed_card_is_contradicted(grader: Grader) -> None:
    # Measured at the commit that added this test: 4 of 35 still graded correct (the goal is
    # 0; docs/QUALITY.md lists them). This floor keeps what works from slipping back.
    items = [(q, r, a) for q, r in CARDS for a in negations(r)]
    grades = grader.grade_many(items)
    assert len(items) >= 32
    passed = [(q, a) for (q, _, a), g in zip(items, grades, strict=True) if g.verdict == "correct"]
    assert len(passed) <= 4, passed
    assert sum(bool(g.contradicted) for g in grades) >= 0.8 * len(grades)


def test_reversed_references_are_not_correct(grader: Grader) -> None:
    grades = grader.grade_many([(q, r, reversal(r)) for q, r in CARDS])
    for (q, _), grade in zip(CARDS, grades, strict=True):
        assert grade.verdict != "correct", (q, grade)


def test_shuffled_references_are_not_correct(grader: Grader) -> None:
    # None since the scramble check reads the key points (fenced code is not graded).
    grades = grader.grade_many([(q, r, shuffle(r)) for q, r in CARDS])
    assert [g.verdict for g in grades if g.verdict == "correct"] == []


def test_keyword_salad_is_not_correct(grader: Grader) -> None:
    grades = grader.grade_many([(q, r, salad(r, _others(q))) for q, r in CARDS])
    assert all(g.verdict != "correct" for g in grades)


def test_antonym_of_a_key_term_contradicts(grader: Grader) -> None:
    reference = REFS[NEGATIVE]
    answer = reference.replace(
        "reduce the computational complexity", "increase the computational complexity"
    )
    grade = grader.grade(NEGATIVE, reference, answer.split("```")[0])
    assert grade.verdict != "correct" and grade.contradicted, grade


def test_own_reference_is_correct_with_nothing_contradicted(grader: Grader) -> None:
    near = [[(oq, orf) for oq, orf in CARDS if oq != q] for q, _ in CARDS]
    grades = grader.grade_many([(q, r, r) for q, r in CARDS], near)
    for (q, _), grade in zip(CARDS, grades, strict=True):
        assert grade.verdict == "correct" and not grade.contradicted, (q, grade)


def test_correct_paraphrases_are_credited(grader: Grader) -> None:
    lines = [
        json.loads(x) for x in (DATA / "seed_paraphrases.jsonl").read_text("utf-8").splitlines()
    ]
    assert len(lines) == 48
    near = [[(oq, orf) for oq, orf in CARDS if oq != CARDS[p["card"]][0]] for p in lines]
    grades = grader.grade_many([(*CARDS[p["card"]], p["answer"]) for p in lines], near)
    # Measured at the commit that added this test: 42 of 48 (the goal is 46); a floor.
    correct = sum(g.verdict == "correct" for g in grades)
    assert correct >= 42, [
        (p["answer"][:50], g.verdict, g.reasons) for p, g in zip(lines, grades, strict=True)
    ]
    assert sum(len(g.contradicted) for g in grades) <= 3
    # Whatever holds a paraphrase below `correct` says why.
    for p, g in zip(lines, grades, strict=True):
        assert g.verdict == "correct" or g.reasons, (p["answer"][:50], g)


def test_grade_point_reports_a_contradicted_point(grader: Grader) -> None:
    reference = REFS[CONTEXTUAL]
    covered = grader.grade_point(
        CONTEXTUAL, reference, 0, "The vector of a token changes with the sentence it is in."
    )
    assert covered.state == "covered", covered
    wrong = grader.grade_point(
        CONTEXTUAL, reference, 0, "The vector of a token does not change with its context."
    )
    assert wrong.state == "contradicted", wrong
    missed = grader.grade_point(CONTEXTUAL, reference, 1, "Bananas are yellow.")
    assert missed.state == "missed"


def test_families_exist_for_every_seed_card() -> None:
    for q, r in CARDS:
        kinds = {k for k, _ in family_answers(r, _others(q))}
        assert {"negation", "reversal", "shuffle", "noun_swap", "zero_width", "salad"} <= kinds


# Graded `correct` on the seed deck with every other card as a neighbour (the protocol of
# `python -m bot.eval.grading.deck_figures`), measured at the commit that added this test;
# the goal is 0 each (docs/QUALITY.md). Floors that keep what works from slipping back
# (swap: 22 before the rotation rule and the subject pronouns, 8 after).
FAMILY_FLOORS = {"swap": (34, 8), "noun_swap": (16, 7), "zero_width": (32, 9)}


@pytest.mark.parametrize("family", sorted(FAMILY_FLOORS))
def test_substitution_families_stay_at_their_floor(grader: Grader, family: str) -> None:
    items = [
        (q, r, a) for q, r in CARDS for kind, a in family_answers(r, _others(q)) if kind == family
    ]
    size, floor = FAMILY_FLOORS[family]
    assert len(items) == size
    near = [[(oq, o) for oq, o in CARDS if oq != q] for q, _, _ in items]
    grades = grader.grade_many(items, near)
    assert sum(g.verdict == "correct" for g in grades) <= floor
