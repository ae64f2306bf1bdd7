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
import gc
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from pydantic import SecretStr

from bot.bench.emulator import Control, EmulatorProcess, available, emulator_process
from bot.bench.stats import ms, percentile
from bot.settings import Settings

_WAIT_S = 120.0
_IDLE_S = 5.0


class StallWatch:
    """Sleeps `tick` seconds in a loop and records the worst extra delay (the loop's stall).

    A sampler thread looks at the loop thread's stack every 10 ms while the loop is late by
    more than `sample_after`, so `sites()` says which code held the loop, weighted by time.
    """

    def __init__(self, tick: float = 0.005, sample_after: float = 0.03) -> None:
        self.tick = tick
        self.sample_after = sample_after
        self.worst = 0.0
        self.samples = 0
        self._beat = time.monotonic()
        self._sites: Counter[str] = Counter()
        self._loop_thread = 0
        self._halt = threading.Event()
        self._sampler: threading.Thread | None = None
        self._task: asyncio.Task[None] | None = None
        self.gc_worst = 0.0
        self._gc_start = 0.0

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        # A collection holds the GIL: no thread, the sampler included, runs meanwhile.
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.gc_worst = max(self.gc_worst, time.perf_counter() - self._gc_start)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            self._beat = time.monotonic()
            await asyncio.sleep(self.tick)
            late = loop.time() - start - self.tick
            self.worst = max(self.worst, late)
            self.samples += 1

    def _sample(self) -> None:
        while not self._halt.wait(0.01):
            if time.monotonic() - self._beat > self.sample_after:
                frame = sys._current_frames().get(self._loop_thread)
                if frame is not None:
                    self._sites[_site(frame)] += 1

    def start(self) -> None:
        """Begin watching the running loop."""
        self._loop_thread = threading.get_ident()
        self._task = asyncio.get_running_loop().create_task(self._run())
        self._sampler = threading.Thread(target=self._sample, name="stall-sampler", daemon=True)
        self._sampler.start()
        gc.callbacks.append(self._on_gc)

    async def stop(self) -> None:
        """Stop watching."""
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        self._halt.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._sampler is not None:
            self._sampler.join()

    def sites(self, top: int = 5) -> list[list[Any]]:
        """The code most often found holding the loop: [[site, approx. ms], ...]."""
        return [[site, n * 10] for site, n in self._sites.most_common(top)]


def _site(frame: FrameType) -> str:
    """Our innermost frame on the stack (the code to fix) and the innermost frame overall."""
    inner = f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno} {frame.f_code.co_name}"
    ours: str | None = None
    f: FrameType | None = frame
    while f is not None:
        name = f.f_code.co_filename
        if "/bot/" in name and "/bot/bench/" not in name:
            ours = f"{name[name.rindex('/bot/') + 1 :]}:{f.f_lineno} {f.f_code.co_name}"
            break
        f = f.f_back
    return f"{ours} > {inner}" if ours else inner


async def _session(
    settings: Settings, embedder: Any, emu: EmulatorProcess, people: int, rounds: int
) -> dict[str, Any]:
    from bot.app.runner import BotRunner
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
        runner = BotRunner(services)
        await runner.prepare()
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
            # Explanations may still stream: let them end before the bot disconnects.
            llm = services.llm
            deadline = time.monotonic() + _WAIT_S
            while llm is not None and (llm.running or llm.waiting) and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            latencies: list[float] = []
            by_kind: dict[str, list[float]] = {}
            missed: list[str] = []
            for iid in crowd["interactions"]:
                record = await client.call("GET", f"/interactions/{iid}")
                kind = _kind(record)
                if record.get("ack_latency") is None:
                    tried = [cb.get("status") for cb in record.get("callbacks") or []]
                    missed.append(f"{kind} (callbacks: {tried or 'none'})")
                else:
                    latencies.append(float(record["ack_latency"]))
                    by_kind.setdefault(kind, []).append(float(record["ack_latency"]))
        finally:
            await runner.stop()
            await asyncio.to_thread(services.close)
    finally:
        await client.close()
    failures: list[str] = crowd["failures"]
    return {
        "ack_people": people,
        "ack_rounds": rounds,
        "ack_interactions": len(latencies) + len(missed),
        "ack_p50_ms": ms(percentile(latencies, 50)) if latencies else None,
        "ack_p99_ms": ms(percentile(latencies, 99)) if latencies else None,
        "ack_max_ms": ms(max(latencies)) if latencies else None,
        "ack_missed": len(missed),
        "ack_missed_detail": missed[:10],
        "ack_by_kind": {
            kind: {"n": len(v), "p50_ms": ms(percentile(v, 50)), "p99_ms": ms(percentile(v, 99))}
            for kind, v in sorted(by_kind.items())
        },
        "ack_session_s": round(elapsed, 1),
        "ack_people_failed": len(failures),
        "loop_stall_max_ms": ms(watch.worst),
        "loop_stall_idle_max_ms": ms(idle.worst),
        "loop_stall_sites": watch.sites(),
        "loop_gc_pause_max_ms": ms(watch.gc_worst),
        **({"ack_first_failure": failures[0]} if failures else {}),
    }


def _kind(record: dict[str, Any]) -> str:
    """What a person did: `/quiz`, or a component / modal named by its custom id prefix."""
    data = (record.get("payload") or {}).get("data") or {}
    if data.get("name"):
        return f"/{data['name']}"
    custom = str(data.get("custom_id") or "?")
    return ":".join(custom.split(":")[:2])


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
