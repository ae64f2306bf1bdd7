"""A dialogue reply graded against one key point, with the context a one-point reference lacks.

Graded against the point alone, a topical but wrong reply resembles it: another key point's
fact, a term the deck uses for something else, the point's words turned around. So the reply
is also graded against the card's other key points and the deck's neighbouring cards, and
held to word rules:

- *rival*: it fits another key point of the card, or a neighbouring card, better than its
  own point by the grader's `neighbour_margin` (the same margin as for whole answers);
- *contradiction*: the word rules of `contradiction.disagreement` (a denial, an opposite, a
  swap) between the whole reply and the whole point;
- *reversal* (`reversal`): a direction run the other way, two of the point's words trading
  sides of a third, or the subjects of a contrast given each other's predicates;
- *substitution*: the reply keeps the point's frame but puts, where the point has one of its
  terms, a term the card or a neighbour names beside it as a different thing (in one
  sentence: "breaks glucose down with oxygen into carbon dioxide" makes oxygen and carbon
  dioxide two things, so "carbon dioxide is released" is not "oxygen is released").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Protocol

from bot.core.grading.contradiction import claim, disagreement
from bot.core.grading.params import GraderParams
from bot.core.grading.result import Grade, PointGrade, PointState
from bot.core.grading.reversal import exchanged, reversed_direction, traded_predicates
from bot.core.words import content_words, reference_sentences, stem

# Parentheses hold another name for what stands before them ("ATP (adenosine triphosphate)"):
# two names side by side there are one thing, not two.
_PARENS = re.compile(r"\([^()]*\)")
_TERM = 2  # the most words a substituted term of the point has
_FRAME = 0.6  # the share of the reply's other words that must be the point's


class _Grading(Protocol):
    """What is needed of the `Grader` (which calls this module)."""

    params: GraderParams

    def key_points(self, reference: str) -> list[str]: ...

    def grade_many(self, items: Sequence[tuple[str, str, str]]) -> list[Grade]: ...


def grade_reply(
    grader: _Grading,
    question: str,
    reference: str,
    point: int,
    reply: str,
    neighbours: Sequence[tuple[str, str]] = (),
) -> PointGrade:
    """Grade `reply` against key point `point` of `reference` (see the module)."""
    points = grader.key_points(reference)
    if not 0 <= point < len(points):
        raise IndexError(f"the reference has {len(points)} key points, not {point + 1}")
    target = points[point]
    others = [(question, p) for i, p in enumerate(points) if i != point]
    others += [(q, r) for q, r in neighbours if r.strip() and r != reference]
    graded = grader.grade_many([(question, target, reply)] + [(q, r, reply) for q, r in others])
    own = graded[0]
    state: PointState = "covered" if own.covered else "missed"
    if own.contradicted:
        state = "contradicted"
    reasons = list(own.reasons)
    if state == "contradicted":
        return PointGrade(target, state, own.score, reasons)
    turned = _turned(target, reply)
    context = [reference, *(r for _, r in neighbours)]
    swapped = turned or substitution(question, target, reply, context)
    if swapped is not None:
        reasons.append(swapped)
        return PointGrade(target, "contradicted", own.score, reasons)
    margin = grader.params.neighbour_margin
    fits = [
        r for (_, r), g in zip(others, graded[1:], strict=True) if g.score >= own.score + margin
    ]
    if state == "covered" and fits:
        reasons.append(f"the reply fits another point better: “{fits[0][:80]}”")
        state = "missed"
    return PointGrade(target, state, own.score, reasons)


def _turned(point: str, reply: str) -> str | None:
    """Why the reply turns the point around, if it does."""
    # The whole reply against the whole point: whole answers compare only clauses that share
    # two words, which a short reply in its own words often does not ("it needs no energy").
    mine, theirs = claim(point), claim(reply)
    word = disagreement(mine, theirs)
    if word is not None:
        return f"the reply contradicts the point on “{word}”"
    way = reversed_direction(point, reply)
    if way is not None:
        return f"the reply runs the point's direction the other way (“{way}”)"
    pair = exchanged(mine, theirs)
    if pair is not None:
        return f"the reply swaps the point's words around (“{pair}”)"
    subject = traded_predicates(point, reply)
    if subject is not None:
        return f"the reply says of “{subject}” what the point says of something else"
    return None


def _sentences(texts: Sequence[str]) -> list[frozenset[str]]:
    return [
        frozenset(stem(w) for w in content_words(s))
        for text in texts
        for s in reference_sentences(_PARENS.sub(" ", text))
    ]


def substitution(question: str, point: str, reply: str, context: Sequence[str]) -> str | None:
    """The reply's term that stands where the point has a different one (see the module)."""
    mine, theirs = claim(point), claim(reply)
    asked = {stem(w) for w in content_words(question)}
    matcher = SequenceMatcher(a=mine.stems, b=theirs.stems, autojunk=False)
    kept = sum(size for _, _, size in matcher.get_matching_blocks())
    sentences = _sentences(context)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        # One term for another (a span of up to two words for one of up to three) in a
        # reply that, outside it, is mostly the point's own words.
        if op != "replace" or i2 - i1 > _TERM or j2 - j1 > _TERM + 1:
            continue
        if kept < 2 or kept < _FRAME * (len(theirs.stems) - (j2 - j1)):
            continue
        old = set(mine.stems[i1:i2]) - set(theirs.stems) - asked
        new = set(theirs.stems[j1:j2]) - set(mine.stems) - asked
        for s in sentences:
            if old & s and new & s:
                return f"the reply says “{min(new & s)}” where the point has “{min(old & s)}”"
    return None
