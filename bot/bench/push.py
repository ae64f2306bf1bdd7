"""Daily push delivery rate against the emulator's realistic Discord rate limiter.

The bot's own paced sender (`bot.bench.push_rate.measure_push_rate`: post the daily quiz
with a nonce, the way a scheduler tick does) pushes to every subscriber through the
loopback Discord API in another process, with its limiter on: a global bucket of 50
requests per second plus per-route buckets, answering 429 as Discord does.

Two runs, on different people:

- the subscribers: their DM channels were remembered when they ran /daily on (one request
  then, days before the push), so each push is one request. These channels are opened
  before the limiter is turned on: not on the push's clock. `push_msgs_per_s` is DMs
  delivered per second over the steady part of this run (the burst at the start and the
  last sends draining left out); `push_msgs_per_s_overall` is over the whole run.
- the fallback (a tenth as many): subscriptions stored before channels were remembered,
  or whose opening failed; their first push opens the DM channel itself (two requests),
  and stores it for every later day. `push_fallback_msgs_per_s` is its rate.

429s are counted by the bot's client and by the emulator, for each run.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.bench.emulator import Control, EmulatorProcess, available, emulator_process

DISCORD_GLOBAL_PER_S = 50.0
TOKEN = "bench-token"
BATCH = 100


async def _people(control: Control, prefix: str, count: int) -> list[int]:
    ids: list[int] = []
    for start in range(0, count, BATCH):
        made = await asyncio.gather(
            *(
                control.call("POST", "/users", {"username": f"{prefix}{i}"})
                for i in range(start, min(count, start + BATCH))
            )
        )
        ids += [int(u["id"]) for u in made]
    return ids


async def _open_dms(api_base: str, user_ids: list[int]) -> dict[int, int]:
    """Each person's DM channel, as /daily on remembers it (the limiter is still off)."""
    import aiohttp

    channels: dict[int, int] = {}
    headers = {"Authorization": f"Bot {TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as http:

        async def one(user_id: int) -> None:
            url = f"{api_base.rstrip('/')}/users/@me/channels"
            async with http.post(url, json={"recipient_id": str(user_id)}) as resp:
                resp.raise_for_status()
                channels[user_id] = int((await resp.json())["id"])

        for start in range(0, len(user_ids), BATCH):
            await asyncio.gather(*(one(u) for u in user_ids[start : start + BATCH]))
    return channels


async def _session(emu: EmulatorProcess, subscribers: int, rate: float | None) -> dict[str, Any]:
    from bot.app.daily import DEFAULT_RATE
    from bot.bench.push_rate import measure_push_rate

    pace = rate or DEFAULT_RATE
    fallback = max(10, subscribers // 10)
    control = Control(emu.control_base)
    try:
        ids = await _people(control, "sub", subscribers)
        old_rows = await _people(control, "old", fallback)
        channels = await _open_dms(emu.api_base, ids)
        await control.call(
            "POST", "/limits", {"global_per_second": DISCORD_GLOBAL_PER_S, "route_limits": True}
        )
        before = await control.call("GET", "/stats")
        main = await measure_push_rate(
            subscribers, api_base=emu.api_base, user_ids=ids, rate=pace, channels=channels
        )
        between = await control.call("GET", "/stats")
        first = await measure_push_rate(
            fallback, api_base=emu.api_base, user_ids=old_rows, rate=pace
        )
        after = await control.call("GET", "/stats")
    finally:
        await control.close()
    delivered = main.get("delivered") or 0
    return {
        "push_subscribers": subscribers,
        "push_msgs_per_s": main.get("steady_msgs_per_s"),
        "push_msgs_per_s_overall": main.get("msgs_per_s"),
        "push_requests_per_s": main.get("requests_per_s"),
        "push_requests_per_msg": round(main["requests"] / delivered, 2) if delivered else None,
        "push_delivered": delivered,
        "push_failed": main.get("failed"),
        "push_seconds": main.get("seconds"),
        "push_429s_seen_by_bot": main.get("rate_limited"),
        "push_429s_sent_by_emulator": between["rate_limited"] - before["rate_limited"],
        "push_fallback_subscribers": fallback,
        "push_fallback_msgs_per_s": first.get("steady_msgs_per_s"),
        "push_fallback_requests_per_msg": (
            round(first["requests"] / first["delivered"], 2) if first.get("delivered") else None
        ),
        "push_fallback_delivered": first.get("delivered"),
        "push_fallback_429s_sent_by_emulator": after["rate_limited"] - between["rate_limited"],
        "push_pace_per_s": pace,
        "push_limit_per_s": DISCORD_GLOBAL_PER_S,
    }


def bench_push(subscribers: int, rate: float | None = None) -> dict[str, Any]:
    """Push to `subscribers` people at `rate` requests/s (default: the sender's).

    Null figures with a reason when it cannot run. Pass the bot's configured
    `daily_push_rate` to measure the pace it actually runs at.
    """
    reason = available()
    if reason:
        return {"reason": reason}
    try:
        import bot.bench.push_rate  # noqa: F401
    except ImportError as exc:
        return {"reason": f"the daily push sender is not available ({exc})"}
    with emulator_process() as emu:
        return asyncio.run(_session(emu, subscribers, rate))
