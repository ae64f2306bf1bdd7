"""Questions answered from the cards: decline off-topic ones, cite the cards used.

The hits are re-scored with the embedder, so the decision to decline does not depend on how
the index scales its scores; the answer streams through the same sentence-by-sentence check
as explanations, each kept sentence tied to the card it rests on.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Sequence

from bot.core.cards import Card
from bot.core.explainer.base import (
    MAX_OUTPUT_CHARS,
    Chunk,
    ExplainResult,
    Grounded,
    prose,
    untrusted,
)
from bot.core.explainer.checked import Outcome
from bot.core.text import clip, neutralize_mentions
from bot.errors import Busy, InputError, ModelUnavailable

log = logging.getLogger(__name__)

MAX_ASK_CARDS = 2
MAX_ASK_CARD_CHARS = 450

_MARKER = re.compile(r"\[\s*card\s*:\s*([0-9a-fA-F]{4,16})\s*\]")


def ask_messages(explainer: Grounded, question: str, cards: Sequence[Card]) -> list[dict[str, str]]:
    """Chat messages for a question answered from `cards`, each labelled with its id."""
    blocks = [
        f"- {(c.title or c.question).strip()}: {clip(prose(c.answer), MAX_ASK_CARD_CHARS)}"
        for c in cards
    ]
    user = explainer.prompts.render_ask(question=untrusted(question), cards="\n".join(blocks))
    return explainer.messages(user)


def card_answer(card: Card, reason: str) -> ExplainResult:
    """The closest card itself, when the model cannot answer."""
    text = f'From the card "{card.title or card.question}" [card:{card.card_id[:8]}]:\n'
    text += clip(card.answer.strip(), MAX_OUTPUT_CHARS)
    return ExplainResult(neutralize_mentions(text), True, cited=[card.card_id], reason=reason)


async def ask(
    explainer: Grounded, question: str, hits: Sequence[tuple[Card, float]]
) -> AsyncIterator[Chunk]:
    """Answer `question` from the relevant `hits` only, citing the cards used."""
    if not question.strip():
        raise InputError("ask a question (the text was empty)")
    cards = [card for card, _ in hits]
    scores = await asyncio.to_thread(explainer.relevance, question, cards)
    ranked = sorted(zip(cards, scores, strict=True), key=lambda cs: -cs[1])
    relevant = [c for c, s in ranked if s >= explainer.relevance_threshold][:MAX_ASK_CARDS]
    if not relevant:
        yield ExplainResult(
            "None of the cards cover that, so I won't guess. Try asking about a topic "
            "from the decks.",
            fallback=True,
            reason="no relevant card",
        )
        return
    if explainer.llm is None:
        yield card_answer(relevant[0], "llm off")
        return
    support: list[str] = []
    owner: list[int] = []
    for i, card in enumerate(relevant):
        pieces = explainer.support_sentences(card)
        support += pieces
        owner += [i] * len(pieces)
    prepared = await asyncio.to_thread(explainer.checker.support, support)
    outcome = Outcome()
    try:
        async for piece in explainer.stream_checked(
            ask_messages(explainer, question, relevant), prepared, outcome
        ):
            # Markers are re-attached below, by the card each sentence rests on.
            yield _MARKER.sub("", piece).replace("  ", " ")
    except Busy:
        yield card_answer(relevant[0], "busy")
        return
    except ModelUnavailable as exc:
        log.warning("answer fell back to the closest card: %s", exc)
        yield card_answer(relevant[0], str(exc))
        return
    if not explainer.enough(outcome):
        result = card_answer(relevant[0], "ungrounded")
        yield ExplainResult(result.text, True, outcome.dropped, result.cited, "ungrounded")
        return
    yield _cited(relevant, outcome, owner)


def _cited(cards: Sequence[Card], outcome: Outcome, owner: Sequence[int]) -> ExplainResult:
    by_prefix = {c.card_id[:8]: i for i, c in enumerate(cards)}
    used: list[int] = []
    lines: list[str] = []
    marks: list[int] = []
    kept = [v for v in outcome.verdicts if v.kept and v.sentence in outcome.kept]
    for v in kept:
        named = [
            by_prefix[m[:8].lower()]
            for m in _MARKER.findall(v.sentence)
            if m[:8].lower() in by_prefix
        ]
        source = named[0] if named else owner[v.best] if v.best >= 0 else 0
        if source not in used:
            used.append(source)
        lines.append(" ".join(_MARKER.sub("", v.sentence).split()))
        marks.append(source)
    if len(used) > 1:  # with one source the Sources line says it all
        lines = [
            f"{line} [card:{cards[m].card_id[:8]}]" for line, m in zip(lines, marks, strict=True)
        ]
    sources = "; ".join(
        f"[card:{cards[i].card_id[:8]}] {cards[i].title or cards[i].question}" for i in used
    )
    body = clip(" ".join(lines), MAX_OUTPUT_CHARS) + f"\nSources: {sources}"
    return ExplainResult(
        neutralize_mentions(body), False, outcome.dropped, [cards[i].card_id for i in used]
    )
