"""Several real `flashtutor run` processes, one shard range each, for tests and the bench.

The processes share one database (a PostgreSQL URL) and talk to one Discord (the loopback
emulator); each gets its own data directory (the index: in production a Chroma server).
Filling the database and reading the ledger is `bot.bench.push_cluster`'s.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

FLASHTUTOR = str(Path(sys.executable).parent / "flashtutor")


@dataclass
class BotProcess:
    """One `flashtutor run` subprocess."""

    shard: int
    proc: asyncio.subprocess.Process
    log: Path
    data_dir: Path

    @property
    def owner(self) -> str:
        """Its name in the push ledger's claims (see bot.app.daily._claims.process_owner)."""
        return f"{socket.gethostname()}:{self.proc.pid}"

    @property
    def ready(self) -> bool:
        """Its shards are connected (the heartbeat is written on READY)."""
        return (self.data_dir / "heartbeat").exists()

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine dies."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)


async def start_bots(
    envs: Sequence[Mapping[str, str]], data_dirs: Sequence[Path], log_dir: Path, cwd: Path
) -> list[BotProcess]:
    """Start one `flashtutor run` per environment (its FLASHTUTOR_SHARD_IDS says which)."""
    bots: list[BotProcess] = []
    for n, (env, data_dir) in enumerate(zip(envs, data_dirs, strict=True)):
        log = log_dir / f"bot{n}.log"
        with log.open("ab") as fh:
            proc = await asyncio.create_subprocess_exec(
                FLASHTUTOR, "run", env=dict(env), cwd=cwd, stdout=fh, stderr=fh
            )
        bots.append(BotProcess(n, proc, log, data_dir))
    return bots


async def wait_ready(bots: Sequence[BotProcess], timeout: float) -> None:
    """Until every process is connected; a process that exits first is an error."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not all(b.ready for b in bots):
        for b in bots:
            if b.proc.returncode is not None:
                tail = b.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"bot {b.shard} exited with {b.proc.returncode}:\n{tail}")
        if loop.time() > deadline:
            raise TimeoutError("the bot processes did not connect in time")
        await asyncio.sleep(0.2)


async def stop_bots(bots: Sequence[BotProcess], timeout: float = 60.0) -> list[int]:
    """SIGTERM every live process and wait; returns the exit codes (-9 for a killed one)."""
    for b in bots:
        if b.proc.returncode is None:
            b.proc.send_signal(signal.SIGTERM)
    codes: list[int] = []
    for b in bots:
        try:
            codes.append(await asyncio.wait_for(b.proc.wait(), timeout))
        except TimeoutError:
            b.kill()
            codes.append(await b.proc.wait())
    return codes


def bot_env(base: Mapping[str, str], **settings: object) -> dict[str, str]:
    """`base` with FLASHTUTOR_<NAME> set for each setting given."""
    env = {k: v for k, v in base.items()}
    for name, value in settings.items():
        env[f"FLASHTUTOR_{name.upper()}"] = str(value)
    env.setdefault("PATH", os.environ.get("PATH", ""))
    return env
