"""Daily pushes from several bot processes sharing one PostgreSQL: the bench group, and the
database side of the tests in tests/app/daily/test_daily_processes.py.

`due_dm_subscribers` fills the database with people whose daily quiz is due right now, so
the processes (`bot.testing.bot_cluster`) start pushing at their next tick; `ledger_counts`
and `held_by` read what the push ledger says happened.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any


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


# --- the bench group --------------------------------------------------------------------

START_S = 600.0
"""Bounds a hang: two processes loading the models at once on a busy 2-core machine."""


def cluster_env(
    settings: Any, emu: Any, database_url: str, data_dir: Path, **extra: object
) -> dict[str, str]:
    """The environment of one bot process of the cluster (`flashtutor run`)."""
    from bot.testing.bot_cluster import bot_env

    base = {k: v for k, v in os.environ.items() if not k.startswith("FLASHTUTOR_")}
    values: dict[str, object] = {
        "discord_token": "bench-token",
        "discord_api_url": emu.api_base,
        "discord_gateway_url": emu.gateway_url,
        "database_url": database_url,
        "data_dir": data_dir,
        "models_dir": settings.models_dir,
        "embedder": settings.embedder,
        "llm_model": "none",
        "daily_tick_s": 1.0,
        "log_level": "INFO",
    }
    return bot_env(base, **{**values, **extra})


async def _counts_per_person(control: Any, user_ids: list[int]) -> list[int]:
    counts: list[int] = []
    for start in range(0, len(user_ids), 100):
        batch = user_ids[start : start + 100]
        got = await asyncio.gather(*(control.call("GET", f"/users/{u}/dms") for u in batch))
        counts += [len(messages) for messages in got]
    return counts


async def _push_run(
    settings: Any, emu: Any, server: Any, workdir: Path, subscribers: int, kill: bool
) -> dict[str, Any]:
    from bot.bench.emulator import Control
    from bot.bench.push import _open_dms, _people
    from bot.testing.bot_cluster import start_bots, stop_bots, wait_ready

    prefix = "k" if kill else "p"
    database = server.fresh_database(f"cluster_{prefix}")
    control = Control(emu.control_base)
    bots = []
    try:
        ids = await _people(control, f"{prefix}sub", subscribers)
        channels = await _open_dms(emu.api_base, ids)
        dirs = [workdir / f"{prefix}-bot{n}" / "data" for n in range(2)]
        envs = [
            cluster_env(settings, emu, database, d, shard_count=2, shard_ids=n)
            for n, d in enumerate(dirs)
        ]
        bots = await start_bots(envs, dirs, workdir, workdir)
        await wait_ready(bots, START_S)
        await control.call("POST", "/limits", {"global_per_second": 50.0, "route_limits": True})
        before = await control.call("GET", "/stats")
        t0 = asyncio.get_running_loop().time()
        await asyncio.to_thread(due_dm_subscribers, database, channels)
        left_behind: int | None = None
        deadline = t0 + subscribers / 10 + 300
        while True:
            counts = await asyncio.to_thread(ledger_counts, database)
            sent = counts.get("sent", 0)
            if kill and left_behind is None and sent >= subscribers // 3:
                bots[0].kill()
                await bots[0].proc.wait()
                left_behind = await asyncio.to_thread(held_by, database, bots[0].owner)
            if sent + counts.get("failed", 0) >= subscribers:
                break
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.5)
        after = await control.call("GET", "/stats")
        requests = await control.call("GET", "/requests")
        posts = sorted(
            float(r["t"])
            for r in requests
            if r.get("method") == "POST"
            and str(r.get("path", "")).endswith("/messages")
            and r.get("status") == 200
        )
        per_person = await _counts_per_person(control, ids)
    finally:
        if bots:
            await stop_bots(bots)
        await control.close()
    span = posts[-1] - posts[0] if len(posts) > 1 else 0.0
    key = "cluster_kill" if kill else "cluster_push"
    figures: dict[str, Any] = {
        f"{key}_subscribers": subscribers,
        f"{key}_msgs_per_s": round((len(posts) - 1) / span, 1) if span else None,
        f"{key}_delivered_once": sum(1 for n in per_person if n == 1),
        f"{key}_lost": sum(1 for n in per_person if n == 0),
        f"{key}_doubled": sum(1 for n in per_person if n > 1),
        f"{key}_exactly_once": all(n == 1 for n in per_person),
        f"{key}_429s": after["rate_limited"] - before["rate_limited"],
        f"{key}_ledger": {k: v for k, v in counts.items() if not k.startswith("owner:")},
        f"{key}_by_process": [counts.get(f"owner:{b.owner}", 0) for b in bots],
    }
    if kill:
        figures["cluster_kill_left_behind"] = left_behind
    return figures


def bench_push_cluster(settings: Any, workdir: Path, subscribers: int) -> dict[str, Any]:
    """Two bot processes (shards 0 and 1 of 2) on one PostgreSQL push to `subscribers`
    people; then again, SIGKILLing one of them a third of the way in."""
    from bot.bench.emulator import available, emulator_process
    from bot.bench.postgres import durable_postgres

    reason = available()
    if reason:
        return {"reason": reason}
    with durable_postgres() as server:
        if isinstance(server, str):
            return {"reason": server}
        figures: dict[str, Any] = {}
        for kill in (False, True):
            with emulator_process() as emu:
                figures.update(
                    asyncio.run(_push_run(settings, emu, server, workdir, subscribers, kill))
                )
        return figures
