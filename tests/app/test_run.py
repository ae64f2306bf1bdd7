"""The real `flashtutor run` and `flashtutor sync` commands, as subprocesses, against the emulator."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.testing.discord_emulator import Channel, Emulator, Guild, User
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
    record_latencies,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

FLASHTUTOR = str(Path(sys.executable).parent / "flashtutor")
START_WAIT = 240.0
"""Start-up loads torch and the embedder in a fresh process: slow on a busy 2-core machine."""
COMMANDS = {"quiz", "ask", "topics", "stats", "leaderboard", "deck", "forget-me"}


@dataclass
class Place:
    emu: Emulator
    guild: Guild
    channel: Channel
    alice: User
    env: dict[str, str]
    data_dir: Path
    cwd: Path


@pytest.fixture(scope="module")
async def place(
    tmp_path_factory: pytest.TempPathFactory, indexed_data: Path
) -> AsyncIterator[Place]:
    async with Emulator(heartbeat_interval_ms=2_000) as emu:
        guild = await emu.create_guild("cli-town")
        alice = emu.create_user("alice")
        await emu.add_member(guild, alice)
        data_dir = fresh_data_dir(tmp_path_factory, indexed_data)
        env = env_for(bot_settings(emu, data_dir, llm_model="none"))
        cwd = tmp_path_factory.mktemp("cwd")  # no stray .env is read
        yield Place(emu, guild, emu.channel_named(guild, "general"), alice, env, data_dir, cwd)
        record_latencies(emu, __name__)
        assert emu.problems() == []


async def flashtutor(
    place: Place, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        FLASHTUTOR,
        *args,
        env=env if env is not None else place.env,
        cwd=place.cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), START_WAIT)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def start_run(place: Place, log: Path, **extra_env: str) -> asyncio.subprocess.Process:
    with log.open("ab") as fh:
        return await asyncio.create_subprocess_exec(
            FLASHTUTOR, "run", env={**place.env, **extra_env}, cwd=place.cwd, stdout=fh, stderr=fh
        )


async def stop_run(proc: asyncio.subprocess.Process) -> int:
    proc.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(proc.wait(), WAIT * 2)


async def test_run_without_a_token_says_how_to_get_one(place: Place) -> None:
    env = {k: v for k, v in place.env.items() if k != "FLASHTUTOR_DISCORD_TOKEN"}
    code, _, err = await flashtutor(place, "run", env=env)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "FLASHTUTOR_DISCORD_TOKEN" in lines[0] and "DISCORD_SETUP.md" in lines[0]


async def test_sync_publishes_the_commands_globally(place: Place) -> None:
    code, out, err = await flashtutor(place, "sync")
    assert code == 0, err
    assert out.startswith("Synced ") and "(global)" in out
    synced = place.emu.synced_commands()
    assert {c["name"] for c in synced} >= COMMANDS  # later features add their own
    for command in (c for c in synced if c["name"] in COMMANDS):
        assert command["description"]
        for option in command.get("options") or []:
            assert option["description"], (command["name"], option["name"])
            for sub in option.get("options") or []:
                assert sub["description"], (command["name"], option["name"], sub["name"])
    deck = next(c for c in synced if c["name"] == "deck")
    assert int(deck["default_member_permissions"]) == 1 << 5  # Manage Server
    assert place.emu.synced_commands(place.guild) == []


async def test_run_serves_shuts_down_and_restarts(place: Place, tmp_path: Path) -> None:
    emu = place.emu
    log = tmp_path / "bot.log"
    proc = await start_run(place, log)
    try:
        await emu.wait_for_gateway("identify", timeout=START_WAIT)
        heartbeat = place.data_dir / "heartbeat"
        await emu.wait_until(heartbeat.exists, WAIT, "the heartbeat file")

        cmd = await emu.slash(
            "quiz", user=place.alice, channel=place.channel, options={"topic": "tokens"}
        )
        question = await emu.wait_for_followup(cmd, timeout=WAIT)
        await emu.wait_until(lambda: not_loading(question), WAIT, "the question")
        opened = await emu.click(question, button(question, "ans"), user=place.alice)
        await emu.wait_for_response(opened, timeout=WAIT)
        submitted = await emu.submit_modal(opened, {"Your answer": "a token is a piece of text"})
        result = await emu.wait_for_followup(submitted, timeout=WAIT)
        await emu.wait_until(lambda: not_loading(result), WAIT, "the graded result")
        assert graded_result(result)
    finally:
        code = await stop_run(proc)
    assert code == 0, log.read_text()
    output = log.read_text()
    assert "Traceback" not in output
    assert TOKEN not in output

    # A new process, syncing to a dev guild on start, answers the old message's buttons.
    proc = await start_run(place, log, FLASHTUTOR_DEV_GUILD=str(place.guild.id))
    try:
        await emu.wait_for_gateway("identify", count=2, timeout=START_WAIT)
        await emu.wait_for_commands(place.guild, names=("quiz",), timeout=WAIT)
        hint = await emu.click(question, button(question, "hint"), user=place.alice)
        await emu.wait_for_response(hint, timeout=WAIT)
        assert "Hints" in embed_text(question)
        nxt = await emu.click(result, button(result, "next"), user=place.alice)
        again = await emu.wait_for_followup(nxt, timeout=WAIT)
        await emu.wait_until(lambda: not_loading(again), WAIT, "the next card")
        assert again.custom_ids()
    finally:
        code = await stop_run(proc)
    assert code == 0
    assert all(r.response is not None for r in emu.interactions.values())
