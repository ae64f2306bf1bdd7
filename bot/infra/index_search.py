"""How the card index ranks: the nearest Chroma entries of each visible scope, blended with
BM25, into the `k` best cards.

A card is scored by its card vector's similarity plus its best chunk's (CHUNK_WEIGHT), both
min-max scaled, blended with its BM25 score (LEXICAL_WEIGHT). The weights were chosen on the
labelled queries in tests/data/search_queries.jsonl (docs/QUALITY.md); `bot.eval.search`
sets them to zero to compare with naive dense search.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from bot.core.cards import Card
from bot.core.lexical import LexicalScores
from bot.infra.index_results import SearchHit

CHUNK_WEIGHT = 1.0
LEXICAL_WEIGHT = 0.2

Nearest = list[tuple[dict[str, Any], float]]
"""(entry metadata, cosine similarity), nearest first."""


def fetch_size(k: int) -> int:
    """How many nearest entries a search asks each scope for."""
    return max(32, 8 * k)


def has_cards(pool: Mapping[str, Card], deck: str | None) -> bool:
    """Whether a scope's catalogue holds anything to search (in `deck`, when given)."""
    return bool(pool) and (deck is None or any(c.deck == deck for c in pool.values()))


def nearest_entries(
    collection: Any | None, count: int, vector: np.ndarray, n: int, deck: str | None
) -> Nearest:
    """The `n` entries of one scope's collection (holding `count`) nearest to `vector`."""
    from chromadb.errors import NotFoundError

    if collection is None:
        return []
    try:
        got = collection.query(
            query_embeddings=[vector.tolist()],
            n_results=min(count, n),
            where=None if deck is None else {"deck": deck},
            include=["metadatas", "distances"],
        )
    except NotFoundError:  # its last deck was removed while we searched
        return []
    return [
        (meta, 1.0 - float(dist))
        for meta, dist in zip(got["metadatas"][0], got["distances"][0], strict=True)
    ]


def rank(
    vector: np.ndarray,
    k: int,
    pools: Mapping[str, Mapping[str, Card]],
    deck: str | None,
    nearest: Nearest,
    lexical: Sequence[LexicalScores],
    card_vectors: Callable[[Sequence[Card]], Mapping[str, np.ndarray]],
) -> list[SearchHit]:
    """The `k` best cards visible in `pools` (one catalogue per searched scope).

    `nearest` holds every searched scope's nearest entries; `lexical` each scope's BM25
    scores for the query; `card_vectors` gives the card vectors of cards found only by a
    chunk or a word, so they are scored exactly.
    """

    def visible(cid: str) -> Card | None:
        for pool in pools.values():
            card = pool.get(cid)
            if card is not None:
                return card if deck is None or card.deck == deck else None
        return None

    # The nearest `fetch` of every scope's answers together are exactly what one query over
    # all of them would return, so a card scores the same however the scopes are split.
    fetch = fetch_size(k)
    card_sim: dict[str, float] = {}
    chunk_sim: dict[str, float] = {}
    for meta, sim in sorted(nearest, key=lambda hit: -hit[1])[:fetch]:
        cid = str(meta["card_id"])
        target = card_sim if meta["kind"] == "card" else chunk_sim
        target[cid] = max(sim, target.get(cid, -1.0))
    top = max(8, k)
    best: dict[str, float] = {}
    for scores in lexical:
        best.update(scores.best(top, keep=lambda cid: visible(cid) is not None))
    top_lexical = sorted(best, key=best.__getitem__, reverse=True)[:top]
    found = {cid: card for cid in {*card_sim, *chunk_sim, *top_lexical} if (card := visible(cid))}
    candidates = list(found)
    if not candidates:
        return []
    missing = [cid for cid in candidates if cid not in card_sim]
    vectors = card_vectors([found[cid] for cid in missing])
    # Cards found only through a chunk or a word: score their card vector exactly.
    for cid in missing:
        if cid in vectors:
            card_sim[cid] = float(np.dot(vectors[cid], vector))
    floor = min(chunk_sim.values(), default=0.0)
    dense = np.array(
        [card_sim.get(c, 0.0) + CHUNK_WEIGHT * chunk_sim.get(c, floor) for c in candidates]
    )
    # A card id belongs to one scope: its score is its own scope's (the others give 0).
    words = np.array([sum(scores.of(c) for scores in lexical) for c in candidates])
    fused = (_minmax(dense) + LEXICAL_WEIGHT * _minmax(words)) / (1 + LEXICAL_WEIGHT)
    order = np.argsort(-fused, kind="stable")[:k]
    hits = []
    for i in order:
        cid = candidates[i]
        similarity = max(card_sim.get(cid, 0.0), chunk_sim.get(cid, 0.0))
        hits.append(
            SearchHit(
                card=found[cid],
                score=round(float(fused[i]), 4),
                similarity=round(float(np.clip(similarity, 0.0, 1.0)), 4),
            )
        )
    return hits


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.zeros_like(values)
    return (values - low) / (high - low)
