"""What the learner said, set against the card: right (quoted), wrong (quoted), missing.

The grader decides which key points an answer covered, missed or contradicted; this module
only finds *which words of the answer* go with each, so an explanation can quote them. It
never changes a verdict: a clause is "right" only when it matches a point the grader
credited; any other clause of an answer that was not graded correct is not supported by the
card, and is answered with the closest point it did not earn (every clause of an incorrect
answer; in a partial one, every clause about the card).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from bot.core.explainer.grounding import addressed
from bot.core.grading import content_words
from bot.core.ports import Embedder
from bot.core.text import clip, split_sentences

if TYPE_CHECKING:
    from bot.core.grading import Grade

MATCH_THRESHOLD = 0.45
"""Cosine between an answer clause and a key point for the clause to be "about" that point."""
ABOUT_THRESHOLD = 0.3
"""Below this cosine to every key point a clause is not about the card: not worth quoting."""
MAX_CLAUSES = 6
MAX_CLAUSE_CHARS = 160

# ", and" starts a new claim only before a new subject ("…, and both count words"); before
# anything else it usually ends a list ("CBOW, skip-gram, and GloVe"), which stays whole.
_NEW_SUBJECT = r"and\s+(?=(?:it|they|both|this|these|those|each|we|you|there|he|she)\b)"
_CLAUSE = re.compile(
    rf"\s*(?:;|:|,\s+(?=(?:but|while|whereas|so|and then)\b)|,\s+{_NEW_SUBJECT})\s*",
    re.IGNORECASE,
)
_LEAD = re.compile(r"^(?:but|while|whereas|so|and then)\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Claim:
    """A piece of the learner's answer and the key point it goes with."""

    quote: str
    point: str
    refuted: bool = False
    """The grader found the claim wrong (its point contradicted, or the answer incorrect), not
    merely uncredited: the explanation says "but"."""


@dataclass(frozen=True, slots=True)
class AnswerParts:
    """The three parts an explanation answers, in the learner's words and the card's."""

    right: list[Claim] = field(default_factory=list)
    wrong: list[Claim] = field(default_factory=list)
    """Claims the card does not support, each with the key point that corrects it."""
    missing: list[str] = field(default_factory=list)

    @property
    def credited(self) -> list[str]:
        """Key points the learner got right (what a confirming quote may match)."""
        return [c.point for c in self.right]


def clauses(answer: str) -> list[str]:
    """The answer's sentences, split at ";", ":", ", but" and ", and <subject>" (a few at most)."""
    out: list[str] = []
    for sentence in split_sentences(answer):
        for part in _CLAUSE.split(sentence):
            part = _LEAD.sub("", part.strip(" ,;:"))
            if len(content_words(part)) >= 2 and not addressed(part):
                out.append(clip(part.rstrip("."), MAX_CLAUSE_CHARS))
    return out[:MAX_CLAUSES]


def analyse(
    embedder: Embedder, answer: str, points: Sequence[str], grade: Grade, question: str = ""
) -> AnswerParts:
    """Match each clause of `answer` to a key point, using the grader's states for each point.

    A clause close to no point ("It is when you encrypt text") answers the `question`
    itself: the point that corrects it is the one closest to the clause and the question
    together, so "It" is read as the question's subject.
    """
    parts = clauses(answer)
    covered = [p for p in points if p in grade.covered]
    contradicted = [p for p in points if p in grade.contradicted]
    if not parts or not points:
        return AnswerParts(missing=[p for p in grade.missed if p not in contradicted])
    asked = [question] if question.strip() else []
    vectors = embedder.embed([*parts, *points, *asked])
    sims = vectors[: len(parts)] @ vectors[len(parts) : len(parts) + len(points)].T
    to_question = (
        vectors[len(parts) : len(parts) + len(points)] @ vectors[-1]
        if asked
        else np.zeros(len(points))
    )
    right: list[Claim] = []
    wrong: list[Claim] = []
    used: set[str] = set()
    # A contradicted point first: the clause closest to it is the wrong claim.
    for point in contradicted:
        j = points.index(point)
        i = int(np.argmax(sims[:, j]))
        wrong.append(Claim(parts[i], point, refuted=True))
        used.add(parts[i])
    open_points = [j for j, p in enumerate(points) if p not in covered]
    for i, part in enumerate(parts):
        if part in used:
            continue
        j = int(np.argmax(sims[i]))
        if points[j] in covered and float(sims[i, j]) >= MATCH_THRESHOLD:
            right.append(Claim(part, points[j]))
        elif grade.verdict != "correct" and open_points:
            if grade.verdict != "incorrect" and float(sims[i, j]) < ABOUT_THRESHOLD:
                continue  # beside the card in an answer that earned credit: not worth a quote
            # Not credited: the claim stands corrected by the closest point it did not earn.
            near = float(sims[i, j]) >= MATCH_THRESHOLD
            k = max(open_points, key=lambda q: float(sims[i, q] + (0 if near else to_question[q])))
            wrong.append(Claim(part, points[k], refuted=grade.verdict == "incorrect"))
    corrected = {c.point for c in wrong}
    missing = [p for p in points if p in grade.missed and p not in corrected]
    return AnswerParts(right=right[:2], wrong=wrong[:2], missing=missing)
