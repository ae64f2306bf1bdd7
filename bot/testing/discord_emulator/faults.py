"""Faults a test injects (a mixin of ``Emulator``): rate limits, errors, lost and slow
answers, Discord's realistic limiter, and gateway drops, reconnects and invalid sessions."""

from __future__ import annotations

from .gateway import Gateway
from .limits import Limits


class Faults:
    """Make Discord misbehave the ways it does."""

    limits: Limits
    gateway: Gateway

    def rate_limit(
        self,
        count: int = 1,
        route: str | None = None,
        *,
        retry_after: float = 0.5,
        is_global: bool = False,
    ) -> None:
        """The next ``count`` requests matching regex ``route`` (on "METHOD /path") get 429."""
        self.limits.add_rate_limit(count, route, retry_after, is_global)

    def fail(self, count: int, route: str | None, status: int, code: int, message: str) -> None:
        """The next ``count`` requests matching ``route`` fail with a Discord error body."""
        self.limits.add_fault(count, route, status, code, message)

    def lose_responses(self, count: int = 1, route: str | None = None) -> None:
        """Carry out the next ``count`` matching requests but cut the connection before the
        response (the bot sees a connection error; the message exists anyway)."""
        self.limits.add_lost_response(count, route)

    def slow_responses(
        self, count: int = 1, route: str | None = None, seconds: float = 1.0
    ) -> None:
        """Carry out the next ``count`` matching requests at once but answer ``seconds`` late
        (what a person sees may change before the bot hears back)."""
        self.limits.add_slow_response(count, route, seconds)

    def set_rate_limits(
        self,
        global_per_second: float | None = 50.0,
        route_limits: bool = True,
        *,
        window_scale: float = 1.0,
    ) -> None:
        """Turn on Discord-like limits (a global bucket per second and per-route buckets).

        ``window_scale`` shrinks the per-route windows (0.1 = ten times faster) for quick tests.
        """
        self.limits.configure(
            global_per_second=global_per_second,
            route_limits=route_limits,
            window_scale=window_scale,
        )

    def hold_connections(self) -> None:
        """New gateway connections wait before HELLO until ``release_connections``."""
        self.gateway.accepting.clear()

    def release_connections(self) -> None:
        """Let held gateway connections proceed."""
        self.gateway.accepting.set()

    async def drop_connection(self) -> int:
        """Cut the bot's gateway socket(s) abruptly; the bot should RESUME."""
        return await self.gateway.drop()

    async def close_connection(self, code: int = 4000) -> int:
        """Close the bot's socket(s) with a close code (4000 resumes; 4004 is fatal)."""
        return await self.gateway.close_with(code)

    async def request_reconnect(self) -> int:
        """Send op 7 RECONNECT; the bot should RESUME."""
        return await self.gateway.request_reconnect()

    async def invalidate_session(self, resumable: bool = False) -> int:
        """Send op 9 INVALID_SESSION; not resumable means the bot must IDENTIFY again."""
        return await self.gateway.invalidate_session(resumable)
