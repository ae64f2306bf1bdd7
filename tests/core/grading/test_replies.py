"""A dialogue reply graded against one key point, beside the card's other points and the deck.

On the real bundled embedder; the cards are written for these tests.
"""

from __future__ import annotations

import pytest

from bot.core.grading import Grader
from bot.core.grading.replies import substitution
from bot.core.ports import Embedder

CYCLE_Q = "What happens in the water cycle?"
CYCLE = (
    "Water evaporates from the sea and rises as vapour. The vapour cools and condenses into "
    "clouds. Rain carries water from the clouds back to the ground."
)
HOMEWORK_Q = "What happens to homework?"
HOMEWORK = "The student hands the homework to the teacher. The teacher marks it and gives it back."
CAR_Q = "How does a car differ from a bike?"
CAR = (
    "A bike is moved by the rider's legs. Unlike a bike, a car burns fuel, mostly petrol, and "
    "has an engine under the bonnet."
)
EGGS_Q = "Where do frogs and lizards lay their eggs?"
EGGS = "Frogs lay their eggs in water; lizards lay theirs on dry land."


@pytest.fixture(scope="module")
def grader(embedder: Embedder) -> Grader:
    return Grader(embedder)


@pytest.mark.parametrize(
    ("question", "reference", "point", "reply"),
    [
        (CYCLE_Q, CYCLE, 0, "Sea water evaporates and goes up as vapour."),
        (CYCLE_Q, CYCLE, 1, "The vapour cools down and turns into clouds."),
        (CYCLE_Q, CYCLE, 2, "Rain brings the water down from the clouds to the ground."),
        (HOMEWORK_Q, HOMEWORK, 0, "The student gives the homework to the teacher."),
        (EGGS_Q, EGGS, 0, "Lizards lay eggs on dry land, and frogs lay theirs in water."),
        (CAR_Q, CAR, 1, "Unlike a bike it burns petrol in an engine under the bonnet."),
    ],
)
def test_a_reply_that_states_its_point_is_covered(
    grader: Grader, question: str, reference: str, point: int, reply: str
) -> None:
    graded = grader.grade_point(question, reference, point, reply)
    assert graded.state == "covered", graded


@pytest.mark.parametrize(
    ("question", "reference", "point", "reply", "why"),
    [
        (CYCLE_Q, CYCLE, 2, "Rain carries water from the ground back to the clouds.", "direction"),
        (HOMEWORK_Q, HOMEWORK, 0, "The teacher hands the homework to the student.", "swaps"),
        (EGGS_Q, EGGS, 0, "Frogs lay eggs on dry land; lizards lay them in water.", ""),
        (CYCLE_Q, CYCLE, 1, "The vapour cools and condenses into rain.", "“rain” where"),
        # No clause of the reply shares two words with the point's clause about the engine:
        # the whole reply against the whole point sees the denial.
        (CAR_Q, CAR, 1, "Like a bike, a car needs no fuel and no engine.", "on “engin”"),
    ],
)
def test_a_reply_that_turns_its_point_around_is_contradicted(
    grader: Grader, question: str, reference: str, point: int, reply: str, why: str
) -> None:
    graded = grader.grade_point(question, reference, point, reply)
    assert graded.state == "contradicted", graded
    assert any(why in reason for reason in graded.reasons), graded


def test_a_reply_that_fits_another_point_better_is_not_covered(grader: Grader) -> None:
    # About the first point, but what it says is the third point's.
    reply = "The water rises as vapour and rain carries it back to the ground."
    graded = grader.grade_point(CYCLE_Q, CYCLE, 0, reply)
    assert graded.state == "missed", graded
    assert "fits another point better" in graded.reasons[-1]


def test_a_neighbouring_card_is_context_and_never_costs_a_right_reply(grader: Grader) -> None:
    near = [("What is rain?", "Rain is water falling from clouds as drops.")]
    right = grader.grade_point(CYCLE_Q, CYCLE, 2, "Rain brings the water down to the ground.")
    assert right.state == "covered", right
    again = grader.grade_point(
        CYCLE_Q, CYCLE, 2, "Rain brings the water down to the ground.", neighbours=near
    )
    assert again.state == "covered", again


def test_a_term_is_substituted_only_for_one_the_deck_names_beside_it() -> None:
    point = "The vapour cools and condenses into clouds."
    # "rain" and "clouds" are two things in one sentence of the card.
    assert substitution(CYCLE_Q, point, "The vapour cools and condenses into rain.", [CYCLE])
    # A word the deck never names beside "clouds" is no substitution (it may be a synonym).
    assert (
        substitution(CYCLE_Q, point, "The vapour cools and condenses into mist.", [CYCLE]) is None
    )
    # Another name in parentheses is the same thing.
    named = "The vapour condenses into clouds (cumulus) and falls as rain."
    cumulus = "The vapour cools and condenses into cumulus."
    assert substitution(CYCLE_Q, point, cumulus, [named]) is None
