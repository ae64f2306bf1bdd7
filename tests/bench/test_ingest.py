"""The ingest group's start-up figures: decks written as files read back unchanged, and a
start-up over them in a fresh process (never how fast: no timings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bench.ingest import bench_ingest, bench_startup, deck_cards
from bot.bench.standin import CountingEmbedder, StandInEmbedder
from bot.bench.synthetic import seed_cards, synthetic_cards

ROOT = Path(__file__).resolve().parents[2]


def test_synthetic_decks_round_trip_through_seed_files(tmp_path: Path) -> None:
    made = synthetic_cards(230, seed_cards(ROOT / "knowledge"), deck_size=100)
    cards, issues = deck_cards(made, tmp_path)
    assert issues == 0
    assert sorted(p.name for p in (tmp_path / "ingest-knowledge").iterdir()) == [
        "bench-0000.md",
        "bench-0001.md",
        "bench-0002.md",
    ]
    # Same ids and the same content: start-up finds nothing changed.
    assert {c.card_id: c.content_hash for c in cards} == {c.card_id: c.content_hash for c in made}


def test_stand_in_vectors_are_unit_and_follow_the_text() -> None:
    embedder = CountingEmbedder(StandInEmbedder())
    a = embedder.embed(["one", "two", "one"])
    assert a.shape == (3, 384) and embedder.texts == 3
    assert abs(float((a[0] * a[0]).sum()) - 1.0) < 1e-5
    assert (a[0] == a[2]).all() and not (a[0] == a[1]).all()


@pytest.mark.slow
@pytest.mark.timeout(900)  # child processes on a shared machine: bound a hang, not speed
def test_startup_after_ingest_embeds_nothing_until_a_deck_changes(tmp_path: Path) -> None:
    made = synthetic_cards(60, seed_cards(ROOT / "knowledge"), deck_size=20)
    cards, _ = deck_cards(made, tmp_path)
    figures = bench_ingest(StandInEmbedder(), None, cards, tmp_path, slices=2)
    assert figures["ingest_cards"] == 60 and figures["ingest_decks"] == 3
    assert "ingest_vs_raw_encode" not in figures  # no baseline without the model
    loads: list[float] = []
    started = bench_startup(cards, tmp_path, stand_in=True, repeats=2, loads=loads)
    assert started["resync_unchanged_runs"] == 2
    assert started["resync_unchanged_cards"] == 60
    assert started["resync_unchanged_texts_embedded"] == 0
    assert started["resync_one_deck_changed_texts_embedded"] > 0
    assert started["resync_unchanged_s"] > 0 and started["startup_first_search_s"] > 0
