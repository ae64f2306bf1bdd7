"""What the card index gives back: a search hit, and what a sync changed.

`SearchHit` implements the core's `Hit` port and `SyncReport` its `SyncCounts`
(`bot.core.ports`); both are re-exported by `bot.infra.index`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.cards import Card


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One card found by a search: `score` ranks, `similarity` (0..1) says how relevant it is."""

    card: Card
    score: float
    similarity: float


@dataclass(slots=True)
class SyncReport:
    """What an ingest changed."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    decks: list[str] = field(default_factory=list)

    @property
    def embedded(self) -> int:
        """Cards whose text was embedded in this run."""
        return self.added + self.updated
