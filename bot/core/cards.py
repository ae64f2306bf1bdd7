"""A flashcard and its stable identity."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

GLOBAL_SCOPE = ""
"""The scope of decks shipped in `knowledge/`: visible everywhere. A server's scope is its id."""

_SPACE = re.compile(r"\s+")


def normalize_question(text: str) -> str:
    """Fold the question text so whitespace and case edits keep the card's identity."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def card_id_for(deck: str, question: str, scope: str = GLOBAL_SCOPE) -> str:
    """Stable id from scope + deck + question (not file position), so progress survives edits."""
    key = "\x1f".join((scope, deck, normalize_question(question)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Card:
    """One question with its reference answer, as parsed from a deck."""

    deck: str
    question: str
    answer: str
    title: str = ""
    background: str = ""
    rating: int | None = None
    scope: str = GLOBAL_SCOPE
    source: str = ""
    line: int = 0
    card_id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.card_id:
            object.__setattr__(self, "card_id", card_id_for(self.deck, self.question, self.scope))

    @property
    def content_hash(self) -> str:
        """Hash of everything that is embedded or shown: changes when the card is edited."""
        text = "\x1f".join(
            (self.title, self.background, self.question, self.answer, str(self.rating))
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (round-trips through `from_dict`)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Card:
        """Rebuild a card from `to_dict` output."""
        return cls(**data)
