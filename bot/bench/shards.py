"""Interaction acknowledgement with the bot split over two shard processes, in the same run
as one process running both shards.

Fifty people quiz at once on two servers, one on each shard (`(guild_id >> 22) % 2`), half
of them on each, driven from their own processes (`bot.bench.crowd`) through the emulator
(in its own process too). First one `flashtutor run` runs both shards, then two run one
shard each; both setups share one PostgreSQL and have no LLM (`llm_model=none`: the two
processes would otherwise load it twice on two cores; in the compose `scale` profile they
share an LLM server). Acknowledgement latency is what the emulator saw: from dispatching
an interaction to the bot's first accepted callback.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.bench.stats import ms, percentile, ratio

SHARDS = 2


async def _guilds_on_both_shards(control: Any) -> list[dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    n = 0
    while len(found) < SHARDS:
        n += 1
        guild = await control.call("POST", "/guilds", {"name": f"shard-bench-{n}"})
        found.setdefault((int(guild["id"]) >> 22) % SHARDS, guild)
        await asyncio.sleep(0.003)  # ids made in one millisecond share a shard
    return [found[s] for s in range(SHARDS)]


async def _crowd(control_base: str, channel_id: str, users: list[str], rounds: int) -> Any:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.bench.crowd",
        "--control",
        control_base,
        "--channel",
        channel_id,
        "--users",
        ",".join(users),
        "--rounds",
        str(rounds),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    lines = [ln for ln in out.decode().splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"a simulated crowd failed (exit {proc.returncode})")
    return json.loads(lines[-1])


async def _setup(
    settings: Any,
    emu: Any,
    database: str,
    workdir: Path,
    name: str,
    shard_ids: list[str | None],
    guilds: list[dict[str, Any]],
    people: list[list[str]],
    rounds: int,
) -> dict[str, Any]:
    from bot.bench.emulator import Control
    from bot.bench.push_cluster import START_S, cluster_env
    from bot.testing.bot_cluster import start_bots, stop_bots, wait_ready

    dirs = [workdir / f"{name}-bot{n}" / "data" for n in range(len(shard_ids))]
    envs = []
    for ids, data_dir in zip(shard_ids, dirs, strict=True):
        extra: dict[str, object] = {"shard_count": SHARDS, "daily_tick_s": 0}
        if ids is not None:
            extra["shard_ids"] = ids
        envs.append(cluster_env(settings, emu, database, data_dir, **extra))
    bots = await start_bots(envs, dirs, workdir, workdir)
    control = Control(emu.control_base)
    try:
        await wait_ready(bots, START_S)
        channels = [next(c["id"] for c in g["channels"] if c["name"] == "general") for g in guilds]
        crowds = await asyncio.gather(
            *(
                _crowd(emu.control_base, ch, users, rounds)
                for ch, users in zip(channels, people, strict=True)
            )
        )
        latencies: list[float] = []
        missed = 0
        for crowd in crowds:
            for iid in crowd["interactions"]:
                record = await control.call("GET", f"/interactions/{iid}")
                if record.get("ack_latency") is None:
                    missed += 1
                else:
                    latencies.append(float(record["ack_latency"]))
        failures = sum(len(c["failures"]) for c in crowds)
    finally:
        await stop_bots(bots)
        await control.close()
    return {"latencies": latencies, "missed": missed, "failures": failures}


async def _session(
    settings: Any, emu: Any, database: str, workdir: Path, people: int, rounds: int
) -> dict[str, Any]:
    import subprocess

    from bot.bench.emulator import Control
    from bot.bench.push_cluster import cluster_env
    from bot.testing.bot_cluster import FLASHTUTOR

    control = Control(emu.control_base)
    try:
        guilds = await _guilds_on_both_shards(control)
        crowd: list[list[str]] = [[] for _ in guilds]
        for i in range(people):
            user = await control.call("POST", "/users", {"username": f"sh{i}"})
            guild = guilds[i % SHARDS]
            await control.call("POST", f"/guilds/{guild['id']}/members", {"user_id": user["id"]})
            crowd[i % SHARDS].append(str(user["id"]))
    finally:
        await control.close()
    env = cluster_env(settings, emu, database, workdir / "sync" / "data")
    await asyncio.to_thread(
        subprocess.run, [FLASHTUTOR, "sync"], env=env, cwd=workdir, check=True, capture_output=True
    )
    one = await _setup(settings, emu, database, workdir, "one", [None], guilds, crowd, rounds)
    two = await _setup(settings, emu, database, workdir, "two", ["0", "1"], guilds, crowd, rounds)
    figures: dict[str, Any] = {"shards_people": people, "shards_rounds": rounds}
    for key, run in (("one_process", one), ("two_processes", two)):
        lat = run["latencies"]
        figures[f"shards_ack_p50_ms_{key}"] = ms(percentile(lat, 50)) if lat else None
        figures[f"shards_ack_p99_ms_{key}"] = ms(percentile(lat, 99)) if lat else None
        figures[f"shards_interactions_{key}"] = len(lat) + run["missed"]
        figures[f"shards_missed_{key}"] = run["missed"]
        figures[f"shards_people_failed_{key}"] = run["failures"]
    figures["shards_ack_p99_ms"] = figures["shards_ack_p99_ms_two_processes"]
    figures["shards_ack_p99_two_vs_one"] = ratio(
        percentile(two["latencies"], 99), percentile(one["latencies"], 99)
    )
    return figures


def bench_shards(settings: Any, workdir: Path, *, people: int, rounds: int) -> dict[str, Any]:
    """Ack latency, one process running both shards against two processes one shard each."""
    from bot.bench.emulator import available, emulator_process
    from bot.bench.postgres import durable_postgres

    reason = available()
    if reason:
        return {"reason": reason}
    with durable_postgres() as server:
        if isinstance(server, str):
            return {"reason": server}
        database = server.fresh_database("shards")
        with emulator_process() as emu:
            return asyncio.run(_session(settings, emu, database, workdir, people, rounds))
