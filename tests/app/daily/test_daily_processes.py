"""Daily pushes from two real bot processes sharing one PostgreSQL: exactly once, even when
one of them is SIGKILLed in the middle of a push, and under Discord's 50 requests/s."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.bench.push_cluster import due_dm_subscribers, held_by, ledger_counts
from bot.testing.bot_cluster import BotProcess, start_bots, stop_bots, wait_ready
from bot.testing.discord_emulator import Emulator, User
from bot.testing.postgres import TempPostgres
from tests.app.conftest import bot_settings, env_for, fresh_data_dir

pytestmark = [pytest.mark.daily, pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

START_WAIT = 300.0
PUSH_WAIT = 300.0
"""Bounds a hang; the lease a dead process leaves (30 s) is part of the kill test's wait."""


@dataclass
class Cluster:
    emu: Emulator
    database: str
    bots: list[BotProcess]
    people: list[User]


@pytest.fixture
async def cluster(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    indexed_data: Path,
    postgres: TempPostgres,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Cluster]:
    people_count = int(request.param)
    database = postgres.fresh_database("push")
    async with Emulator(heartbeat_interval_ms=2_000) as emu:
        people = [emu.create_user(f"p{i}") for i in range(people_count)]
        envs, dirs = [], []
        for shard in range(2):
            data_dir = fresh_data_dir(tmp_path_factory, indexed_data)
            settings = bot_settings(
                emu,
                data_dir,
                llm_model="none",
                database_url=database,
                shard_count=2,
                shard_ids=str(shard),
                daily_tick_s=1.0,
            )
            envs.append(env_for(settings))
            dirs.append(data_dir)
        bots = await start_bots(envs, dirs, tmp_path, tmp_path)
        try:
            await wait_ready(bots, START_WAIT)
            # Discord's limits from here on: 50 requests/s for the whole bot, per-route buckets.
            emu.set_rate_limits(50.0, route_limits=True)
            yield Cluster(emu, database, bots, people)
        finally:
            await stop_bots(bots)


def delivered(c: Cluster) -> list[int]:
    """Messages each person received, in the order of `c.people`."""
    return [len(c.emu.dm_messages(p)) for p in c.people]


async def all_delivered(c: Cluster) -> None:
    await c.emu.wait_until(
        lambda: all(n >= 1 for n in delivered(c)), PUSH_WAIT, "every push delivered"
    )


@pytest.mark.parametrize("cluster", [240], indirect=True)
async def test_two_processes_push_each_person_once_under_the_limit(cluster: Cluster) -> None:
    c = cluster
    due_dm_subscribers(c.database, {p.id: c.emu.dm_channel(p).id for p in c.people})
    await all_delivered(c)
    assert delivered(c) == [1] * len(c.people)
    counts = ledger_counts(c.database)
    assert counts.get("sent") == len(c.people) and "intent" not in counts
    # Both processes did part of the work, and together stayed under Discord's limit.
    mine = [counts.get(f"owner:{b.owner}", 0) for b in c.bots]
    assert all(n > 0 for n in mine) and sum(mine) == len(c.people), counts
    assert c.emu.stats()["rate_limited"] == 0


@pytest.mark.parametrize("cluster", [480], indirect=True)
async def test_a_process_killed_mid_push_leaves_nothing_lost_or_doubled(cluster: Cluster) -> None:
    c = cluster
    due_dm_subscribers(c.database, {p.id: c.emu.dm_channel(p).id for p in c.people})
    await c.emu.wait_until(
        lambda: sum(n >= 1 for n in delivered(c)) >= len(c.people) // 5, PUSH_WAIT, "a fifth"
    )
    victim, survivor = c.bots
    victim.kill()
    await victim.proc.wait()
    left_behind = held_by(c.database, victim.owner)
    assert left_behind > 0, "the killed process held no claims: it was not mid-push"
    await all_delivered(c)
    assert delivered(c) == [1] * len(c.people)  # none lost, none doubled
    counts = ledger_counts(c.database)
    assert counts.get("sent") == len(c.people) and "intent" not in counts
    assert held_by(c.database, victim.owner) == 0  # everything it held was taken over
    assert c.emu.stats()["rate_limited"] == 0
    assert survivor.proc.returncode is None
