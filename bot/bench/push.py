"""Daily push delivery rate against the emulator's realistic Discord rate limiter.

The bot's own paced sender (`bot.app.daily.rate.measure_push_rate`: open the DM, post the
daily quiz with a nonce, the way a scheduler tick does) pushes to every subscriber through
the loopback Discord API in another process, with its limiter on: a global bucket of 50
requests per second plus per-route buckets, answering 429 as Discord does. The figure is
delivered messages per second, sustained over the whole run, and the 429s the bot met.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.bench.emulator import Control, EmulatorProcess, available, emulator_process

DISCORD_GLOBAL_PER_S = 50.0


async def _session(emu: EmulatorProcess, subscribers: int) -> dict[str, Any]:
    from bot.app.daily.rate import measure_push_rate

    control = Control(emu.control_base)
    try:
        ids: list[int] = []
        for start in range(0, subscribers, 100):
            made = await asyncio.gather(
                *(
                    control.call("POST", "/users", {"username": f"sub{i}"})
                    for i in range(start, min(subscribers, start + 100))
                )
            )
            ids += [int(u["id"]) for u in made]
        await control.call(
            "POST", "/limits", {"global_per_second": DISCORD_GLOBAL_PER_S, "route_limits": True}
        )
        figures = await measure_push_rate(subscribers, api_base=emu.api_base, user_ids=ids)
        stats = await control.call("GET", "/stats")
    finally:
        await control.close()
    return {
        "push_subscribers": subscribers,
        "push_msgs_per_s": figures.get("msgs_per_s"),
        "push_requests_per_s": figures.get("requests_per_s"),
        "push_delivered": figures.get("delivered"),
        "push_failed": figures.get("failed"),
        "push_seconds": figures.get("seconds"),
        "push_429s_seen_by_bot": figures.get("rate_limited"),
        "push_429s_sent_by_emulator": stats.get("rate_limited"),
        "push_pace_per_s": figures.get("pace"),
        "push_limit_per_s": DISCORD_GLOBAL_PER_S,
    }


def bench_push(subscribers: int) -> dict[str, Any]:
    """Push to `subscribers` people; null figures with a reason when it cannot run."""
    reason = available()
    if reason:
        return {"reason": reason}
    try:
        import bot.app.daily.rate  # noqa: F401
    except ImportError as exc:
        return {"reason": f"the daily push sender is not available ({exc})"}
    with emulator_process() as emu:
        return asyncio.run(_session(emu, subscribers))
