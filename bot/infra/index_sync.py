"""How the card index is written: make one scope's collection hold exactly the wanted cards.

Incremental: a card's content hash lives in its card entry's metadata. Unchanged cards are not
re-embedded; edited cards have their entries replaced; cards gone from a deck are deleted. The
card entry is written last, so it marks a card as complete: a sync killed half-way leaves
cards without a (current) card entry, which the next sync redoes, and ids make upserts
idempotent, so no duplicates arise. No request grows with the deck: hashes are read a page at
a time (`card_entries`), deletes and writes go `DELETE_PAGE` and `EMBED_BATCH` cards at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.core.cards import Card
from bot.core.ports import Embedder
from bot.infra.index_collections import card_entries
from bot.infra.index_results import SyncReport
from bot.infra.index_texts import card_chunks, card_text

Progress = Callable[[int, int], None]

EMBED_BATCH = 64
"""Cards embedded and written per step of a sync (the embedder's batch size too)."""
DELETE_PAGE = 500
"""Card ids per delete request."""


def sync_collection(
    collection: Any,
    embedder: Embedder,
    scope: str,
    wanted: dict[str, Card],
    decks: Iterable[str] | None,
    report: SyncReport,
    on_progress: Progress | None = None,
) -> None:
    """Make `collection` hold exactly `wanted` (by card id) for `decks` of `scope` (every
    deck when None), counting into `report`."""
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
        write_cards(collection, embedder, batch)
        done += len(batch)
        if on_progress:
            on_progress(done, len(todo))


def write_cards(collection: Any, embedder: Embedder, cards: Sequence[Card]) -> None:
    """Embed and store cards: old chunks out, new chunks in, then the card entry last."""
    collection.delete(
        where={"$and": [{"card_id": {"$in": [c.card_id for c in cards]}}, {"kind": "chunk"}]}
    )
    chunks = [(c, i, text) for c in cards for i, text in enumerate(card_chunks(c))]
    texts = [card_text(c) for c in cards] + [text for _, _, text in chunks]
    vectors = embedder.embed(texts, batch_size=EMBED_BATCH)
    card_vecs, chunk_vecs = vectors[: len(cards)], vectors[len(cards) :]
    if chunks:
        collection.upsert(
            ids=[f"{c.card_id}#{i}" for c, i, _ in chunks],
            embeddings=chunk_vecs,
            documents=[text for _, _, text in chunks],
            metadatas=[entry_meta(c, "chunk") for c, _, _ in chunks],
        )
    collection.upsert(
        ids=[c.card_id for c in cards],
        embeddings=card_vecs,
        documents=[card_text(c) for c in cards],
        metadatas=[
            {**entry_meta(c, "card"), "hash": c.content_hash, "card": json.dumps(c.to_dict())}
            for c in cards
        ],
    )


def entry_meta(card: Card, kind: str) -> dict[str, str | int | float | bool]:
    """The metadata of one of a card's entries (`kind`: "card" or "chunk")."""
    return {"card_id": card.card_id, "scope": card.scope, "deck": card.deck, "kind": kind}
