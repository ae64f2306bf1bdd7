"""Review writes and /stats reads on PostgreSQL against SQLite, in the same run.

Both engines hold the same history (people with two months of reviews), and the same
operations alternate between them, one at a time, so the machine's load falls on both
alike: `record_review` (read the schedule; write the next one with the log entry) and
`stats` (totals, the 30-day history, the streak; what /stats shows) over a server's visible
cards. Both stores are reopened after the history is written, so the measured ones start
knowing no schedule row, as a restarted bot does; review writes are also reported split by
whether the card had a schedule row before the write (`seen`: one PostgreSQL round trip if
this process wrote it, two if not, as after a restart; `new`: one). PostgreSQL runs on 127.0.0.1 in a temporary directory with fsync on and asynchronous
commit (`TempPostgres(durable=True)`), the counterpart of SQLite's WAL with
`synchronous=NORMAL`: neither flushes every commit, neither loses consistency in a crash.
"""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.bench.postgres import durable_postgres
from bot.bench.stats import ms, percentile, ratio

PEOPLE = 200
CARDS = 300
HISTORY_PER_PERSON = 60
VERDICTS = (("correct", 0.9), ("partial", 0.5), ("incorrect", 0.1))


def _fill(store: Any, rng: random.Random, now: datetime) -> set[tuple[str, str]]:
    """Write the history; the (person, card) pairs it gave a schedule row."""
    seen: set[tuple[str, str]] = set()
    with store.db.tx():
        for person in range(PEOPLE):
            for n in range(HISTORY_PER_PERSON):
                verdict, score = rng.choice(VERDICTS)
                pair = (f"u{person}", f"c{rng.randrange(CARDS)}")
                seen.add(pair)
                store.record_review(
                    user_id=pair[0],
                    card_id=pair[1],
                    score=score,
                    verdict=verdict,
                    now=now - timedelta(days=60) + timedelta(hours=n * 24, minutes=person),
                    guild_id="g1",
                )
    return seen


def bench_database(workdir: Path, operations: int) -> dict[str, Any]:
    """p50/p99 of review writes and stats reads per engine, and PostgreSQL / SQLite."""
    from bot.infra.store import ProgressStore

    now = datetime.now(UTC).replace(microsecond=0)
    visible = [f"c{i}" for i in range(CARDS)]
    with durable_postgres() as server:
        if isinstance(server, str):
            return {"reason": server}
        where: dict[str, Any] = {
            "sqlite": workdir / "bench-progress.sqlite3",
            "pg": server.fresh_database("bench"),
        }
        for place in where.values():
            with ProgressStore(place) as filling:
                seen = _fill(filling, random.Random(7), now)
        # Reopened: the measured stores know no schedule row yet (a restarted bot).
        stores = {name: ProgressStore(place) for name, place in where.items()}
        writes: dict[str, list[float]] = {name: [] for name in stores}
        reads: dict[str, list[float]] = {name: [] for name in stores}
        had_row: list[bool] = []
        rng = random.Random(11)
        for i in range(operations):
            person, card = f"u{rng.randrange(PEOPLE)}", f"c{rng.randrange(CARDS)}"
            had_row.append((person, card) in seen)
            seen.add((person, card))
            verdict, score = rng.choice(VERDICTS)
            when = now + timedelta(seconds=i)
            order = list(stores.items()) if i % 2 else list(reversed(stores.items()))
            for name, store in order:
                t0 = time.perf_counter()
                store.record_review(
                    user_id=person,
                    card_id=card,
                    score=score,
                    verdict=verdict,
                    now=when,
                    guild_id="g1",
                )
                writes[name].append(time.perf_counter() - t0)
            for name, store in order:
                t0 = time.perf_counter()
                store.stats(person, when, among=visible)
                reads[name].append(time.perf_counter() - t0)
        for store in stores.values():
            store.close()
    figures: dict[str, Any] = {
        "db_operations": operations,
        "db_history_reviews": PEOPLE * HISTORY_PER_PERSON,
    }
    for split, want in (("seen", True), ("new", False)):
        part = {
            n: [t for t, had in zip(ts, had_row, strict=True) if had is want]
            for n, ts in writes.items()
        }
        figures[f"db_writes_{split}"] = len(part["pg"])
        for name in ("sqlite", "pg"):
            figures[f"db_write_p50_ms_{name}_{split}"] = _ms_or_none(percentile(part[name], 50))
        figures[f"db_write_{split}_pg_vs_sqlite"] = ratio(
            percentile(part["pg"], 50), percentile(part["sqlite"], 50)
        )
    for kind, samples in (("write", writes), ("stats", reads)):
        for name in ("sqlite", "pg"):
            figures[f"db_{kind}_p50_ms_{name}"] = ms(percentile(samples[name], 50))
            figures[f"db_{kind}_p99_ms_{name}"] = ms(percentile(samples[name], 99))
        figures[f"db_{kind}_pg_vs_sqlite"] = ratio(
            percentile(samples["pg"], 50), percentile(samples["sqlite"], 50)
        )
        figures[f"db_{kind}_p99_pg_vs_sqlite"] = ratio(
            percentile(samples["pg"], 99), percentile(samples["sqlite"], 99)
        )
    return figures


def _ms_or_none(seconds: float) -> float | None:
    """Milliseconds, or None for a split with no samples (the smoke sizes)."""
    return None if math.isnan(seconds) else ms(seconds)
