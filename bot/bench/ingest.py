"""Ingest throughput: `CardIndex.sync` against raw `SentenceTransformer.encode`.

The baseline embeds exactly the texts our index embeds (each card's own text plus its
chunks) with the same batch size, and writes nothing. The cards are cut into slices (whole
decks); our side ingests every slice, and `baseline_slices` of them, evenly spread, are also
encoded raw, right before or after (alternating), so load from other processes on this shared
machine lands on both sides alike. The figure is the median of those slices' ratios. Raw
torch encoding of all 20,000 cards' 184,000 texts would take longer than ingesting them; a
sample of slices from the start, middle and end of the run (the index grows as it goes)
measures the same ratio in a fraction of the time.

Then the unchanged re-sync: a fresh index over the same directory syncs every card again, as
each start-up does (issue 14: at 20,000 cards it must take at most 10 s), and the process's
peak memory so far.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.bench.stats import median, ratio, timed
from bot.core.cards import Card
from bot.infra.embedder import Embedder
from bot.infra.index import EMBED_BATCH, CardIndex, card_chunks, card_text

CHROMA_DIR = "chroma-ingest"


def peak_rss_mb() -> float | None:
    """This process's peak resident set size so far, in MB (Linux; None elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def embedded_texts(cards: Sequence[Card]) -> list[str]:
    """Every text `CardIndex.sync` embeds for these cards."""
    return [t for c in cards for t in (card_text(c), *card_chunks(c))]


def spread(total: int, wanted: int | None) -> set[int]:
    """`wanted` of the indices 0..total-1 (all when None), evenly spread, first and last
    included: the index grows along the run, so the sample covers small and large."""
    if total < 1:
        return set()
    wanted = total if wanted is None else max(1, min(wanted, total))
    if wanted == 1:
        return {0}
    return {round(i * (total - 1) / (wanted - 1)) for i in range(wanted)}


def bench_ingest(
    embedder: Embedder,
    raw_model: Any,
    cards: Sequence[Card],
    workdir: Path,
    *,
    slices: int = 4,
    baseline_slices: int | None = None,
) -> tuple[dict[str, Any], CardIndex]:
    """Measure ingest; returns the figures and the filled index (the query bench reuses it).

    `baseline_slices` (default: all) is how many of the slices are also encoded raw.
    """
    index = CardIndex(embedder, path=workdir / CHROMA_DIR)
    decks = sorted({c.deck for c in cards})
    per = max(1, -(-len(decks) // slices))
    groups = [decks[i : i + per] for i in range(0, len(decks), per)]
    compared = spread(len(groups), baseline_slices)
    raw_model.encode(["warm up"], show_progress_bar=False)
    all_s: list[float] = []
    ours_s: list[float] = []
    raw_s: list[float] = []
    ratios: list[float] = []
    texts_total = 0
    compared_texts = 0
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
                batch_size=EMBED_BATCH,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )

        if n not in compared:
            _, o = timed(ours)
            all_s.append(o)
            continue
        if len(ratios) % 2:
            _, r = timed(raw)
            _, o = timed(ours)
        else:
            _, o = timed(ours)
            _, r = timed(raw)
        all_s.append(o)
        ours_s.append(o)
        raw_s.append(r)
        ratios.append(r / o)
        compared_texts += len(texts)
    # What every start-up does with decks that did not change: a fresh index over the same
    # directory syncs all of them (reads every card's hash, embeds nothing).
    resync, resync_s = timed(lambda: CardIndex(embedder, path=workdir / CHROMA_DIR).sync(cards))
    total_ours, total_raw = sum(ours_s), sum(raw_s)
    figures = {
        "ingest_cards": len(cards),
        "ingest_texts_embedded": texts_total,
        "ingest_cards_per_s": round(len(cards) / sum(all_s), 1),
        "ingest_texts_per_s": round(texts_total / sum(all_s), 1),
        "ingest_raw_texts_per_s": round(compared_texts / total_raw, 1),
        "ingest_vs_raw_encode": round(median(ratios), 3),
        "ingest_vs_raw_encode_total": ratio(total_raw, total_ours),
        "ingest_slices": len(groups),
        "ingest_slices_compared": len(ratios),
        "ingest_texts_compared": compared_texts,
        "resync_unchanged_cards": resync.unchanged,
        "resync_unchanged_s": round(resync_s, 2),
        "ingest_peak_rss_mb": peak_rss_mb(),
    }
    return figures, index
