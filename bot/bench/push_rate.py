"""How fast daily pushes go out: the paced sender against a Discord-compatible REST API.

`measure_push_rate` sends one daily-quiz message (a header, a question, the quiz buttons)
to each of `n` people the way a tick does (post with a nonce to the remembered DM channel,
or open it first for a subscription that has none) and reports the sustained rate and the
429s seen. Point it at the loopback emulator with its realistic limiter on; never at
Discord. `flashtutor bench --only push` runs it against an emulator process (`bot.bench.push`);

``python -m bot.bench.push_rate --people 1000 [--global-limit 50] [--rate R]`` runs one
measurement in an in-process emulator and prints one JSON line: the sender's figures plus
the 429s the emulator answered, by kind.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import discord
import discord.http

from bot.app.daily import (
    DEFAULT_IN_FLIGHT,
    DEFAULT_RATE,
    DeliveryError,
    PacedSender,
    RateLimitWatch,
    TokenBucket,
    dm_messages,
)
from bot.core import daily
from bot.core.cards import Card
from bot.infra.subscriptions import PushRecord, Subscription

_CARD = Card(
    deck="bench",
    title="Tokens",
    question="What is a token, and how does a tokenizer turn text into tokens?",
    answer="A unit of text (word, subword or character) mapped to an integer id.",
)


def _push(user_id: int, day: date) -> tuple[Subscription, PushRecord]:
    sub = Subscription(
        id=user_id % 10_000_000,
        kind="dm",
        user_id=str(user_id),
        guild_id=None,
        channel_id=None,
        at=daily.DEFAULT_TIME,
        zone="UTC",
        topic=None,
        cards=1,
        status="active",
        paused_reason=None,
        next_day=day,
        next_due=daily.slot(day, daily.DEFAULT_TIME, daily.zone("UTC")),
    )
    record = PushRecord(
        subscription_id=sub.id,
        local_date=day,
        user_id=sub.user_id,
        guild_id=None,
        card_ids=[_CARD.card_id],
        reasons=["due"],
        session_id=1,
        status="intent",
        error=None,
        message_ids=[],
        intended_at=sub.next_due,
        finished_at=None,
    )
    return sub, record


STEADY = (0.1, 0.9)
"""The steady part of a run: its middle 80% in time, which leaves out the start (every push
rendered at once, then a full bucket's burst) and the tail (the last sends draining)."""


def steady_rate(
    finished: Sequence[float], start: float, end: float, part: tuple[float, float] = STEADY
) -> float:
    """Deliveries per second within the steady part of the run from `start` to `end`.

    By time, not by count: when each push takes two requests, the DMs are all opened
    before most messages go out, and the rate of completions alone would double.
    """
    lo, hi = (start + (end - start) * p for p in part)
    if hi <= lo:
        return 0.0
    return sum(1 for t in finished if lo <= t < hi) / (hi - lo)


async def measure_push_rate(
    n: int,
    *,
    api_base: str,
    user_ids: Sequence[int],
    token: str = "bench-token",
    rate: float = DEFAULT_RATE,
    in_flight: int = DEFAULT_IN_FLIGHT,
    day: date | None = None,
    channels: Mapping[int, int] | None = None,
) -> dict[str, Any]:
    """Push one daily quiz to each of the first `n` of `user_ids` through `api_base`.

    `channels` maps a user id to their DM channel id as the subscription remembers it
    (stored at /daily on): such a push is one request. A person without one gets the
    fallback of a row from before that: open the DM, then post (two requests).
    Returns `delivered`, `failed`, `seconds`, `msgs_per_s` (DMs delivered per second over
    the whole run), `steady_msgs_per_s` (over its steady part, `STEADY`; with very few
    pushes, mostly the burst, it means little), `requests`,
    `requests_per_s`, `rate_limited` (429 answers the client saw) and `retries`.
    """
    if n > len(user_ids):
        raise ValueError(f"{n} pushes need {n} user ids, got {len(user_ids)}")
    day = day or datetime.now(UTC).date()
    known = dict(channels or {})
    old_base = discord.http.Route.BASE
    discord.http.Route.BASE = api_base.rstrip("/")
    bucket = TokenBucket(rate)
    watch = RateLimitWatch(bucket)
    http = discord.http.HTTPClient(asyncio.get_running_loop(), http_trace=watch.trace)
    finished: list[float] = []
    try:
        await http.static_login(token)
        sender = PacedSender(http, bucket=bucket, in_flight=in_flight)
        failed: list[str] = []

        async def push(user_id: int) -> None:
            sub, record = _push(user_id, day)
            try:
                channel_id = known.get(user_id) or await sender.open_dm(user_id)
                for message in dm_messages(sub, record, [_CARD], channel_id):
                    await sender.send(message)
            except DeliveryError as exc:
                failed.append(str(exc))
            else:
                finished.append(time.perf_counter())

        started = time.perf_counter()
        await asyncio.gather(*(push(u) for u in user_ids[:n]))
        ended = time.perf_counter()
        elapsed = ended - started
    finally:
        await http.close()
        discord.http.Route.BASE = old_base
    delivered = n - len(failed)
    overall = round(delivered / elapsed, 1) if elapsed else 0.0
    return {
        "pushes": n,
        "delivered": delivered,
        "failed": len(failed),
        "seconds": round(elapsed, 2),
        "msgs_per_s": overall,
        "steady_msgs_per_s": round(steady_rate(finished, started, ended), 1),
        "requests": sender.requests,
        "requests_per_s": round(sender.requests / elapsed, 1) if elapsed else 0.0,
        "rate_limited": watch.count,
        "retries": sender.retries,
        "pace": rate,
        "known_channels": sum(1 for u in user_ids[:n] if u in known),
    }


async def run(
    people: int, global_limit: float, rate: float, in_flight: int, known: bool
) -> dict[str, Any]:
    """One measurement in a fresh emulator."""
    from bot.testing.discord_emulator import Emulator  # only for this command

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
