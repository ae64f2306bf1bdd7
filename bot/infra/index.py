"""The card index: cards embedded into Chroma, searched by hybrid dense + lexical scoring.

Each card is stored as one "card" entry (its question and answer, plus the card itself as JSON
so the index alone can rebuild it) and several "chunk" entries (title, question, each prose
sentence, each code block, the whole answer). A query embeds once, asks Chroma for the nearest
entries, and ranks the candidate cards by card similarity + best chunk similarity, blended with
BM25 over the card text. See docs/QUALITY.md for how this was chosen and how well it works.

Each scope (the shipped decks, or one server's uploads) has its own Chroma collection (see
bot/infra/index_collections.py): a search over several scopes asks each visible scope's
collection, without a metadata filter, and ranks all their candidates together.

Incremental ingest: a card's content hash lives in its metadata. Unchanged cards are not
re-embedded; edited cards have their entries replaced; cards gone from a deck are deleted. The
card entry is written last, so it marks a card as complete: an ingest killed half-way leaves
cards without a (current) card entry, which the next ingest redoes, and ids make upserts
idempotent, so no duplicates arise.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.cards import GLOBAL_SCOPE, Card
from bot.core.lexical import BM25
from bot.errors import CardNotFound
from bot.infra.embedder import Embedder
from bot.infra.index_collections import ScopeCollections, card_entries, open_client
from bot.infra.index_results import SearchHit, SyncReport
from bot.infra.index_texts import card_chunks, card_text, lexical_text

Progress = Callable[[int, int], None]
__all__ = ["CardIndex", "SearchHit", "SyncReport", "card_chunks", "card_text", "lexical_text"]

EMBED_BATCH = 64
"""Cards embedded and written per step of a sync (the embedder's batch size too)."""
DELETE_PAGE = 500
"""Card ids per delete request."""
# Blend weights, chosen on the labelled queries in tests/data/search_queries.jsonl (QUALITY.md).
CHUNK_WEIGHT = 1.0
LEXICAL_WEIGHT = 0.2


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
        scopes = list(dict.fromkeys(scopes))
        pools = {s: self._scope_catalog(s) for s in scopes}  # no copies: a lookup per card

        def visible(cid: str) -> Card | None:
            for pool in pools.values():
                card = pool.get(cid)
                if card is not None:
                    return card if deck is None or card.deck == deck else None
            return None

        def has_cards(pool: dict[str, Card]) -> bool:
            return bool(pool) and (deck is None or any(c.deck == deck for c in pool.values()))

        searched = [s for s, pool in pools.items() if has_cards(pool)]
        if not searched:
            return []
        # Each visible scope's own collection, unfiltered (a deck stays a filter within it).
        # The nearest `fetch` of their answers together are exactly what one query over all
        # of them would return, so a card scores the same however the scopes are split.
        fetch = max(32, 8 * k)
        nearest = sorted(
            (hit for s in searched for hit in self._nearest(s, vector, fetch, deck)),
            key=lambda hit: -hit[1],
        )[:fetch]
        card_sim: dict[str, float] = {}
        chunk_sim: dict[str, float] = {}
        for meta, sim in nearest:
            cid = str(meta["card_id"])
            target = card_sim if meta["kind"] == "card" else chunk_sim
            target[cid] = max(sim, target.get(cid, -1.0))
        lexical = [self._bm25(scope).query(query) for scope in searched]
        top = max(8, k)
        best: dict[str, float] = {}
        for scores in lexical:
            best.update(scores.best(top, keep=lambda cid: visible(cid) is not None))
        top_lexical = sorted(best, key=best.__getitem__, reverse=True)[:top]
        found = {
            cid: card for cid in {*card_sim, *chunk_sim, *top_lexical} if (card := visible(cid))
        }
        candidates = list(found)
        if not candidates:
            return []
        missing = [cid for cid in candidates if cid not in card_sim]
        self._fetch_card_vectors([found[cid] for cid in missing if cid not in self._card_vectors])
        # Cards found only through a chunk or a word: score their card vector exactly.
        for cid in missing:
            if cid in self._card_vectors:
                card_sim[cid] = float(np.dot(self._card_vectors[cid], vector))
        floor = min(chunk_sim.values(), default=0.0)
        dense = np.array(
            [card_sim.get(c, 0.0) + CHUNK_WEIGHT * chunk_sim.get(c, floor) for c in candidates]
        )
        # A card id belongs to one scope: its score is its own scope's (the others give 0).
        words = np.array([sum(scores.of(c) for scores in lexical) for c in candidates])
        fused = (_minmax(dense) + LEXICAL_WEIGHT * _minmax(words)) / (1 + LEXICAL_WEIGHT)
        order = np.argsort(-fused, kind="stable")[:k]
        return [
            SearchHit(
                card=found[candidates[i]],
                score=round(float(fused[i]), 4),
                similarity=round(
                    float(
                        np.clip(
                            max(
                                card_sim.get(candidates[i], 0.0), chunk_sim.get(candidates[i], 0.0)
                            ),
                            0.0,
                            1.0,
                        )
                    ),
                    4,
                ),
            )
            for i in order
        ]

    def _nearest(
        self, scope: str, vector: np.ndarray, n: int, deck: str | None
    ) -> list[tuple[dict[str, Any], float]]:
        """(metadata, cosine similarity) of the `n` entries of `scope` nearest to `vector`."""
        from chromadb.errors import NotFoundError

        collection = self._collections.get(scope)
        if collection is None:
            return []
        try:
            got = collection.query(
                query_embeddings=[vector.tolist()],
                n_results=min(self._scope_count(scope), n),
                where=None if deck is None else {"deck": deck},
                include=["metadatas", "distances"],
            )
        except NotFoundError:  # its last deck was removed while we searched
            return []
        return [
            (meta, 1.0 - float(dist))
            for meta, dist in zip(got["metadatas"][0], got["distances"][0], strict=True)
        ]

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
                self._sync_into(collection, scope, wanted, decks, report, on_progress)
                if scope != GLOBAL_SCOPE and not wanted and collection.count() == 0:
                    self._collections.drop(scope)
            finally:
                self._forget(scope)
            return report

    def _sync_into(
        self,
        collection: Any,
        scope: str,
        wanted: dict[str, Card],
        decks: Iterable[str] | None,
        report: SyncReport,
        on_progress: Progress | None,
    ) -> None:
        # This scope's card entries only (should an older version have written another's
        # here), read a page at a time: their hashes say what changed.
        only = None if decks is None else set(decks)
        current: dict[str, str] = {}
        for _, meta, _ in card_entries(collection, ["metadatas"]):
            if meta.get("scope") == scope and (only is None or meta.get("deck") in only):
                current[str(meta["card_id"])] = str(meta["hash"])
        todo = [c for c in wanted.values() if current.get(c.card_id) != c.content_hash]
        report.unchanged = len(wanted) - len(todo)
        report.updated = sum(1 for c in todo if c.card_id in current)
        report.added = len(todo) - report.updated
        gone = sorted(cid for cid in current if cid not in wanted)
        report.removed = len(gone)
        for start in range(0, len(gone), DELETE_PAGE):
            # A removed card's chunks go with it (its card entry last, as it marks it whole).
            ids = gone[start : start + DELETE_PAGE]
            collection.delete(where={"$and": [{"card_id": {"$in": ids}}, {"kind": "chunk"}]})
            collection.delete(ids=ids)
        done = 0
        if on_progress:
            on_progress(0, len(todo))
        for start in range(0, len(todo), EMBED_BATCH):
            batch = todo[start : start + EMBED_BATCH]
            self._write(collection, batch)
            done += len(batch)
            if on_progress:
                on_progress(done, len(todo))

    def _write(self, collection: Any, cards: Sequence[Card]) -> None:
        """Embed and store cards: old chunks out, new chunks in, then the card entry last."""
        collection.delete(
            where={"$and": [{"card_id": {"$in": [c.card_id for c in cards]}}, {"kind": "chunk"}]}
        )
        chunks = [(c, i, text) for c in cards for i, text in enumerate(card_chunks(c))]
        texts = [card_text(c) for c in cards] + [text for _, _, text in chunks]
        vectors = self.embedder.embed(texts, batch_size=EMBED_BATCH)
        card_vecs, chunk_vecs = vectors[: len(cards)], vectors[len(cards) :]
        if chunks:
            collection.upsert(
                ids=[f"{c.card_id}#{i}" for c, i, _ in chunks],
                embeddings=chunk_vecs,
                documents=[text for _, _, text in chunks],
                metadatas=[_meta(c, "chunk") for c, _, _ in chunks],
            )
        collection.upsert(
            ids=[c.card_id for c in cards],
            embeddings=card_vecs,
            documents=[card_text(c) for c in cards],
            metadatas=[
                {**_meta(c, "card"), "hash": c.content_hash, "card": json.dumps(c.to_dict())}
                for c in cards
            ],
        )

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


def _meta(card: Card, kind: str) -> dict[str, str | int | float | bool]:
    return {"card_id": card.card_id, "scope": card.scope, "deck": card.deck, "kind": kind}


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.zeros_like(values)
    return (values - low) / (high - low)
