"""`flashtutor bench` runs end to end and reports every figure (never how fast: no timings)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

import pytest

from bot.bench import GROUPS, KEYS, REQUIRED_KEYS, SMOKE
from bot.bench.report import GOALS, Goal
from bot.bench.stats import percentile, ratio
from bot.bench.synthetic import seed_cards, synthetic_cards
from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
ISSUE_KEYS = (
    "ingest_vs_raw_encode",
    "query_p50_ms",
    "query_p99_ms",
    "grade_p50_ms",
    "llm_tokens_per_s_vs_raw",
    "llm_ttft_s",
    "ack_p50_ms",
    "ack_p99_ms",
    "loop_stall_max_ms",
    "push_msgs_per_s",
    "rss_mb",
)


def test_every_issue_key_belongs_to_a_group() -> None:
    assert set(ISSUE_KEYS) <= set(REQUIRED_KEYS)
    assert set(KEYS) == set(GROUPS)


def test_percentile_interpolates_and_ratio_guards_zero() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0, 2.0], 50) == 1.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 100) == 5.0
    assert math.isnan(percentile([], 50))
    assert ratio(2.0, 4.0) == 0.5
    assert ratio(1.0, 0.0) is None


def test_ingest_baseline_slices_spread_over_the_run() -> None:
    from bot.bench.ingest import spread

    assert spread(20, 5) == {0, 5, 10, 14, 19}
    assert spread(4, None) == {0, 1, 2, 3}
    assert spread(3, 10) == {0, 1, 2}
    assert spread(7, 1) == {0}
    assert spread(0, 3) == set()


def test_goal_direction() -> None:
    at_most = Goal("x", "x", limit=10)
    at_least = Goal("y", "y", limit=0.9, at_least=True)
    assert at_most.met({"x": 10}) is True and at_most.met({"x": 10.5}) is False
    assert at_least.met({"y": 0.95}) is True and at_least.met({"y": 0.5}) is False
    assert at_most.met({"x": None}) is None


def test_synthetic_deck_is_deterministic_with_unique_ids() -> None:
    material = seed_cards(ROOT / "knowledge")
    a = synthetic_cards(250, material, seed=5, deck_size=100)
    b = synthetic_cards(250, material, seed=5, deck_size=100)
    assert a == b
    assert len({c.card_id for c in a}) == 250
    assert sorted({c.deck for c in a}) == ["bench-0000", "bench-0001", "bench-0002"]
    assert synthetic_cards(250, material, seed=6, deck_size=100) != a


def test_unknown_group_is_one_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--smoke", "--only", "ingest,warp"]) == 2
    assert "unknown bench group(s): warp" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.llm
@pytest.mark.e2e  # its discord group runs the bot against the loopback emulator
@pytest.mark.timeout(1800)  # tiny sizes, but this machine is shared: bound a hang, not speed
def test_smoke_bench_writes_every_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLASHTUTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FLASHTUTOR_LLM_MODEL", "smollm2-135m")  # the small bundled GGUF
    out = tmp_path / "bench.json"
    assert main(["bench", "--smoke", "--json", str(out), "--workdir", str(tmp_path)]) == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    table = capsys.readouterr().out
    assert "flashtutor bench" in table and "ingest throughput" in table

    assert results["meta"]["sizes"] == asdict(SMOKE)
    for key in REQUIRED_KEYS:
        assert key in results, key
        value = results[key]
        if value is None:
            assert results["reasons"][key], f"{key} is null without a reason"
        else:
            assert isinstance(value, int | float) and math.isfinite(value) and value > 0, key
    # Everything that exists in the product today is actually measured, not excused.
    for key in (
        "ingest_vs_raw_encode",
        "query_p50_ms",
        "query_p99_ms",
        "grade_p50_ms",
        "llm_tokens_per_s_vs_raw",
        "llm_ttft_s",
        "rss_mb",
        "search_100k_vs_numpy",
        "db_write_pg_vs_sqlite",  # PostgreSQL is part of the product: a real server is started
        "db_stats_pg_vs_sqlite",
        "shards_ack_p99_ms",
        "shards_ack_p99_ms_one_process",
        "cluster_push_msgs_per_s",
    ):
        assert results[key] is not None, (key, results["reasons"].get(key))
    # Correctness, not speed: every subscriber got exactly one push, with and without a kill.
    assert results["cluster_push_exactly_once"] is True
    assert results["cluster_kill_exactly_once"] is True
    assert results["cluster_push_delivered_once"] == SMOKE.cluster_subscribers
    assert results["query_p99_ms"] >= results["query_p50_ms"]
    assert results["ingest_cards"] == SMOKE.ingest_cards
    assert results["search_scale_vectors"] == SMOKE.scale_vectors
    assert 0.0 <= results["search_scale_recall_at_10"] <= 1.0
    assert {g.key for g in GOALS} >= set(ISSUE_KEYS)
    assert not list(tmp_path.glob("flashtutor-bench-*")), "the bench leaves no temp index behind"


def test_crowd_reads_buttons_from_nested_components() -> None:
    from bot.bench.crowd import custom_ids

    message = {
        "current": {
            "components": [
                {"type": 1, "components": [{"custom_id": "ft:ans:1"}, {"custom_id": "ft:hint:1"}]},
                {"type": 1, "components": [{"url": "https://example.invalid"}]},
            ]
        }
    }
    assert custom_ids(message) == ["ft:ans:1", "ft:hint:1"]
    assert custom_ids({}) == []


def test_interaction_kinds() -> None:
    from bot.bench.discord import _kind

    assert _kind({"payload": {"data": {"name": "quiz"}}}) == "/quiz"
    assert _kind({"payload": {"data": {"custom_id": "ft:ans:abc:1:2:0:0"}}}) == "ft:ans"
    assert _kind({}) == "?"


async def test_stall_watch_sees_a_blocked_loop_and_where() -> None:
    import asyncio
    import time

    from bot.bench.discord import StallWatch

    watch = StallWatch()
    watch.start()
    await asyncio.sleep(0.05)
    time.sleep(0.2)  # block the loop on purpose
    await asyncio.sleep(0.05)
    await watch.stop()
    assert watch.worst >= 0.15
    sites = " ".join(site for site, _ in watch.sites())
    assert "test_stall_watch_sees_a_blocked_loop_and_where" in sites or "sleep" in sites


def test_unwritable_json_path_fails_before_measuring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing" / "bench.json"
    assert main(["bench", "--smoke", "--only", "memory", "--json", str(target)]) == 2
    assert "folder does not exist" in capsys.readouterr().err
    assert main(["bench", "--smoke", "--cards", "0"]) == 2
