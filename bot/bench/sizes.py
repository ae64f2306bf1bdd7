"""How much work each `flashtutor bench` group does: the full, quick (`--quick`) and smoke
(`--smoke`, the test suite's) sizes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much work each group does."""

    name: str
    ingest_cards: int
    queries: int  # distinct queries (of bench.query.QUERIES), each run `query_repeats` times
    query_repeats: int
    grade_cards: int  # seed cards answered three ways each, `grade_rounds` times
    grade_rounds: int
    scale_vectors: int
    scale_repeats: int
    llm_rounds: int
    llm_max_tokens: int
    people: int
    rounds: int  # cards each simulated person answers
    push_subscribers: int
    startup_repeats: int  # fresh-process start-ups over the ingested decks (ingest group)
    db_operations: int  # review writes and /stats reads per engine
    cluster_subscribers: int  # pushed by two processes sharing PostgreSQL


FULL = Sizes(
    "full",
    ingest_cards=20_000,
    queries=24,
    query_repeats=10,
    grade_cards=16,
    grade_rounds=3,
    scale_vectors=100_000,
    scale_repeats=10,
    llm_rounds=3,
    llm_max_tokens=96,
    people=50,
    rounds=3,
    push_subscribers=10_000,
    startup_repeats=3,
    db_operations=1_000,
    cluster_subscribers=10_000,
)
QUICK = Sizes(
    "quick",
    ingest_cards=120,
    queries=24,
    query_repeats=3,
    grade_cards=16,
    grade_rounds=2,
    scale_vectors=20_000,
    scale_repeats=4,
    llm_rounds=2,
    llm_max_tokens=64,
    people=50,
    rounds=2,
    push_subscribers=1_000,
    startup_repeats=3,
    db_operations=300,
    cluster_subscribers=1_000,
)
SMOKE = Sizes(
    "smoke",
    ingest_cards=8,
    queries=4,
    query_repeats=1,
    grade_cards=3,
    grade_rounds=1,
    scale_vectors=1_000,
    scale_repeats=1,
    llm_rounds=1,
    llm_max_tokens=8,
    people=2,
    rounds=1,
    push_subscribers=10,
    startup_repeats=1,
    db_operations=10,
    cluster_subscribers=30,
)
