"""Synthetic decks for the benchmark: seeded recombinations of the shipped cards' own prose.

Real sentences keep token lengths (what embedding time depends on) like the real deck's; a
card number in each question keeps card ids distinct, and word swaps keep texts from repeating.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from pathlib import Path

from bot.core.cards import GLOBAL_SCOPE, Card
from bot.core.decks import discover_deck_files, load_deck_file

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[A-Za-z]{5,}")


def seed_cards(knowledge_dir: Path) -> list[Card]:
    """The cards of the shipped decks (the material synthetic cards are made of)."""
    cards: list[Card] = []
    for path in discover_deck_files([knowledge_dir]):
        cards += load_deck_file(path).cards
    return cards


def synthetic_cards(
    n: int,
    material: Sequence[Card],
    *,
    seed: int = 7,
    deck_size: int = 500,
    scope: str = GLOBAL_SCOPE,
) -> list[Card]:
    """`n` cards in decks of `deck_size` (`bench-0000`, ...), deterministic for a seed."""
    rng = random.Random(seed)
    sentences = [
        s.strip()
        for c in material
        for body in (c.background, c.answer)
        for s in _SENTENCE.split(body)
        if len(s.strip()) > 20 and "```" not in s
    ]
    words = sorted({w.lower() for c in material for w in _WORD.findall(c.answer)})
    titles = [c.title for c in material if c.title] or ["Flashcard"]
    questions = [c.question for c in material]
    codes = [m for c in material for m in re.findall(r"```.*?```", c.answer, re.S)]
    out: list[Card] = []
    for i in range(n):

        def sentence() -> str:
            text = rng.choice(sentences)
            swap = rng.choice(words)
            return _WORD.sub(lambda m: swap if rng.random() < 0.08 else m.group(0), text)

        answer = " ".join(sentence() for _ in range(rng.randint(2, 4)))
        if codes and rng.random() < 0.15:
            answer += "\n\n" + rng.choice(codes)
        out.append(
            Card(
                deck=f"bench-{i // deck_size:04d}",
                question=f"{rng.choice(questions).rstrip('?')} (case {i})?",
                answer=answer,
                title=f"{rng.choice(titles)} {rng.choice(words)}",
                background=" ".join(sentence() for _ in range(rng.randint(0, 2))),
                rating=rng.randint(6, 10),
                scope=scope,
                line=i + 1,
            )
        )
    return out
