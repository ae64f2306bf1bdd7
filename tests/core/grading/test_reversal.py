"""The word-order rules for a reply that turns its key point around (`reversal`)."""

from __future__ import annotations

import pytest

from bot.core.grading.contradiction import claim
from bot.core.grading.reversal import (
    directions,
    exchanged,
    reversed_direction,
    traded_predicates,
)

HEAT = "Heat flows from the hot cup to the cold room."
YEAST = "Yeast turns sugar into alcohol."


def test_a_direction_has_its_source_and_its_target() -> None:
    assert directions(HEAT) == [(frozenset({"hot", "cup"}), frozenset({"cold", "room"}))]
    # The thing made comes first when there is no "to": "bread from flour".
    assert directions("The baker makes bread from flour.") == [
        (frozenset({"flour"}), frozenset({"bak", "mak", "bread"}))
    ]


@pytest.mark.parametrize(
    ("point", "reply"),
    [
        (HEAT, "Heat flows from the cold room to the hot cup."),
        (YEAST, "Yeast turns alcohol into sugar."),
        ("Prices moved from low to high.", "Prices moved from higher to lower."),
    ],
)
def test_a_direction_run_the_other_way_is_reversed(point: str, reply: str) -> None:
    assert reversed_direction(point, reply) is not None


@pytest.mark.parametrize(
    ("point", "reply"),
    [
        (HEAT, "Heat goes from the hot cup into the colder room."),
        (YEAST, "Yeast makes alcohol out of sugar."),
        (HEAT, "The room is cold and the cup is hot."),  # no direction to compare
    ],
)
def test_the_same_direction_in_other_words_is_not_reversed(point: str, reply: str) -> None:
    assert reversed_direction(point, reply) is None


def test_two_words_trading_sides_of_the_verb_are_exchanged() -> None:
    point = claim("The cat chases the mouse around the garden.")
    assert exchanged(point, claim("The mouse chases the cat around the garden.")) is not None
    # The same order in other words, and a passive, are not.
    assert exchanged(point, claim("Around the garden, the cat chases the mouse.")) is None
    assert exchanged(point, claim("The mouse is chased by the cat around the garden.")) is None


def test_two_words_trading_sides_of_a_word_of_place_are_exchanged() -> None:
    point = claim("In the queue children stand before the adults and teachers stand after them.")
    reply = claim("In the queue teachers stand before the adults and children stand after them.")
    assert exchanged(point, reply) is not None


def test_subjects_given_each_others_predicates_are_traded() -> None:
    point = "Frogs lay their eggs in water; lizards lay theirs on dry land."
    assert traded_predicates(point, "Frogs lay eggs on dry land; lizards lay them in water.")
    # Each subject keeps its own predicate, even in another order: not traded.
    assert (
        traded_predicates(point, "Lizards lay eggs on dry land; frogs lay them in water.") is None
    )
    assert traded_predicates(point, "Lizards lay on dry land, frogs in water.") is None


def test_two_words_trading_sides_of_a_symmetric_verb_are_not_exchanged() -> None:
    point = claim("The lid fits the jar on the shelf.")
    assert exchanged(point, claim("The jar fits the lid on the shelf.")) is None
    assert exchanged(
        claim("The lid hides the jar on the shelf."), claim("The jar hides the lid on the shelf.")
    )
