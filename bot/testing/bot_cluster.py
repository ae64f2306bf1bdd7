"""Several real `flashtutor run` processes, one shard range each, for tests and the bench.

The processes share one database (a PostgreSQL URL) and talk to one Discord (the loopback
emulator); each gets its own data directory (the index: in production a Chroma server).
`due_dm_subscribers` fills the database with people whose daily quiz is due right now, so
the processes start pushing at their next tick.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
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


def _zone_away_from_midnight(now: datetime) -> str:
    """A fixed-offset zone where it is between 02:00 and 22:00 now (no day boundary near)."""
    for hours in range(0, 24):
        offset = (hours + 12) % 24 - 12  # 0, 1, ..., 11, -12, ..., -1
        local = now + timedelta(hours=offset)
        if 2 <= local.hour < 22:
            # POSIX-style Etc zones have the sign inverted: Etc/GMT-3 is UTC+3.
            return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"
    return "UTC"


def due_dm_subscribers(database_url: str, dm_channels: Mapping[int, int]) -> datetime:
    """Subscribe every person (user id -> DM channel id) to a one-card daily DM, due now.

    The slot is the minute before now in a zone where no day boundary is near, and the DM
    channel is remembered as /daily on does; returns the slot's time.
    """
    from zoneinfo import ZoneInfo

    from bot.infra.store import ProgressStore
    from bot.infra.subscriptions import SubscriptionStore

    now = datetime.now(UTC)
    zone = _zone_away_from_midnight(now)
    local = (now - timedelta(minutes=1)).astimezone(ZoneInfo(zone))
    at = time(local.hour, local.minute)
    subscribed = now - timedelta(minutes=3)
    with ProgressStore(database_url) as store:
        subs = SubscriptionStore(store)
        with store.db.tx():  # one transaction: thousands of rows in seconds
            for user_id, channel_id in dm_channels.items():
                subs.subscribe_dm(
                    user_id=str(user_id),
                    guild_id=None,
                    at=at,
                    zone=zone,
                    topic=None,
                    cards=1,
                    now=subscribed,
                    channel_id=str(channel_id),
                )
    return local.replace(second=0, microsecond=0).astimezone(UTC)


def ledger_counts(database_url: str) -> dict[str, int]:
    """Push ledger rows by status, and by owner (`owner:<name>`)."""
    from bot.infra.store import ProgressStore

    with ProgressStore(database_url) as store:
        rows = store.db.query("SELECT status, owner, COUNT(*) FROM daily_pushes GROUP BY 1, 2")
    counts: dict[str, int] = {}
    for status, owner, n in rows:
        counts[status] = counts.get(status, 0) + int(n)
        key = f"owner:{owner}"
        counts[key] = counts.get(key, 0) + int(n)
    return counts


def held_by(database_url: str, owner: str) -> int:
    """Claims and open intents `owner` holds right now (what its death leaves behind)."""
    from bot.infra.store import ProgressStore

    with ProgressStore(database_url) as store:
        (claims,) = store.db.query(
            "SELECT COUNT(*) FROM daily_subscriptions WHERE claimed_by = ?", (owner,)
        )[0]
        (intents,) = store.db.query(
            "SELECT COUNT(*) FROM daily_pushes WHERE status = 'intent' AND owner = ?", (owner,)
        )[0]
    return int(claims) + int(intents)


def bot_env(base: Mapping[str, str], **settings: object) -> dict[str, str]:
    """`base` with FLASHTUTOR_<NAME> set for each setting given."""
    env = {k: v for k, v in base.items()}
    for name, value in settings.items():
        env[f"FLASHTUTOR_{name.upper()}"] = str(value)
    env.setdefault("PATH", os.environ.get("PATH", ""))
    return env
