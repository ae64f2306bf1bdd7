"""The word rules that tell a restated key point from a contradicted one (pure functions).

Each case pairs what the rules must still catch with the restatement that real student
answers make and that the rules once called a contradiction (SemEval-2013 training answers
graded correct by people; the wording here is our own).
"""

from __future__ import annotations

import pytest

from bot.core.grading.contradiction import claim, disagreement, rotated, scrambled


def contradicts(point: str, answer: str) -> bool:
    p, a = claim(point), claim(answer)
    return disagreement(p, a) is not None or rotated(p, a)


@pytest.mark.parametrize(
    ("point", "agrees", "contradicts_it"),
    [
        # A negated opposite says the same thing; an un-negated one does not.
        (
            "Solubility is not the same for all materials.",
            "Different materials have different solubility.",
            "Solubility is the same for all materials.",
        ),
        # Both opposites of a comparison flip together: the mirror of the same rule.
        (
            "The longer the string, the lower the pitch.",
            "The shorter the string, the higher the pitch.",
            "The longer the string, the higher the pitch.",
        ),
        # The compared things trade places around the opposite.
        (
            "The particles are too big to go through the holes.",
            "The holes are smaller than the particles.",
            "The particles are too small to go through the holes.",
        ),
        # "always" -> "never" is one denial, not a denial and an opposite that cancel.
        (
            "It always makes n minus one passes over the list.",
            "It makes n minus one passes over the list every time.",
            "It never makes n minus one passes over the list.",
        ),
        # One sentence-level denial of several words is still one denial.
        (
            "Mitochondria release energy from glucose.",
            "Mitochondria release the energy stored in glucose.",
            "It is not true that mitochondria release energy from glucose.",
        ),
    ],
)
def test_even_flips_restate_and_odd_flips_contradict(
    point: str, agrees: str, contradicts_it: str
) -> None:
    assert not contradicts(point, agrees)
    assert contradicts(point, contradicts_it)


def test_an_opening_no_that_answers_the_question_is_not_a_denial() -> None:
    point = "No, the cookies are not pure sugar."
    assert not contradicts(point, "No the cookies are not pure sugar.")
    assert contradicts(point, "The cookies are pure sugar.")


def test_denying_verbs_in_every_tense_deny_their_object() -> None:
    point = "The tree blocks the light from the sun."
    assert not contradicts(point, "The tree blocked the light from the sun.")
    assert not contradicts(point, "The tree is blocking the light from the sun.")


def test_with_zero_is_with_no() -> None:
    point = "The boat with no marbles is the standard."
    assert not contradicts(point, "The boat with 0 marbles is the standard.")
    assert contradicts(point, "The boat with marbles is the standard.")


def test_leaving_out_one_side_of_a_comparison_is_not_an_opposite() -> None:
    point = "Darker colors absorb more heat than lighter colors."
    assert not contradicts(point, "The dark color absorbs more heat.")
    assert contradicts(point, "Lighter colors absorb more heat than lighter colors.")


def test_a_swap_must_hold_at_every_use_of_a_repeated_word() -> None:
    point = "Plants feed the caterpillars."
    assert contradicts(point, "The caterpillars feed the plants.")
    assert not contradicts(
        "White reflects more heat than black.",
        "Black absorbs heat and white reflects the heat.",
    )


def test_reordered_clauses_with_words_left_out_are_not_a_scramble() -> None:
    reference = "If the key sticks, the key is iron; if the key does not stick the key is aluminum."
    assert not scrambled(
        reference, "If it is iron it will stick if it is aluminum it will not stick."
    )
    words = reference.rstrip(".").replace(",", "").replace(";", "").split()
    assert scrambled(reference, " ".join(reversed(words)))


def test_a_subject_and_verb_moved_to_the_end_is_a_swap() -> None:
    point = "Merge sort splits the list into two halves."
    assert contradicts(point, "The list into two halves splits merge sort.")
    assert contradicts(
        "They contain chlorophyll, a green pigment.", "Chlorophyll, a green pigment, contain they."
    )
    # The passive says the same; so does the point itself.
    assert not contradicts(point, "The list is split into two halves by merge sort.")
    assert not contradicts(point, point)


def test_a_possessive_is_its_noun() -> None:
    point = "The server keeps no client state between requests."
    assert contradicts(point, "The server keeps each client's state between requests.")
    assert not contradicts(point, "Between requests the server keeps no client's state.")


def test_trading_places_around_a_symmetric_verb_is_no_swap() -> None:
    point = "The plug on the cable matches a standard socket."
    assert not contradicts(point, "A standard socket matches the plug on the cable.")
    assert not contradicts(
        "The red wire connects the battery.", "The battery connects the red wire."
    )
    # Around any other verb it still is one.
    assert contradicts("The cat chases the small mouse.", "The small mouse chases the cat.")


def test_nearer_and_farther_are_opposites() -> None:
    point = "The farther the lamp is from the plant, the less light the leaves get."
    assert not contradicts(
        point, "The closer the lamp is to the plant, the more light the leaves get."
    )
    assert contradicts(
        point, "The farther the lamp is from the plant, the more light the leaves get."
    )


@pytest.mark.parametrize(
    ("point", "answer"),
    [
        ("The largest box goes on the bottom shelf.", "The smallest box goes on the bottom shelf."),
        ("A careful driver checks the mirrors.", "A careless driver checks the mirrors."),
        ("The old map is useless for hiking.", "The old map is useful for hiking."),
    ],
)
def test_superlatives_and_ful_less_are_opposites(point: str, answer: str) -> None:
    assert disagreement(claim(point), claim(answer))
    # The same word again is no opposite.
    assert disagreement(claim(point), claim(point)) is None
