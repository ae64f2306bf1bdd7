"""The card index: cards embedded into Chroma, searched by hybrid dense + lexical scoring.

Each card is stored as one "card" entry (its question and answer, plus the card itself as JSON
so the index alone can rebuild it) and several "chunk" entries (title, question, each prose
sentence, each code block, the whole answer). A query embeds once, asks Chroma for the nearest
entries, and ranks the candidate cards by card similarity + best chunk similarity, blended with
BM25 over the card text (bot/infra/index_search.py). See docs/QUALITY.md for how this was
chosen and how well it works.

Each scope (the shipped decks, or one server's uploads) has its own Chroma collection (see
bot/infra/index_collections.py): a search over several scopes asks each visible scope's
collection, without a metadata filter, and ranks all their candidates together.

Incremental ingest (bot/infra/index_sync.py): unchanged cards are not re-embedded, edited
cards have their entries replaced, cards gone from a deck are deleted, and a sync killed
half-way is finished by the next. This module holds what the index keeps in memory per
scope: its cards, their vectors, their BM25 index, and its entry count.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path

import numpy as np

from bot.core.cards import GLOBAL_SCOPE, Card
from bot.core.lexical import BM25
from bot.errors import CardNotFound
from bot.infra.embedder import Embedder
from bot.infra.index_collections import ScopeCollections, card_entries, open_client
from bot.infra.index_results import SearchHit, SyncReport
from bot.infra.index_search import fetch_size, has_cards, nearest_entries, rank
from bot.infra.index_sync import EMBED_BATCH, Progress, sync_collection
from bot.infra.index_texts import card_chunks, card_text, lexical_text

__all__ = [
    "EMBED_BATCH",
    "CardIndex",
    "SearchHit",
    "SyncReport",
    "card_chunks",
    "card_text",
    "lexical_text",
]


class CardIndex:
    """Cards in Chroma, one collection per scope (the global `knowledge/` decks, or one server's)."""

    def __init__(self, embedder: Embedder, *, path: Path | None = None, url: str | None = None):
        self.embedder = embedder
        self._lock = threading.RLock()
        self._collections = ScopeCollections(open_client(path=path, url=url), embedder.name)
        self._collections.migrate()
        # Per scope, loaded on first use and forgotten when that scope is synced.
        self._catalog: dict[str, dict[str, Card]] = {}
        self._card_vectors: dict[str, np.ndarray] = {}
        self._counts: dict[str, int] = {}
        self._lexical: dict[str, BM25] = {}

    # --- reading ------------------------------------------------------------------------

    def _scope_catalog(self, scope: str) -> dict[str, Card]:
        with self._lock:
            if scope not in self._catalog:
                cards: dict[str, Card] = {}
                collection = self._collections.get(scope)
                if collection is not None:
                    for _, meta, emb in card_entries(collection, ["metadatas", "embeddings"]):
                        card = Card.from_dict(json.loads(str(meta["card"])))
                        if card.scope != scope:  # never show a card outside its own scope
                            continue
                        cards[card.card_id] = card
                        # Card vectors in memory: a card found only by a chunk or a word is
                        # scored without another Chroma round trip.
                        if emb is not None:
                            self._card_vectors[card.card_id] = np.asarray(emb, dtype=np.float32)
                self._catalog[scope] = cards
            return self._catalog[scope]

    def _forget(self, scope: str) -> None:
        with self._lock:
            for card_id in self._catalog.pop(scope, {}):
                self._card_vectors.pop(card_id, None)
            self._counts.pop(scope, None)
            self._lexical.pop(scope, None)

    def cards(
        self, scopes: Collection[str] = (GLOBAL_SCOPE,), deck: str | None = None
    ) -> list[Card]:
        """Every card visible from `scopes` (optionally one deck), in deck then file order."""
        found = [c for s in dict.fromkeys(scopes) for c in self._scope_catalog(s).values()]
        if deck is not None:
            found = [c for c in found if c.deck == deck]
        return sorted(found, key=lambda c: (c.scope, c.deck, c.line))

    def get(self, card_id: str, scopes: Collection[str] = (GLOBAL_SCOPE,)) -> Card:
        """The card with this id, if it is visible from `scopes`."""
        card = _find(card_id, scopes, self._scope_catalog)
        assert card is not None  # every scope's catalogue loads
        return card

    def get_cached(self, card_id: str, scopes: Collection[str] = (GLOBAL_SCOPE,)) -> Card | None:
        """Like `get`, from memory only and without the lock (safe on an event loop): None
        when a scope it would have to look in is not loaded yet."""
        return _find(card_id, scopes, self._catalog.get)  # a re-synced scope goes whole

    def count(self) -> int:
        """Entries (cards and their chunks) in every scope's collection."""
        with self._lock:
            return sum(self._scope_count(scope) for scope in self._collections.scopes())

    def _scope_count(self, scope: str) -> int:
        with self._lock:
            if scope not in self._counts:
                collection = self._collections.get(scope)
                self._counts[scope] = 0 if collection is None else int(collection.count())
            return self._counts[scope]

    # --- searching ----------------------------------------------------------------------

    def _bm25(self, scope: str) -> BM25:
        with self._lock:
            if scope not in self._lexical:
                cards = self._scope_catalog(scope).values()
                self._lexical[scope] = BM25((c.card_id, lexical_text(c)) for c in cards)
            return self._lexical[scope]

    def search(
        self,
        query: str,
        k: int = 5,
        scopes: Collection[str] = (GLOBAL_SCOPE,),
        deck: str | None = None,
    ) -> list[SearchHit]:
        """The `k` cards that best match `query`, best first."""
        query = query.strip()
        if not query or k < 1:
            return []
        vector = self.embedder.embed([query])[0]
        return self.search_vector(query, vector, k=k, scopes=scopes, deck=deck)

    def search_vector(
        self,
        query: str,
        vector: np.ndarray,
        k: int = 5,
        scopes: Collection[str] = (GLOBAL_SCOPE,),
        deck: str | None = None,
    ) -> list[SearchHit]:
        """Like `search`, with the query already embedded."""
        pools = {s: self._scope_catalog(s) for s in dict.fromkeys(scopes)}  # no copies
        searched = [s for s, pool in pools.items() if has_cards(pool, deck)]
        if not searched:
            return []
        # Each visible scope's own collection, unfiltered (a deck stays a filter within it).
        nearest = [
            hit
            for s in searched
            for hit in nearest_entries(
                self._collections.get(s), self._scope_count(s), vector, fetch_size(k), deck
            )
        ]
        lexical = [self._bm25(scope).query(query) for scope in searched]
        return rank(vector, k, pools, deck, nearest, lexical, self._vectors_of)

    def _vectors_of(self, cards: Sequence[Card]) -> dict[str, np.ndarray]:
        """The card vectors of `cards`, fetching those the catalogue load did not return."""
        self._fetch_card_vectors([c for c in cards if c.card_id not in self._card_vectors])
        return {c.card_id: v for c in cards if (v := self._card_vectors.get(c.card_id)) is not None}

    def _fetch_card_vectors(self, cards: Sequence[Card]) -> None:
        """Card vectors the catalog load did not return (a Chroma server may omit them)."""
        by_scope: dict[str, list[str]] = {}
        for card in cards:
            by_scope.setdefault(card.scope, []).append(card.card_id)
        for scope, ids in by_scope.items():
            collection = self._collections.get(scope)
            if collection is None:
                continue
            fetched = collection.get(ids=ids, include=["embeddings"])
            for cid, emb in zip(fetched["ids"], fetched["embeddings"], strict=True):
                self._card_vectors[cid] = np.asarray(emb, dtype=np.float32)

    # --- writing ------------------------------------------------------------------------

    def sync(
        self,
        cards: Sequence[Card],
        *,
        scope: str = GLOBAL_SCOPE,
        decks: Iterable[str] | None = None,
        on_progress: Progress | None = None,
    ) -> SyncReport:
        """Make the index hold exactly `cards` for the given decks of `scope`.

        `decks` names the decks this sync is authoritative for (default: every deck in the
        scope, so a deck file that disappeared is removed too). A server scope left with no
        cards loses its collection.
        """
        with self._lock:
            wanted = {c.card_id: c for c in cards if c.scope == scope}
            report = SyncReport(decks=sorted({c.deck for c in wanted.values()}))
            collection = self._collections.get(scope)
            if collection is None:
                if not wanted:
                    return report  # nothing there and nothing wanted: no collection to make
                collection = self._collections.get_or_create(scope)
            self._forget(scope)
            try:
                sync_collection(
                    collection, self.embedder, scope, wanted, decks, report, on_progress
                )
                if scope != GLOBAL_SCOPE and not wanted and collection.count() == 0:
                    self._collections.drop(scope)
            finally:
                self._forget(scope)
            return report

    def remove_deck(self, scope: str, deck: str) -> int:
        """Delete one deck of a scope; returns the number of cards removed."""
        return self.sync([], scope=scope, decks=[deck]).removed


def _find(
    card_id: str, scopes: Collection[str], catalog: Callable[[str], dict[str, Card] | None]
) -> Card | None:
    """The card from the first of `scopes` that holds it; None as soon as a scope's catalogue
    is unavailable (`catalog` gives None); CardNotFound when no scope holds it."""
    for scope in scopes:
        cards = catalog(scope)
        if cards is None:
            return None
        card = cards.get(card_id)
        if card is not None:
            return card
    raise CardNotFound(f"no card with id {card_id!r}")
