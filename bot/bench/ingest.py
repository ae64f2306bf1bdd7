"""Ingest throughput: `CardIndex.sync` against raw `SentenceTransformer.encode`.

The baseline embeds exactly the texts our index embeds (each card's own text plus its
chunks) with the same batch size, and writes nothing. The cards are cut into slices; each
slice is measured both ways, in alternating order, so load from other processes on this
shared machine lands on both sides alike. The figure is the median of the per-slice ratios.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.bench.stats import median, ratio, timed
from bot.core.cards import Card
from bot.infra.embedder import Embedder
from bot.infra.index import _BATCH, CardIndex, card_chunks, card_text

CHROMA_DIR = "chroma-ingest"


def embedded_texts(cards: Sequence[Card]) -> list[str]:
    """Every text `CardIndex.sync` embeds for these cards."""
    return [t for c in cards for t in (card_text(c), *card_chunks(c))]


def bench_ingest(
    embedder: Embedder,
    raw_model: Any,
    cards: Sequence[Card],
    workdir: Path,
    *,
    slices: int = 4,
) -> tuple[dict[str, Any], CardIndex]:
    """Measure ingest; returns the figures and the filled index (the query bench reuses it)."""
    index = CardIndex(embedder, path=workdir / CHROMA_DIR)
    decks = sorted({c.deck for c in cards})
    per = max(1, -(-len(decks) // slices))
    groups = [decks[i : i + per] for i in range(0, len(decks), per)]
    raw_model.encode(["warm up"], show_progress_bar=False)
    ours_s: list[float] = []
    raw_s: list[float] = []
    ratios: list[float] = []
    texts_total = 0
    for n, names in enumerate(groups):
        chosen = set(names)
        part = [c for c in cards if c.deck in chosen]
        texts = embedded_texts(part)
        texts_total += len(texts)

        def ours(part: Sequence[Card] = part, names: list[str] = names) -> None:
            index.sync(part, decks=names)

        def raw(texts: list[str] = texts) -> None:
            raw_model.encode(
                texts,
                batch_size=_BATCH,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )

        if n % 2:
            _, r = timed(raw)
            _, o = timed(ours)
        else:
            _, o = timed(ours)
            _, r = timed(raw)
        ours_s.append(o)
        raw_s.append(r)
        ratios.append(r / o)
    total_ours, total_raw = sum(ours_s), sum(raw_s)
    figures = {
        "ingest_cards": len(cards),
        "ingest_texts_embedded": texts_total,
        "ingest_cards_per_s": round(len(cards) / total_ours, 1),
        "ingest_texts_per_s": round(texts_total / total_ours, 1),
        "ingest_raw_texts_per_s": round(texts_total / total_raw, 1),
        "ingest_vs_raw_encode": round(median(ratios), 3),
        "ingest_vs_raw_encode_total": ratio(total_raw, total_ours),
        "ingest_slices": len(groups),
    }
    return figures, index
