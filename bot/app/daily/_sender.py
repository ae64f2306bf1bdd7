"""Paced sending of daily pushes: under Discord's global limit, retried without duplicates.

Discord allows a bot about 50 requests per second in total and answers a bot that goes
faster with 429s (and bans an IP that collects too many). discord.py paces each route from
the headers Discord sends, but the global limit has no headers until it is hit, so 10,000
pushes started at once would storm it. `PacedSender` takes a token from one bucket (47/s by
default, see `DEFAULT_RATE`) before every request and keeps a bounded number in flight.

429s: discord.py waits the `retry_after` of every 429 and tries again (for a global one it
holds back all requests meanwhile); a 429 that still escapes holds the whole bucket for its
`retry_after` before the send is tried again. When an aiohttp trace from `RateLimitWatch`
is installed on the HTTP client, every 429 also holds the bucket.

A send whose answer was lost (connection cut, server error) is retried with the same nonce
and `enforce_nonce`, so Discord returns the message it already created instead of a copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, TypeVar

import aiohttp
import discord
from discord.http import HTTPClient, handle_message_parameters

from bot.settings import Settings

T = TypeVar("T")

DEFAULT_RATE: float = Settings.model_fields["daily_push_rate"].default
"""Requests per second for pushes (47, the `daily_push_rate` setting's default), under
Discord's global 50/s. With every push one request (the DM channel is remembered at
/daily on), 47/s sustains about 46.7 messages/s against the
emulator's limiter on a loaded 2-core machine (45/s gave 43.9, under the 45/s goal; 48/s
would leave rate + burst = 50, no room at all). Rate + burst (49) stays one request under 50
in any one-second window, for requests that arrive bunched, and the other 3/s on average
are left for the bot's other REST calls (chat replies, channel posts). Interaction responses
and follow-ups, most of what the bot sends while people use it, do not count against the
global limit. A 429 still holds the whole bucket for its retry_after (see above)."""
DEFAULT_BURST = 2.0
"""Tokens a bucket may save up: enough to make up for sleeps that overshoot on a busy
machine, few enough that rate + burst leaves room under 50 in any one-second window for
requests that arrive bunched (at 45/s, 3 let one 429 in 2,000 requests through, 2 none)."""
DEFAULT_IN_FLIGHT = 16
ATTEMPTS = 5
BACKOFF_S = 0.25
"""First wait before retrying a lost or failed request; it doubles each time."""

DM_CLOSED = 50007
UNKNOWN_CHANNEL = 10003
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013


class DeliveryError(Exception):
    """A push that cannot be delivered; `reason` says why (for the ledger and the pause)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class DMClosed(DeliveryError):
    """The person does not accept DMs from the bot (403, code 50007)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("dm_closed", detail)


class ChannelGone(DeliveryError):
    """The channel was deleted, or the bot can no longer see or post in it."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("channel_gone", detail)


class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up; `hold` pauses every taker."""

    def __init__(
        self,
        rate: float,
        burst: float = DEFAULT_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1.0, burst)
        self._clock = clock
        self._tokens = self.burst
        self._stamp = clock()
        self._held_until = 0.0
        self._lock = asyncio.Lock()

    def hold(self, seconds: float) -> None:
        """Give no token for `seconds` (a 429's retry_after), and start again from empty."""
        self._held_until = max(self._held_until, self._clock() + max(0.0, seconds))
        self._tokens = 0.0

    async def take(self) -> None:
        """Wait for a token; callers are served in arrival order."""
        async with self._lock:
            while True:
                now = self._clock()
                if now < self._held_until:
                    await asyncio.sleep(self._held_until - now)
                    self._stamp = self._clock()
                    continue
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self.rate)


