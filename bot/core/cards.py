"""A flashcard and its stable identity."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

CardKind = Literal["basic", "cloze"]

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
    kind: CardKind = "basic"
    """"cloze": the question is a text with a blank (`[…]`), the answer the deleted words."""
    tags: tuple[str, ...] = ()
    """Topics the deck gave the card (Anki tags)."""
    media: tuple[str, ...] = ()
    """Image file names the card shows, stored with its deck."""

    def __post_init__(self) -> None:
        if not self.card_id:
            object.__setattr__(self, "card_id", card_id_for(self.deck, self.question, self.scope))

    @property
    def content_hash(self) -> str:
        """Hash of everything that is embedded or shown: changes when the card is edited."""
        parts = [self.title, self.background, self.question, self.answer, str(self.rating)]
        # Only non-default extras join the hash: the cards of existing decks keep theirs.
        if self.kind != "basic" or self.tags or self.media:
            parts += [self.kind, " ".join(self.tags), " ".join(self.media)]
        text = "\x1f".join(parts)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (round-trips through `from_dict`); default extras are left out."""
        data = asdict(self)
        for key, default in (("kind", "basic"), ("tags", ()), ("media", ())):
            if data[key] == default:
                del data[key]
            elif isinstance(default, tuple):
                data[key] = list(data[key])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Card:
        """Rebuild a card from `to_dict` output."""
        data = dict(data)
        for key in ("tags", "media"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)
