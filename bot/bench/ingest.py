"""Ingest throughput: `CardIndex.sync` against raw `SentenceTransformer.encode`; start-up.

The baseline embeds exactly the texts our index embeds (each card's own text plus its
chunks) with the same batch size, and writes nothing. The cards are cut into slices (whole
decks); our side ingests every slice, and `baseline_slices` of them, evenly spread, are also
encoded raw, right before or after (alternating), so load from other processes on this shared
machine lands on both sides alike. The figure is the median of those slices' ratios. Raw
torch encoding of all 20,000 cards' 184,000 texts would take longer than ingesting them; a
sample of slices from the start, middle and end of the run (the index grows as it goes)
measures the same ratio in a fraction of the time.

Then start-up (`bot.bench.startup`): in a fresh process, as `flashtutor run` does, the
decks are parsed from their files and synced into the filled index with nothing changed
(issue 14: at 20,000 cards this must take at most 10 s), the catalogue is loaded and one
search runs; `startup_repeats` times, medians reported. Then one deck's answers are edited
and the same start-up re-ingests it (the other decks unchanged).

With the stand-in embedder (`flashtutor bench --stand-in-embedder`, for 100,000 cards, whose
real embedding takes hours here) no raw-encode baseline runs: the figures time the index and
Chroma, not the model, and `ingest_embedder` says which embedder was used.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.bench.startup import peak_rss_mb, run_startup, write_decks
from bot.bench.stats import median, ratio, timed
from bot.core.cards import Card
from bot.core.decks.library import load_decks
from bot.infra.embedder import Embedder
from bot.infra.index import EMBED_BATCH, CardIndex, card_chunks, card_text

DATA_DIR = "ingest-data"
KNOWLEDGE_DIR = "ingest-knowledge"
CHROMA_DIR = f"{DATA_DIR}/chroma"
"""Below the bench's work directory: the data folder start-up opens, its index, its decks."""


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


def deck_cards(cards: Sequence[Card], workdir: Path) -> tuple[list[Card], int]:
    """Write `cards` as deck files under the work directory and read them back as start-up
    will: (the parsed cards, the number of problems the parser reported)."""
    folder = workdir / KNOWLEDGE_DIR
    write_decks(cards, folder)
    decks = load_decks([folder], folder)
    return [c for d in decks for c in d.cards], sum(len(d.issues) for d in decks)


def load_avg() -> float | None:
    """The 1-minute load average (None where there is none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def bench_ingest(
    embedder: Embedder,
    raw_model: Any | None,
    cards: Sequence[Card],
    workdir: Path,
    *,
    slices: int = 4,
    baseline_slices: int | None = None,
    loads: list[float] | None = None,
) -> dict[str, Any]:
    """Ingest `cards` slice by slice into a fresh index under `workdir`; the figures.

    `baseline_slices` (default: all) is how many of the slices are also encoded raw; none
    when `raw_model` is None (the stand-in embedder). Load averages go into `loads`.
    """
    index = CardIndex(embedder, path=workdir / CHROMA_DIR)
    decks = sorted({c.deck for c in cards})
    per = max(1, -(-len(decks) // slices))
    groups = [decks[i : i + per] for i in range(0, len(decks), per)]
    compared = spread(len(groups), baseline_slices) if raw_model is not None else set()
    if raw_model is not None:
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
        if loads is not None and (load := load_avg()) is not None:
            loads.append(load)

        def ours(part: Sequence[Card] = part, names: list[str] = names) -> None:
            index.sync(part, decks=names)

        def raw(texts: list[str] = texts) -> None:
            assert raw_model is not None
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
    figures: dict[str, Any] = {
        "ingest_cards": len(cards),
        "ingest_decks": len(decks),
        "ingest_texts_embedded": texts_total,
        "ingest_entries": index.count(),
        "ingest_s": round(sum(all_s), 1),
        "ingest_cards_per_s": round(len(cards) / sum(all_s), 1),
        "ingest_texts_per_s": round(texts_total / sum(all_s), 1),
        "ingest_slices": len(groups),
        "ingest_peak_rss_mb": peak_rss_mb(),
    }
    if ratios:
        total_ours, total_raw = sum(ours_s), sum(raw_s)
        figures |= {
            "ingest_raw_texts_per_s": round(compared_texts / total_raw, 1),
            "ingest_vs_raw_encode": round(median(ratios), 3),
            "ingest_vs_raw_encode_total": ratio(total_raw, total_ours),
            "ingest_slices_compared": len(ratios),
            "ingest_texts_compared": compared_texts,
        }
    return figures


def release_chroma() -> None:
    """Close every Chroma this process opened, so a child process may write the same folder
    and a later client here reads what it wrote (Chroma caches one system per path)."""
    from chromadb.api.client import SharedSystemClient

    for system in list(SharedSystemClient._identifier_to_system.values()):
        system.stop()
    SharedSystemClient.clear_system_cache()


def bench_startup(
    cards: Sequence[Card],
    workdir: Path,
    *,
    stand_in: bool,
    repeats: int = 3,
    loads: list[float] | None = None,
) -> dict[str, Any]:
    """Start-up over the filled index, `repeats` times unchanged, then once with one deck
    edited (see the module docstring); each in a fresh process."""
    data, knowledge = workdir / DATA_DIR, workdir / KNOWLEDGE_DIR
    release_chroma()
    runs = []
    for _ in range(max(1, repeats)):
        if loads is not None and (load := load_avg()) is not None:
            loads.append(load)
        runs.append(run_startup(data, knowledge, stand_in=stand_in))
    decks = sorted({c.deck for c in cards})
    edited = decks[len(decks) // 2]
    write_decks([_edited(c) for c in cards if c.deck == edited], knowledge)
    changed = run_startup(data, knowledge, stand_in=stand_in)

    def med(key: str) -> float:
        return round(median([float(r[key]) for r in runs]), 2)

    return {
        "resync_unchanged_s": med("resync_s"),
        "resync_unchanged_max_s": max(float(r["resync_s"]) for r in runs),
        "resync_unchanged_runs": len(runs),
        "resync_unchanged_cards": runs[0]["cards"],
        "resync_unchanged_texts_embedded": max(int(r["texts_embedded"]) for r in runs),
        "startup_catalogue_s": med("catalogue_s"),
        "startup_first_search_s": med("first_search_s"),
        "startup_peak_rss_mb": max(float(r["peak_rss_mb"] or 0) for r in runs) or None,
        "resync_one_deck_changed_s": changed["resync_s"],
        "resync_one_deck_changed_texts_embedded": changed["texts_embedded"],
    }


def _edited(card: Card) -> Card:
    return replace(card, answer=card.answer + " (Revised.)")
