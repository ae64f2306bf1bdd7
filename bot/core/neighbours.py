"""A card's neighbours: the other cards of its scope that an answer fits best.

The grader compares an answer with them, so an answer to a neighbouring card is not
`correct` for this one (see `bot.core.grading.grader`).
"""

from __future__ import annotations

import logging

from bot.core.cards import GLOBAL_SCOPE, Card
from bot.core.limits import MAX_QUESTION_CHARS
from bot.core.ports import CardSource

log = logging.getLogger(__name__)

NEIGHBOURS = 5
"""How many of the scope's best-fitting other cards the grader compares an answer with."""


def neighbours(
    cards: CardSource, card: Card, answer: str, k: int = NEIGHBOURS
) -> list[tuple[str, str]]:
    """(question, reference) of the cards of `card`'s scope that `answer` fits best."""
    if not answer.strip():
        return []
    scopes = (GLOBAL_SCOPE, card.scope) if card.scope != GLOBAL_SCOPE else (GLOBAL_SCOPE,)
    try:
        hits = cards.search(answer[:MAX_QUESTION_CHARS], k=k + 1, scopes=scopes)
    except Exception:  # the grade still stands without the contrast, so never fail it
        log.warning("neighbour search failed; grading without neighbours", exc_info=True)
        return []
    found = [(h.card.question, h.card.answer) for h in hits if h.card.card_id != card.card_id]
    return found[:k]
