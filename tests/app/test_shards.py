"""Two `flashtutor run` processes, one shard each, sharing one PostgreSQL: one bot.

The emulator routes a server's events by `(guild_id >> 22) % shard_count` and DMs to
shard 0, as Discord does; each process only hears its own servers. What one process
records, the other reads: progress made in a server of shard 0 shows in /stats asked in a
server of shard 1.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.testing.discord_emulator import Channel, Emulator, Guild, User
from bot.testing.postgres import TempPostgres
from tests.app.conftest import (
    TOKEN,
    WAIT,
    bot_settings,
    button,
    embed_text,
    env_for,
    fresh_data_dir,
    graded_result,
    not_loading,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

FLASHTUTOR = str(Path(sys.executable).parent / "flashtutor")
START_WAIT = 300.0
"""Two processes load the models at once on a busy 2-core machine."""
SHARDS = 2


@dataclass
class Cluster:
    emu: Emulator
    guilds: dict[int, Guild]  # shard -> a server on that shard
    alice: User
    procs: list[asyncio.subprocess.Process]
    logs: list[Path]


def shard_of(guild: Guild) -> int:
    return (guild.id >> 22) % SHARDS


async def guild_on_each_shard(emu: Emulator, alice: User) -> dict[int, Guild]:
    found: dict[int, Guild] = {}
    n = 0
    while len(found) < SHARDS:
        n += 1
        guild = await emu.create_guild(f"school-{n}")
        await emu.add_member(guild, alice)
        found.setdefault(shard_of(guild), guild)
        if n % 2:  # snowflakes made in the same millisecond share a shard: let time move
            await asyncio.sleep(0.002)
    return found


@pytest.fixture(scope="module")
async def cluster(
    tmp_path_factory: pytest.TempPathFactory, indexed_data: Path, postgres: TempPostgres
) -> AsyncIterator[Cluster]:
    database = postgres.fresh_database("shards")
    async with Emulator(heartbeat_interval_ms=2_000) as emu:
        alice = emu.create_user("alice")
        guilds = await guild_on_each_shard(emu, alice)
        cwd = tmp_path_factory.mktemp("cwd")
        procs: list[asyncio.subprocess.Process] = []
        logs: list[Path] = []
        beats: list[Path] = []
        try:
            for shard in range(SHARDS):
                # Each process its own copy of the index (a Chroma server in production).
                data_dir = fresh_data_dir(tmp_path_factory, indexed_data)
                beats.append(data_dir / "heartbeat")
                settings = bot_settings(
                    emu,
                    data_dir,
                    llm_model="none",
                    database_url=database,
                    shard_count=SHARDS,
                    shard_ids=str(shard),
                    daily_tick_s=0,
                )
                env = env_for(settings)
                if shard == 0:  # the commands are published once, for the whole bot
                    sync = await asyncio.create_subprocess_exec(
                        FLASHTUTOR, "sync", env=env, cwd=cwd, stdout=asyncio.subprocess.DEVNULL
                    )
                    assert await asyncio.wait_for(sync.wait(), START_WAIT) == 0
                log = tmp_path_factory.mktemp(f"shard{shard}") / "bot.log"
                with log.open("ab") as fh:
                    procs.append(
                        await asyncio.create_subprocess_exec(
                            FLASHTUTOR, "run", env=env, cwd=cwd, stdout=fh, stderr=fh
                        )
                    )
                logs.append(log)
            await emu.wait_for_gateway("identify", count=SHARDS, timeout=START_WAIT)
            for beat in beats:  # written when the process's shards are ready
                await emu.wait_until(beat.exists, START_WAIT, f"{beat}")
            yield Cluster(emu, guilds, alice, procs, logs)
        finally:
            for proc in procs:
                if proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                await asyncio.wait_for(proc.wait(), WAIT * 2)


async def test_each_process_identifies_as_its_own_shard(cluster: Cluster) -> None:
    shards = sorted(
        tuple(e["shard"]) for e in cluster.emu.gateway.events if e["kind"] == "identify"
    )
    assert shards == [(0, SHARDS), (1, SHARDS)]
    assert {s.shard for s in cluster.emu.gateway.live_sessions()} == {(0, 2), (1, 2)}


async def quiz_once(emu: Emulator, user: User, channel: Channel) -> str:
    cmd = await emu.slash("quiz", user=user, channel=channel, options={"topic": "tokens"})
    question = await emu.wait_for_followup(cmd, timeout=WAIT)
    await emu.wait_until(lambda: not_loading(question), WAIT, "the question")
    opened = await emu.click(question, button(question, "ans"), user=user)
    await emu.wait_for_response(opened, timeout=WAIT)
    submitted = await emu.submit_modal(opened, {"Your answer": "a token is a piece of text"})
    result = await emu.wait_for_followup(submitted, timeout=WAIT)
    await emu.wait_until(lambda: not_loading(result), WAIT, "the graded result")
    assert graded_result(result), embed_text(result)
    return embed_text(result)


async def stats_in(emu: Emulator, user: User, channel: Channel) -> str:
    cmd = await emu.slash("stats", user=user, channel=channel)
    reply = await emu.wait_for_followup(cmd, timeout=WAIT)
    await emu.wait_until(lambda: not_loading(reply), WAIT, "the stats")
    return embed_text(reply)


async def test_servers_on_both_shards_are_served_and_share_one_database(
    cluster: Cluster,
) -> None:
    emu, alice = cluster.emu, cluster.alice
    general = {s: emu.channel_named(g, "general") for s, g in cluster.guilds.items()}
    before = await stats_in(emu, alice, general[1])
    assert "Reviews\n0 (0 correct)" in before
    # Answered on shard 0's process, read back through shard 1's process.
    assert "**Q:**" in await quiz_once(emu, alice, general[0])
    after = await stats_in(emu, alice, general[1])
    assert "Reviews\n1 (" in after, after
    # And the other way round.
    assert "**Q:**" in await quiz_once(emu, alice, general[1])
    assert "Reviews\n2 (" in await stats_in(emu, alice, general[0])
    # A DM belongs to shard 0, like on Discord.
    assert "Reviews\n2 (" in await stats_in(emu, alice, emu.dm_channel(alice))
    assert all(r.response is not None for r in emu.interactions.values())


async def test_both_shut_down_cleanly(cluster: Cluster) -> None:
    for proc in cluster.procs:
        proc.send_signal(signal.SIGTERM)
    codes = [await asyncio.wait_for(p.wait(), WAIT * 2) for p in cluster.procs]
    assert codes == [0, 0], [log.read_text()[-2000:] for log in cluster.logs]
    for log in cluster.logs:
        text = log.read_text()
        assert "Traceback" not in text
        assert TOKEN not in text
