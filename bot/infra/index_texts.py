"""What the card index embeds and matches for a card: its own text, its chunks, its words."""

from __future__ import annotations

import re

from bot.core.cards import Card

_CODE = re.compile(r"```.*?(?:```|$)", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_MIN_CHUNK_CHARS = 16


def card_text(card: Card) -> str:
    """The text embedded as the card's own vector: its question and its answer."""
    return f"{card.question}\n{card.answer}"


def card_chunks(card: Card) -> list[str]:
    """The short texts embedded per card so a query can match one specific point of it."""
    chunks = [card.title, card.question, f"{card.title}. {card.question}" if card.title else ""]
    for body in (card.background, card.answer):
        prose = _CODE.sub(" ", body)
        chunks += [s.strip() for s in _SENTENCE_END.split(prose)]
        chunks += [m.group(0) for m in _CODE.finditer(body)]
    chunks.append(card.answer)
    seen: set[str] = set()
    out = []
    for chunk in chunks:
        if len(chunk) >= _MIN_CHUNK_CHARS and chunk not in seen:
            seen.add(chunk)
            out.append(chunk)
    return out or [card.question]


def lexical_text(card: Card) -> str:
    """Everything a person might search a card by, for BM25."""
    return " ".join((card.title, card.question, card.background, card.answer))
