"""The bench's table: each figure beside its baseline, same-run ratio and goal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Goal:
    """One row of the table: a key, how to read it, and the goal it is held to."""

    key: str
    label: str
    baseline: str | None = None  # the key holding the same-run baseline, if any
    ratio: str | None = None  # the key holding ours/baseline, if any
    limit: float | None = None
    at_least: bool = False  # True: value >= limit passes; False: value <= limit passes
    unit: str = ""

    def met(self, results: dict[str, Any]) -> bool | None:
        """Whether the figure meets the goal; None when unmeasured or goal-less."""
        value = results.get(self.key)
        if self.limit is None or not isinstance(value, int | float):
            return None
        return value >= self.limit if self.at_least else value <= self.limit


GOALS = (
    Goal(
        "ingest_vs_raw_encode",
        "ingest throughput vs raw encode",
        limit=0.9,
        at_least=True,
        unit="x",
    ),
    Goal("ingest_cards_per_s", "ingest cards/s", unit="/s"),
    # Issue 14: at the full size (20,000 cards) an unchanged start-up sync takes ≤ 10 s.
    Goal("resync_unchanged_s", "unchanged re-sync (start-up)", limit=10, unit="s"),
    Goal("ingest_peak_rss_mb", "ingest peak memory", unit="MB"),
    Goal("resync_one_deck_changed_s", "start-up re-sync, one deck edited", unit="s"),
    Goal("startup_catalogue_s", "start-up catalogue load", unit="s"),
    Goal("startup_first_search_s", "start-up first search", unit="s"),
    Goal("startup_peak_rss_mb", "start-up peak memory (embedder included)", unit="MB"),
    Goal(
        "query_p50_ms",
        "query p50 (embed + search)",
        "query_raw_p50_ms",
        "query_vs_raw",
        15,
        unit="ms",
    ),
    Goal("query_vs_raw", "query p50 vs raw encode + Chroma", limit=1.1, unit="x"),
    Goal("query_p99_ms", "query p99", "query_raw_p99_ms", unit="ms"),
    Goal("grade_p50_ms", "grade p50, typical answer", limit=30, unit="ms"),
    Goal("grade_p99_ms", "grade p99", unit="ms"),
    Goal(
        "llm_tokens_per_s_vs_raw",
        "LLM tokens/s vs raw llama.cpp",
        limit=0.95,
        at_least=True,
        unit="x",
    ),
    Goal("llm_ttft_s", "LLM first token (card prewarmed)", limit=1.5, unit="s"),
    Goal("llm_ttft_cold_s", "LLM first token (cold prompt)", unit="s"),
    Goal("llm_first_text_s", "first checked sentence shown (card prewarmed)", unit="s"),
    Goal("llm_hint_ttft_s", "LLM first token of a hint after a reply", limit=1.5, unit="s"),
    Goal("llm_hint_first_text_s", "first checked hint sentence shown", unit="s"),
    Goal("llm_hint_prewarmed_ttft_s", "LLM first token of a hint, prompt prewarmed", unit="s"),
    Goal("ack_p50_ms", "interaction ack p50, 50 people", unit="ms"),
    Goal("ack_p99_ms", "interaction ack p99, 50 people", limit=250, unit="ms"),
    Goal("loop_stall_max_ms", "event-loop stall, max", limit=50, unit="ms"),
    Goal("push_msgs_per_s", "daily push rate", limit=45, at_least=True, unit="/s"),
    Goal("rss_mb", "resident memory, both models", limit=1536, unit="MB"),
    Goal(
        "search_scale_p50_ms",
        "search p50 at scale (Chroma)",
        "search_scale_numpy_p50_ms",
        unit="ms",
    ),
    Goal("search_100k_vs_numpy", "search at scale vs NumPy brute force", limit=1.5, unit="x"),
    # Issue 15: several processes. PostgreSQL against SQLite in the same run.
    Goal(
        "db_write_p50_ms_pg",
        "review write p50, PostgreSQL",
        "db_write_p50_ms_sqlite",
        "db_write_pg_vs_sqlite",
        unit="ms",
    ),
    Goal("db_write_pg_vs_sqlite", "review write p50, PostgreSQL vs SQLite", limit=2, unit="x"),
    Goal("db_write_p99_ms_pg", "review write p99, PostgreSQL", "db_write_p99_ms_sqlite", unit="ms"),
    # The same writes split by whether the card had a schedule row before (restarted bot).
    Goal(
        "db_write_p50_ms_pg_new",
        "review write p50, PostgreSQL, new card",
        "db_write_p50_ms_sqlite_new",
        "db_write_new_pg_vs_sqlite",
        unit="ms",
    ),
    Goal("db_write_new_pg_vs_sqlite", "new card, PostgreSQL vs SQLite", unit="x"),
    Goal(
        "db_write_p50_ms_pg_seen",
        "review write p50, PostgreSQL, card seen before",
        "db_write_p50_ms_sqlite_seen",
        "db_write_seen_pg_vs_sqlite",
        unit="ms",
    ),
    Goal("db_write_seen_pg_vs_sqlite", "card seen before, PostgreSQL vs SQLite", unit="x"),
    Goal(
        "db_stats_p50_ms_pg",
        "/stats read p50, PostgreSQL",
        "db_stats_p50_ms_sqlite",
        "db_stats_pg_vs_sqlite",
        unit="ms",
    ),
    Goal("db_stats_pg_vs_sqlite", "/stats read p50, PostgreSQL vs SQLite", limit=2, unit="x"),
    Goal("db_stats_p99_ms_pg", "/stats read p99, PostgreSQL", "db_stats_p99_ms_sqlite", unit="ms"),
    Goal(
        "shards_ack_p99_ms",
        "ack p99, two shard processes, 50 people",
        "shards_ack_p99_ms_one_process",
        "shards_ack_p99_two_vs_one",
        250,
        unit="ms",
    ),
    Goal(
        "cluster_push_msgs_per_s",
        "push rate, two processes on PostgreSQL",
        limit=45,
        at_least=True,
        unit="/s",
    ),
    Goal(
        "cluster_push_exactly_once", "pushed exactly once (two processes)", limit=1, at_least=True
    ),
    Goal("cluster_push_429s", "429s during the two-process push", limit=0),
    Goal("cluster_kill_exactly_once", "exactly once with one SIGKILLed", limit=1, at_least=True),
    Goal("cluster_kill_429s", "429s with one SIGKILLed", limit=0),
)


def render(results: dict[str, Any]) -> Any:
    """A rich Table of every goal row."""
    from rich.table import Table

    table = Table(title="flashtutor bench", show_lines=False)
    for name in ("figure", "ours", "baseline", "goal", "met"):
        table.add_column(name, justify="left" if name == "figure" else "right")
    reasons = results.get("reasons", {})
    for goal in GOALS:
        value = results.get(goal.key)
        shown = (
            "—" if value is None else f"{value}{'' if goal.unit in ('', 'x') else ' ' + goal.unit}"
        )
        if goal.unit == "x" and value is not None:
            shown = f"{value}×"
        if value is None and goal.key in reasons:
            shown = f"[dim]not measured: {reasons[goal.key]}[/dim]"
        base = results.get(goal.baseline) if goal.baseline else None
        goal_text = ""
        if goal.limit is not None:
            goal_text = f"{'≥' if goal.at_least else '≤'} {goal.limit}{'×' if goal.unit == 'x' else ' ' + goal.unit}"
        met = goal.met(results)
        mark = "" if met is None else ("[green]yes[/green]" if met else "[red]no[/red]")
        table.add_row(
            goal.label, shown, "" if base is None else f"{base} {goal.unit}", goal_text, mark
        )
    return table