class RateLimitWatch:
    """Counts 429 answers seen by an HTTP client and holds a bucket for their retry_after.

    Pass `watch.trace` as discord.py's `http_trace` when the client is built.
    """

    def __init__(self, bucket: TokenBucket | None = None) -> None:
        self.bucket = bucket
        self.count = 0
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_end.append(self._on_end)

    async def _on_end(
        self, session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        response = params.response
        if response.status != 429:
            return
        self.count += 1
        with contextlib.suppress(TypeError, ValueError):
            retry_after = float(response.headers.get("Retry-After", "0"))
            if self.bucket is not None:
                self.bucket.hold(retry_after)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to post: embeds, an optional view, and the nonce that makes it idempotent."""

    channel_id: int
    nonce: str
    embeds: list[discord.Embed]
    view: discord.ui.View | None = None


def _code(exc: discord.HTTPException) -> int:
    return int(getattr(exc, "code", 0) or 0)


def _retry_after(exc: discord.HTTPException) -> float:
    with contextlib.suppress(AttributeError, TypeError, ValueError):
        return float(exc.response.headers.get("Retry-After", "1"))
    return 1.0


class PacedSender:
    """Opens DM channels and posts messages through discord.py's HTTP client, paced."""

    def __init__(
        self,
        http: HTTPClient,
        *,
        rate: float = DEFAULT_RATE,
        in_flight: int = DEFAULT_IN_FLIGHT,
        bucket: TokenBucket | None = None,
        backoff_s: float = BACKOFF_S,
    ) -> None:
        self.http = http
        self.bucket = bucket or TokenBucket(rate)
        self._slots = asyncio.Semaphore(max(1, in_flight))
        self._backoff_s = backoff_s
        self.requests = 0
        self.retries = 0
        self.escaped_429s = 0

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        delay = self._backoff_s
        for attempt in range(ATTEMPTS):
            last = attempt == ATTEMPTS - 1
            async with self._slots:
                await self.bucket.take()
                self.requests += 1
                try:
                    return await make()
                except discord.HTTPException as exc:
                    if exc.status == 429:
                        self.escaped_429s += 1
                        self.bucket.hold(_retry_after(exc))
                    elif exc.status < 500 or last:
                        raise
                except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                    # The request may have been carried out: only a nonce-carrying send is
                    # safe to repeat, and every caller here sends one (or opens a DM, which
                    # is idempotent).
                    if last:
                        raise DeliveryError("network", repr(exc)) from exc
            self.retries += 1
            await asyncio.sleep(delay)
            delay *= 2
        raise DeliveryError("rate_limited", "still rate limited after retries")

    async def open_dm(self, user_id: int) -> int:
        """The DM channel with a person (Discord returns the same one every time)."""
        try:
            data = await self._call(lambda: self.http.start_private_message(user_id))
        except discord.Forbidden as exc:
            raise DMClosed(str(exc)) from exc
        except discord.NotFound as exc:
            raise DeliveryError("unknown_user", str(exc)) from exc
        return int(data["id"])

    async def send(self, message: Outgoing) -> str:
        """Post one message; returns its id. Raises DMClosed, ChannelGone or DeliveryError."""

        async def post() -> Any:
            with handle_message_parameters(
                embeds=message.embeds,
                view=message.view,
                nonce=message.nonce,  # discord.py adds enforce_nonce: true
                allowed_mentions=discord.AllowedMentions.none(),
            ) as params:
                return await self.http.send_message(message.channel_id, params=params)

        try:
            data = await self._call(post)
        except discord.Forbidden as exc:
            if _code(exc) == DM_CLOSED:
                raise DMClosed(str(exc)) from exc
            if _code(exc) in (MISSING_ACCESS, MISSING_PERMISSIONS):
                raise ChannelGone(str(exc)) from exc
            raise DeliveryError("forbidden", str(exc)) from exc
        except discord.NotFound as exc:
            raise ChannelGone(str(exc)) from exc
        except discord.HTTPException as exc:
            raise DeliveryError("http", str(exc)) from exc
        return str(data["id"])

    async def recent_messages(self, channel_id: int, limit: int = 25) -> list[dict[str, Any]]:
        """The newest messages of a channel (to find a push whose nonce window has passed)."""
        data = await self._call(lambda: self.http.logs_from(channel_id, limit))
        return [dict(m) for m in data]
