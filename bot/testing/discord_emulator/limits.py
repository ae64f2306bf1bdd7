"""Rate limits and injected faults for the REST API.

Two mechanisms: faults the test asks for ("the next 2 sends to this channel get a 429 with
retry_after 0.3"), and an optional realistic limiter (a global requests-per-second bucket and
Discord-like per-route buckets) that answers 429 when a bot goes too fast, and counts them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

# (method, route template after /api/v10) -> (limit, window seconds). Values follow what
# Discord documents or reports in its headers for these routes.
ROUTE_LIMITS: dict[tuple[str, str], tuple[int, float]] = {
    ("POST", "/channels/{channel_id}/messages"): (5, 5.0),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): (5, 5.0),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}"): (5, 1.0),
    ("POST", "/channels/{channel_id}/typing"): (5, 5.0),
    ("POST", "/webhooks/{webhook_id}/{token}"): (5, 2.0),
    ("PATCH", "/webhooks/{webhook_id}/{token}/messages/{message_id}"): (5, 2.0),
}
# Every other bot route: Discord gives each one some bucket; this one is generous.
DEFAULT_ROUTE_LIMIT = (50, 1.0)
LOSE_RESPONSE = 0  # a Fault status meaning "do it, then drop the connection"
SLOW_RESPONSE = 1  # a Fault status meaning "do it, then answer late" (seconds in `delay`)
MAJOR_PARAMS = ("channel_id", "guild_id", "webhook_id", "token")


@dataclass
class Decision:
    """The limiter's verdict: an error to return, or headers to add to a success."""

    status: int = 200
    body: Json | None = None
    headers: dict[str, str] = field(default_factory=dict)
    rate_limited: bool = False
    lose_response: bool = False
    delay: float = 0.0


@dataclass
class Fault:
    """A planned failure for the next ``remaining`` requests matching ``pattern``."""

    pattern: re.Pattern[str]
    remaining: int
    status: int
    body: Json
    headers: dict[str, str]
    delay: float = 0.0


class Limits:
    """Holds planned faults and the realistic limiter's windows."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.global_per_second: float | None = None
        self.route_limits = False
        self.window_scale = 1.0
        self._global_window = (0.0, 0)
        self._windows: dict[str, tuple[float, int]] = {}
        self.counts: dict[str, int] = {"fault": 0, "route": 0, "global": 0}

    def configure(
        self, *, global_per_second: float | None, route_limits: bool, window_scale: float = 1.0
    ) -> None:
        """Turn the realistic limiter on or off (None = no global limit)."""
        self.global_per_second = global_per_second
        self.route_limits = route_limits
        self.window_scale = window_scale
        self._windows.clear()
        self._global_window = (0.0, 0)

    def add_rate_limit(
        self, count: int, route: str | None, retry_after: float, is_global: bool
    ) -> None:
        """Make the next ``count`` requests whose "METHOD /path" matches ``route`` get a 429."""
        scope = "global" if is_global else "user"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
            "code": 0,
        }
        headers = _limit_headers(0, 5, retry_after, "fault")
        headers.update({"Retry-After": str(max(1, round(retry_after))), "X-RateLimit-Scope": scope})
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        self.faults.append(Fault(_compile(route), count, 429, body, headers))

    def add_fault(
        self, count: int, route: str | None, status: int, code: int, message: str
    ) -> None:
        """Make the next ``count`` matching requests fail with ``status`` and a Discord error."""
        self.faults.append(
            Fault(_compile(route), count, status, {"message": message, "code": code}, {})
        )

    def add_lost_response(self, count: int, route: str | None) -> None:
        """Process the next ``count`` matching requests, then cut the connection unanswered."""
        self.faults.append(Fault(_compile(route), count, LOSE_RESPONSE, {}, {}))

    def add_slow_response(self, count: int, route: str | None, seconds: float) -> None:
        """Process the next ``count`` matching requests at once, but answer ``seconds`` late."""
        self.faults.append(Fault(_compile(route), count, SLOW_RESPONSE, {}, {}, seconds))

    def decide(
        self, method: str, path: str, template: str, params: dict[str, str], exempt_global: bool
    ) -> Decision:
        """Check faults, then the global bucket, then the route bucket for one request."""
        line = f"{method} {path}"
        for fault in self.faults:
            if fault.remaining > 0 and fault.pattern.search(line):
                fault.remaining -= 1
                if fault.status == LOSE_RESPONSE:
                    return Decision(lose_response=True)
                if fault.status == SLOW_RESPONSE:
                    return Decision(delay=fault.delay)
                limited = fault.status == 429
                if limited:
                    self.counts["fault"] += 1
                return Decision(fault.status, dict(fault.body), dict(fault.headers), limited)
        self.faults = [f for f in self.faults if f.remaining > 0]
        now = time.monotonic()
        if self.global_per_second is not None and not exempt_global:
            start, used = self._global_window
            if now - start >= 1.0:
                start, used = now, 0
            if used >= self.global_per_second:
                retry = max(0.001, start + 1.0 - now)
                self.counts["global"] += 1
                headers = {
                    "Retry-After": str(max(1, round(retry))),
                    "X-RateLimit-Global": "true",
                    "X-RateLimit-Scope": "global",
                }
                body = {"message": "You are being rate limited.", "retry_after": retry, "code": 0}
                body["global"] = True
                return Decision(429, body, headers, True)
            self._global_window = (start, used + 1)
        if not self.route_limits:
            return Decision()
        limit = ROUTE_LIMITS.get((method, template))
        if limit is None:
            if exempt_global:
                return Decision()
            limit = DEFAULT_ROUTE_LIMIT
        size, window = limit[0], limit[1] * self.window_scale
        major = ":".join(params.get(k, "") for k in MAJOR_PARAMS)
        key = f"{method} {template} {major}"
        start, used = self._windows.get(key, (0.0, 0))
        if now - start >= window:
            start, used = now, 0
        reset_after = max(0.001, start + window - now)
        bucket = f"{abs(hash((method, template))):x}"
        if used >= size:
            self.counts["route"] += 1
            headers = _limit_headers(0, size, reset_after, bucket)
            headers.update({"Retry-After": str(max(1, round(reset_after)))})
            headers["X-RateLimit-Scope"] = "user"
            body = {"message": "You are being rate limited.", "retry_after": reset_after, "code": 0}
            body["global"] = False
            return Decision(429, body, headers, True)
        self._windows[key] = (start, used + 1)
        return Decision(headers=_limit_headers(size - used - 1, size, reset_after, bucket))


def _compile(route: str | None) -> re.Pattern[str]:
    return re.compile(route if route else ".*")


def _limit_headers(remaining: int, limit: int, reset_after: float, bucket: str) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }
