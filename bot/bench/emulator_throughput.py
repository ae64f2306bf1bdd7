"""How fast the real discord.py client can push DMs through the emulator.

``python -m bot.bench.emulator_throughput --people 500 [--global-limit 50]`` prints one
JSON line: DMs delivered, seconds, sends per second, and 429s. It shows whether the emulator
or the limiter is the bottleneck when measuring a bot's push rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import discord

from bot.testing.discord_emulator import Emulator


class _Quiet(discord.Client):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


async def measure(people: int, global_limit: float | None, concurrency: int) -> dict[str, Any]:
    """DM ``people`` users (DM channel + message each) with ``concurrency`` sends in flight."""
    async with Emulator() as emu:
        guild = await emu.create_guild("bench")
        users = [emu.create_user(f"p{i}") for i in range(people)]
        for user in users:
            await emu.add_member(guild, user)
        if global_limit is not None:
            emu.set_rate_limits(global_per_second=global_limit, route_limits=True)
        with emu.patch_discord():
            client = _Quiet(intents=discord.Intents.none(), guild_ready_timeout=0.05)
            await client.login("bench")
            task = asyncio.create_task(client.connect())
            await asyncio.wait_for(client.wait_until_ready(), 30)
            gate = asyncio.Semaphore(concurrency)

            async def push(user_id: int, index: int) -> None:
                async with gate:
                    channel = await client.create_dm(discord.Object(user_id))
                    await channel.send(f"daily quiz {index}", nonce=f"push-{index}")

            started = time.perf_counter()
            await asyncio.gather(*(push(u.id, i) for i, u in enumerate(users)))
            elapsed = time.perf_counter() - started
            await client.close()
            await task
        delivered = sum(len(emu.dm_messages(u)) for u in users)
        stats = emu.stats()
    return {
        "people": people,
        "global_limit": global_limit,
        "concurrency": concurrency,
        "delivered": delivered,
        "seconds": round(elapsed, 2),
        "dms_per_second": round(delivered / elapsed, 1),
        "requests_per_second": round(2 * people / elapsed, 1),
        "rate_limited": stats["rate_limited"],
        "rate_limited_by": stats["rate_limited_by"],
    }


def main() -> None:
    """Parse arguments, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--global-limit", type=float, default=None)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    result = asyncio.run(measure(args.people, args.global_limit, args.concurrency))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
