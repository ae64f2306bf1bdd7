"""Measure the daily-push rate against the loopback emulator with Discord's limits on.

``python -m tests.daily.push_rate --people 1000 [--global-limit 50] [--rate R]`` starts an
emulator with the realistic limiter (global requests per second and per-route buckets),
pushes one daily quiz to each person through `measure_push_rate` and prints one JSON line:
the sender's figures plus the 429s the emulator answered, by kind.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from bot.app.daily import measure_push_rate
from bot.app.daily._sender import DEFAULT_RATE
from bot.testing.discord_emulator import Emulator


async def run(
    people: int, global_limit: float, rate: float, in_flight: int, known: bool
) -> dict[str, Any]:
    """One measurement in a fresh emulator."""
    async with Emulator() as emu:
        users = [emu.create_user(f"p{i}") for i in range(people)]
        # Known channels were opened at /daily on, long before the push: not on its clock.
        channels = {u.id: emu.dm_channel(u).id for u in users} if known else {}
        emu.set_rate_limits(global_per_second=global_limit, route_limits=True)
        result = await measure_push_rate(
            people,
            api_base=emu.api_base,
            user_ids=[u.id for u in users],
            rate=rate,
            in_flight=in_flight,
            channels=channels,
        )
        stats = emu.stats()
        delivered_once = sum(1 for u in users if len(emu.dm_messages(u)) == 1)
    return {
        **result,
        "global_limit": global_limit,
        "delivered_once": delivered_once,
        "emulator_429s": stats["rate_limited"],
        "emulator_429s_by": stats["rate_limited_by"],
    }


def main() -> None:
    """Parse arguments, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--global-limit", type=float, default=50.0)
    parser.add_argument(
        "--rate", type=float, default=DEFAULT_RATE, help="the sender's pace, requests/s"
    )
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument(
        "--known-channels",
        action="store_true",
        help="DM channels remembered since /daily on (else opened on the push path, as for "
        "a subscription stored before channels were remembered)",
    )
    args = parser.parse_args()
    result = run(args.people, args.global_limit, args.rate, args.in_flight, args.known_channels)
    print(json.dumps(asyncio.run(result)))


if __name__ == "__main__":
    main()
