"""Interaction acknowledgement and event-loop stalls while many people quiz at once.

The real bot (`BotRunner`, real embedder, Chroma, SQLite and the configured LLM) runs in this
process against the loopback Discord API in another. Each simulated person runs `/quiz`,
opens the answer modal, submits an answer, asks every fifth time for an explanation, and
moves on to the next card, for a few rounds, all people at once. Acknowledgement latency is
what the emulator saw: from dispatching an interaction to the bot's first accepted callback
(Discord allows 3 s). A watchdog task on the bot's event loop records how late it wakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.bench.emulator import Control, EmulatorProcess, available, emulator_process
from bot.bench.stats import ms, percentile
from bot.settings import Settings

ANSWERS = (
    "Splitting text into tokens, small units such as words or subwords, mapped to ids.",
    "Vectors of numbers that represent tokens so the model can compute with meaning.",
    "I am not sure, something about the model learning from data.",
)
_POLL_S = 0.05
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


def custom_ids(message: dict[str, Any]) -> list[str]:
    """Every component custom id on a message record's current version."""
    found: list[str] = []

    def walk(items: Any) -> None:
        for item in items or []:
            if isinstance(item, dict):
                if item.get("custom_id"):
                    found.append(str(item["custom_id"]))
                walk(item.get("components"))

    current = message.get("current") or {}
    walk(current.get("components") if isinstance(current, dict) else None)
    return found


class _Person:
    """One simulated person driving the quiz over the control API."""

    def __init__(self, client: Control, user_id: str, channel_id: str, index: int) -> None:
        self.client, self.user_id, self.channel_id, self.index = client, user_id, channel_id, index
        self.interactions: list[str] = []

    async def _reply(self, interaction_id: str) -> dict[str, Any]:
        """The bot's message answering an interaction, once it has buttons."""
        deadline = time.monotonic() + _WAIT_S
        while time.monotonic() < deadline:
            record = await self.client.call("GET", f"/interactions/{interaction_id}")
            ids = list(record.get("followup_ids") or [])
            if record.get("original_message_id"):
                ids.insert(0, record["original_message_id"])
            for mid in ids:
                message = await self.client.call("GET", f"/messages/{mid}")
                if custom_ids(message):
                    return dict(message)
            await asyncio.sleep(_POLL_S)
        raise TimeoutError(f"no reply with buttons to interaction {interaction_id}")

    async def _click(self, message: dict[str, Any], action: str) -> dict[str, Any] | None:
        wanted = [c for c in custom_ids(message) if c.startswith(f"ft:{action}:")]
        if not wanted:
            return None
        body = {"message_id": message["id"], "custom_id": wanted[0], "user_id": self.user_id}
        record = await self.client.call("POST", "/interactions/click", body)
        self.interactions.append(record["id"])
        return dict(record)

    async def quiz(self, rounds: int) -> None:
        """Start a quiz and answer `rounds` cards."""
        body = {"name": "quiz", "user_id": self.user_id, "channel_id": self.channel_id}
        record = await self.client.call("POST", "/interactions/slash", body)
        self.interactions.append(record["id"])
        question = await self._reply(record["id"])
        for n in range(rounds):
            opened = await self._click(question, "ans")
            if opened is None:
                return
            wait = f"/interactions/{opened['id']}/wait"
            await self.client.call("GET", wait, query={"timeout": _WAIT_S}, wait_s=_WAIT_S)
            answer = ANSWERS[(self.index + n) % len(ANSWERS)]
            submitted = await self.client.call(
                "POST",
                f"/interactions/{opened['id']}/modal-submit",
                {"values": {"Your answer": answer}},
            )
            self.interactions.append(submitted["id"])
            result = await self._reply(submitted["id"])
            if (self.index + n) % 5 == 0:
                await self._click(result, "exp")
            nxt = await self._click(result, "next")
            if nxt is None:
                return
            question = await self._reply(nxt["id"])


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
            crowd = [_Person(client, u["id"], channel_id, i) for i, u in enumerate(users)]
            started = time.perf_counter()
            outcomes = await asyncio.gather(
                *(p.quiz(rounds) for p in crowd), return_exceptions=True
            )
            elapsed = time.perf_counter() - started
            await watch.stop()
            latencies: list[float] = []
            missed = 0
            for person in crowd:
                for iid in person.interactions:
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
    failures = [repr(o) for o in outcomes if isinstance(o, BaseException)]
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
        **({"ack_first_failure": failures[0][:300]} if failures else {}),
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
