"""`flashtutor bench`: how fast flashtutor is, each figure beside a baseline from the same run.

One module per figure group (ingest, query, grade, llm, discord, push, memory, scale, and
for several processes database, shards, cluster). This
machine is shared and noisy, so every figure is a median (p99 where the tail matters) and,
where a baseline exists, a ratio against that baseline measured in the same run with the
two sides interleaved. A group that cannot run reports its keys as null with a reason.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.bench.sizes import FULL, QUICK, SMOKE, Sizes
from bot.settings import Settings

__all__ = ["FULL", "GROUPS", "KEYS", "QUICK", "REQUIRED_KEYS", "SMOKE", "Sizes", "run_bench"]

Say = Callable[[str], None]


GROUPS = (
    "ingest",
    "query",
    "grade",
    "llm",
    "discord",
    "push",
    "memory",
    "scale",
    "database",
    "shards",
    "cluster",
)

# The keys each group must produce (null with a reason when it cannot be measured).
KEYS: dict[str, tuple[str, ...]] = {
    "ingest": ("ingest_vs_raw_encode", "ingest_cards_per_s", "resync_unchanged_s"),
    "query": ("query_p50_ms", "query_p99_ms", "query_vs_raw"),
    "grade": ("grade_p50_ms", "grade_p99_ms"),
    "llm": ("llm_tokens_per_s_vs_raw", "llm_ttft_s", "llm_hint_ttft_s"),
    "discord": ("ack_p50_ms", "ack_p99_ms", "loop_stall_max_ms"),
    "push": ("push_msgs_per_s",),
    "memory": ("rss_mb",),
    "scale": ("search_100k_vs_numpy", "search_scale_p50_ms"),
    "database": (
        "db_write_p50_ms_sqlite",
        "db_write_p50_ms_pg",
        "db_write_pg_vs_sqlite",
        "db_stats_p50_ms_sqlite",
        "db_stats_p50_ms_pg",
        "db_stats_pg_vs_sqlite",
    ),
    "shards": ("shards_ack_p99_ms", "shards_ack_p99_ms_one_process"),
    "cluster": (
        "cluster_push_msgs_per_s",
        "cluster_push_exactly_once",
        "cluster_kill_exactly_once",
    ),
}
REQUIRED_KEYS = tuple(k for keys in KEYS.values() for k in keys)


class _Context:
    """What groups share: settings, sizes, the work directory and lazily loaded models."""

    def __init__(
        self, settings: Settings, sizes: Sizes, workdir: Path, say: Say, *, stand_in: bool = False
    ) -> None:
        self.settings, self.sizes, self.workdir, self.say = settings, sizes, workdir, say
        self.stand_in = stand_in  # the ingest group embeds with bench.standin, not the model
        self._embedder: Any = None
        self._raw: Any = None
        self.index: Any = None
        self.material: Any = None

    @property
    def embedder(self) -> Any:
        """The configured embedder (as the tutor loads it)."""
        if self._embedder is None:
            from bot.infra.embedder import load_embedder

            self._embedder = load_embedder(
                self.settings.embedder, models_dir=self.settings.models_dir
            )
        return self._embedder

    @property
    def raw_model(self) -> Any:
        """A plain SentenceTransformer of the same bundled model: the baseline."""
        if self._raw is None:
            from sentence_transformers import SentenceTransformer

            from bot.infra.embedder import ONNX_SUFFIX, bundled_model_path

            path = bundled_model_path(self.settings.embedder.removesuffix(ONNX_SUFFIX))
            self._raw = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        return self._raw

    def seed_cards(self) -> Any:
        """The shipped cards (material for synthetic decks and typical answers)."""
        if self.material is None:
            from bot.bench.synthetic import seed_cards

            self.material = seed_cards(self.settings.knowledge_dir)
        return self.material


def _ingest(ctx: _Context) -> dict[str, Any]:
    from bot.bench.ingest import bench_ingest, bench_startup, deck_cards, load_avg
    from bot.bench.stats import median
    from bot.bench.synthetic import synthetic_cards

    made = synthetic_cards(ctx.sizes.ingest_cards, ctx.seed_cards(), deck_size=100)
    cards, issues = deck_cards(made, ctx.workdir)  # through deck files, as start-up reads them
    if len(cards) >= 2_000:  # a big deck: raw torch on 5 of 20 slices (see bench.ingest)
        slices, compared = 20, 5
    else:
        slices, compared = (4 if len(cards) >= 40 else 2), None
    loads: list[float] = []
    if ctx.stand_in:
        from bot.bench.standin import StandInEmbedder

        embedder, raw = StandInEmbedder(), None
    else:
        embedder, raw = ctx.embedder, ctx.raw_model
    ctx.say(f"bench: ingest {len(cards):,} cards with {embedder.name} ...")
    figures = bench_ingest(
        embedder, raw, cards, ctx.workdir, slices=slices, baseline_slices=compared, loads=loads
    )
    figures["ingest_embedder"] = embedder.name if ctx.stand_in else ctx.settings.embedder
    figures["ingest_deck_issues"] = issues
    ctx.say("bench: start-up over the ingested decks ...")
    figures |= bench_startup(
        cards, ctx.workdir, stand_in=ctx.stand_in, repeats=ctx.sizes.startup_repeats, loads=loads
    )
    figures["ingest_load_avg_median"] = round(median(loads), 2) if loads else load_avg()
    if ctx.stand_in:
        figures["reason"] = "stand-in embedder (random vectors): the model's speed not measured"
    else:
        from bot.bench.ingest import CHROMA_DIR
        from bot.infra.index import CardIndex

        ctx.index = CardIndex(ctx.embedder, path=ctx.workdir / CHROMA_DIR)  # reopened after
    return figures


def _query(ctx: _Context) -> dict[str, Any]:
    from bot.bench.ingest import CHROMA_DIR
    from bot.bench.query import QUERIES, bench_query

    if ctx.index is None:
        from bot.bench.synthetic import synthetic_cards
        from bot.infra.index import CardIndex

        ctx.index = CardIndex(ctx.embedder, path=ctx.workdir / CHROMA_DIR)
        ctx.index.sync(synthetic_cards(ctx.sizes.ingest_cards, ctx.seed_cards(), deck_size=100))
    ctx.index.sync(ctx.seed_cards(), decks=sorted({c.deck for c in ctx.seed_cards()}))
    return bench_query(
        ctx.index,
        ctx.workdir / CHROMA_DIR,
        ctx.raw_model,
        queries=QUERIES[: ctx.sizes.queries],
        repeats=ctx.sizes.query_repeats,
    )


def _grade(ctx: _Context) -> dict[str, Any]:
    from bot.bench.grade import bench_grade
    from bot.infra.pair_scorer import build_pair_scorer

    cards = ctx.seed_cards()[: ctx.sizes.grade_cards]
    scorer = build_pair_scorer(ctx.settings.pair_scorer)  # as `flashtutor run` grades
    return bench_grade(ctx.embedder, cards, rounds=ctx.sizes.grade_rounds, pair_scorer=scorer)


def _llm(ctx: _Context) -> dict[str, Any]:
    from bot.bench.llm import bench_llm

    return bench_llm(
        ctx.settings,
        ctx.embedder,
        rounds=ctx.sizes.llm_rounds,
        max_tokens=ctx.sizes.llm_max_tokens,
    )


def _discord(ctx: _Context) -> dict[str, Any]:
    from bot.bench.discord import bench_discord

    return bench_discord(
        ctx.settings, ctx.embedder, ctx.workdir, people=ctx.sizes.people, rounds=ctx.sizes.rounds
    )


def _push(ctx: _Context) -> dict[str, Any]:
    from bot.bench.push import bench_push

    return bench_push(ctx.sizes.push_subscribers, rate=ctx.settings.daily_push_rate)


def _memory(ctx: _Context) -> dict[str, Any]:
    from bot.bench.memory import bench_memory

    return bench_memory()


def _scale(ctx: _Context) -> dict[str, Any]:
    from bot.bench.ingest import embedded_texts
    from bot.bench.query import QUERIES
    from bot.bench.scale import bench_scale
    from bot.bench.synthetic import synthetic_cards

    base = synthetic_cards(min(60, ctx.sizes.ingest_cards), ctx.seed_cards(), seed=3)
    return bench_scale(
        ctx.embedder,
        embedded_texts(base),
        list(QUERIES[: ctx.sizes.queries]),
        ctx.workdir,
        n=ctx.sizes.scale_vectors,
        repeats=ctx.sizes.scale_repeats,
    )


def _database(ctx: _Context) -> dict[str, Any]:
    from bot.bench.database import bench_database

    return bench_database(ctx.workdir, ctx.sizes.db_operations)


def _shards(ctx: _Context) -> dict[str, Any]:
    from bot.bench.shards import bench_shards

    return bench_shards(ctx.settings, ctx.workdir, people=ctx.sizes.people, rounds=ctx.sizes.rounds)


def _cluster(ctx: _Context) -> dict[str, Any]:
    from bot.bench.push_cluster import bench_push_cluster

    return bench_push_cluster(ctx.settings, ctx.workdir, ctx.sizes.cluster_subscribers)


_RUNNERS: dict[str, Callable[[_Context], dict[str, Any]]] = {
    "ingest": _ingest,
    "query": _query,
    "grade": _grade,
    "llm": _llm,
    "discord": _discord,
    "push": _push,
    "memory": _memory,
    "scale": _scale,
    "database": _database,
    "shards": _shards,
    "cluster": _cluster,
}


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def run_bench(
    settings: Settings,
    sizes: Sizes = QUICK,
    *,
    groups: Sequence[str] = GROUPS,
    workdir: Path | None = None,
    say: Say = lambda _: None,
    stand_in_embedder: bool = False,
) -> dict[str, Any]:
    """Run the chosen groups and return one flat dict of figures, plus `reasons` and `meta`.

    Every key in `REQUIRED_KEYS` of the chosen groups is present; a figure that could not be
    measured is None and `reasons[key]` says why. `stand_in_embedder` (ingest group only)
    times the index at sizes the model would take hours to embed (see bench.standin).
    """
    unknown = [g for g in groups if g not in _RUNNERS]
    if unknown:
        from bot.errors import InputError

        raise InputError(
            f"unknown bench group(s) {', '.join(unknown)}; choose from {', '.join(GROUPS)}"
        )
    if stand_in_embedder and set(groups) != {"ingest"}:
        from bot.errors import InputError

        raise InputError("the stand-in embedder is for the ingest group alone (--only ingest)")
    results: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    meta: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sizes": asdict(sizes),
        "embedder": settings.embedder,
        "llm_model": settings.llm_model,
        "cpu_count": os.cpu_count(),
        "machine": f"{platform.machine()} {platform.system()} python {platform.python_version()}",
        "load_avg_1m_start": _load(),
        "stand_in_embedder": stand_in_embedder,
    }
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)  # `--workdir DIR` need not exist yet
    with tempfile.TemporaryDirectory(prefix="flashtutor-bench-", dir=workdir) as tmp:
        ctx = _Context(settings, sizes, Path(tmp), say, stand_in=stand_in_embedder)
        for group in GROUPS:
            if group not in groups:
                continue
            say(f"bench: {group} ...")
            t0 = time.perf_counter()
            try:
                figures = _RUNNERS[group](ctx)
            except Exception as exc:  # one broken group must not lose the others' figures
                detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
                figures = {"reason": f"{group} failed: {detail}"}
            seconds[group] = round(time.perf_counter() - t0, 1)
            reason = figures.pop("reason", None)
            results.update(figures)
            for key in KEYS[group]:
                if results.get(key) is None:
                    results[key] = None
                    reasons[key] = str(reason or "not produced")
            say(f"bench: {group} done in {seconds[group]} s")
    meta["group_seconds"] = seconds
    meta["elapsed_s"] = round(time.perf_counter() - started, 1)
    meta["load_avg_1m_end"] = _load()
    results["reasons"] = reasons
    results["meta"] = meta
    return results
