"""Interaction acknowledgement and event-loop stalls while many people quiz at once.

The real bot (`BotRunner`, real embedder, Chroma, SQLite and the configured LLM) runs in this
process against the loopback Discord API in another, and the people (`bot.bench.crowd`) in a
third. Each simulated person runs `/quiz`,
opens the answer modal, submits an answer, asks every fifth time for an explanation, and
moves on to the next card, for a few rounds, all people at once. Acknowledgement latency is
what the emulator saw: from dispatching an interaction to the bot's first accepted callback
(Discord allows 3 s). A watchdog task on the bot's event loop records how late it wakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.bench.emulator import Control, EmulatorProcess, available, emulator_process
from bot.bench.stats import ms, percentile
from bot.settings import Settings

_WAIT_S = 120.0
_IDLE_S = 5.0


class StallWatch:
    """Sleeps `tick` seconds in a loop and records the worst extra delay (the loop's stall)."""

    def __init__(self, tick: float = 0.005) -> None:
        self.tick = tick
        self.worst = 0.0
        self.samples = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.tick)
            late = loop.time() - start - self.tick
            self.worst = max(self.worst, late)
            self.samples += 1

    def start(self) -> None:
        """Begin watching the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop watching."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def _session(
    settings: Settings, embedder: Any, emu: EmulatorProcess, people: int, rounds: int
) -> dict[str, Any]:
    from bot.app.runner import BotRunner, prepare
    from bot.services import Services

    client = Control(emu.control_base)
    try:
        guild = await client.call("POST", "/guilds", {"name": "bench", "channels": ["general"]})
        channel_id = next(c["id"] for c in guild["channels"] if c["name"] == "general")
        users = [await client.call("POST", "/users", {"username": f"s{i}"}) for i in range(people)]
        for user in users:
            await client.call("POST", f"/guilds/{guild['id']}/members", {"user_id": user["id"]})
        services = Services(
            settings.model_copy(
                update={
                    "discord_token": SecretStr("bench-token"),
                    "discord_api_url": emu.api_base,
                    "discord_gateway_url": emu.gateway_url,
                    "dev_guild": None,
                }
            )
        )
        services.embedder = embedder  # the bench's loaded model: loading it again costs seconds
        await asyncio.to_thread(prepare, services)
        runner = BotRunner(services)
        try:
            bot = await runner.start()
            await runner.wait_ready(_WAIT_S)
            await bot.tree.sync()
            # The same watchdog over an idle bot first: what this machine's load alone costs.
            idle = StallWatch()
            idle.start()
            await asyncio.sleep(_IDLE_S)
            await idle.stop()
            watch = StallWatch()
            watch.start()
            started = time.perf_counter()
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.bench.crowd",
                "--control",
                emu.control_base,
                "--channel",
                channel_id,
                "--users",
                ",".join(u["id"] for u in users),
                "--rounds",
                str(rounds),
                stdout=asyncio.subprocess.PIPE,
            )
            out, _ = await proc.communicate()
            elapsed = time.perf_counter() - started
            await watch.stop()
            lines = [ln for ln in out.decode().splitlines() if ln.startswith("{")]
            if not lines:
                raise RuntimeError(f"the simulated crowd failed (exit {proc.returncode})")
            crowd = json.loads(lines[-1])
            latencies: list[float] = []
            missed = 0
            for iid in crowd["interactions"]:
                record = await client.call("GET", f"/interactions/{iid}")
                if record.get("ack_latency") is None:
                    missed += 1
                else:
                    latencies.append(float(record["ack_latency"]))
        finally:
            await runner.stop()
            await asyncio.to_thread(services.close)
    finally:
        await client.close()
    failures: list[str] = crowd["failures"]
    return {
        "ack_people": people,
        "ack_rounds": rounds,
        "ack_interactions": len(latencies) + missed,
        "ack_p50_ms": ms(percentile(latencies, 50)) if latencies else None,
        "ack_p99_ms": ms(percentile(latencies, 99)) if latencies else None,
        "ack_max_ms": ms(max(latencies)) if latencies else None,
        "ack_missed": missed,
        "ack_session_s": round(elapsed, 1),
        "ack_people_failed": len(failures),
        "loop_stall_max_ms": ms(watch.worst),
        "loop_stall_idle_max_ms": ms(idle.worst),
        **({"ack_first_failure": failures[0]} if failures else {}),
    }


def bench_discord(
    settings: Settings, embedder: Any, workdir: Path, *, people: int, rounds: int = 3
) -> dict[str, Any]:
    """Run the crowd; figures, or null figures with the reason it could not run."""
    reason = available()
    if reason:
        return {"reason": reason}
    local = settings.model_copy(update={"data_dir": workdir / "discord-data"})
    with emulator_process() as emu:
        return asyncio.run(_session(local, embedder, emu, people, rounds))
