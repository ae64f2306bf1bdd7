"""The deck around a card: what an answer shares with the card's neighbours, not the card.

The tutor passes the cards of the card's scope that its index finds for the answer
(`Grader.grade(..., neighbours=...)`). An answer that fits one of them clearly better
(`rival`), or is made of their words in place of the card's (`foreign_share`), is not
`correct`; a sentence that states a neighbour's key point covers no point of this card
(`said_elsewhere`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.core.grading.features import Alignment, Vector, align
from bot.core.grading.guards import Answer
from bot.core.grading.params import GraderParams
from bot.core.grading.points import Reference
from bot.core.words import stem

DUPLICATE = 0.95
"""A "neighbour" whose reference is this close to the card's is the same card again."""
ELSEWHERE_MARGIN = 0.2
"""A sentence this much closer to a neighbour's key point than to the point it would cover
states the neighbour's point. Chosen on the tuning decks (`bot/eval/grading/decks/`): no
sentence of a correct paraphrase came within 0.16 of a neighbour point above its own, while
75 of the 80 points other cards' answers were credited with sit at least 0.2 above."""

Pair = tuple[Reference, Answer]


def distinct(ref: Reference, neighbours: Sequence[Pair], vectors: dict[str, Vector]) -> list[Pair]:
    """The neighbours that are other cards (not this one again), with key points."""
    mine = vectors[ref.reference]
    return [
        (r, a) for r, a in neighbours if r.points and float(mine @ vectors[r.reference]) < DUPLICATE
    ]


def foreign_share(ref: Reference, ans: Answer, neighbours: Sequence[Pair]) -> float:
    """The share of the answer's content words that belong to neighbouring cards only."""
    if not neighbours or not ans.content:
        return 0.0
    own = ref.stems | ref.question_stems
    theirs: set[str] = set()
    for other, _ in neighbours:
        theirs |= other.stems | other.question_stems
    stems = [stem(w) for w in ans.content]
    return sum(1 for s in stems if s in theirs and s not in own) / len(stems)


def rival(
    neighbours: Sequence[Pair], vectors: dict[str, Vector], params: GraderParams, own: float
) -> str | None:
    """The question of a neighbouring card the answer fits clearly better, if any.

    The margin was chosen on the tuning decks (`bot/eval/grading/decks/`): their correct
    paraphrases never fit another card more than 0.0 better than their own, while other
    cards' answers fit their own card at least 0.2 better.
    """
    for ref, ans in neighbours:
        other = float(params.probability(align(ref, ans, vectors).row[None, :])[0])
        if other >= own + params.neighbour_margin:
            return ref.question
    return None


def said_elsewhere(
    ans: Answer, al: Alignment, neighbours: Sequence[Pair], vectors: dict[str, Vector]
) -> npt.NDArray[np.bool_]:
    """Per key point: the answer sentence closest to it states a neighbour's key point instead
    ("Tokenization turns each word into a vector" is the embedding card's point, not the
    tokenization card's splitting)."""
    n = al.unit_sims.shape[0]
    others = [vectors[p] for ref, _ in neighbours for p in ref.points]
    if not others or not n or not ans.text:
        return np.zeros(n, dtype=bool)
    units = np.stack([vectors[ans.text], *(vectors[u] for u in ans.units)])
    theirs = (units @ np.stack(others).T).max(axis=1)
    best = al.unit_sims.argmax(axis=1)
    own = al.unit_sims[np.arange(n), best]
    return np.asarray(theirs[best] >= own + ELSEWHERE_MARGIN, dtype=bool)
