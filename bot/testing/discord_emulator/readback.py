"""Waiting for and reading back what the bot did (a mixin of ``Emulator``)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from .gateway import Gateway
from .limits import Limits
from .messages import MessageStore
from .records import CallbackRecord, InteractionRecord, MessageRecord, RequestRecord
from .spec_check import SpecCheck, SpecViolation
from .world import Channel, Guild, User, World

Json = dict[str, Any]
T = TypeVar("T")
COALESCE_SECONDS = 0.002


class EmulatorTimeout(AssertionError):
    """A wait helper gave up; the message says what it was waiting for."""


class Readback:
    """Wait helpers and read-back queries over the emulator's records."""

    world: World
    gateway: Gateway
    limits: Limits
    messages: MessageStore
    interactions: dict[int, InteractionRecord]
    commands: dict[int | None, list[Json]]
    requests: list[RequestRecord]
    spec_check: SpecCheck
    _changed: asyncio.Event

    # change notification and waiting ------------------------------------------------------

    def notify(self) -> None:
        """Wake every waiter: something was recorded."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        """Return the first truthy ``check()``; raise EmulatorTimeout after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result:
                return result
            left = deadline - time.monotonic()
            if left <= 0:
                raise EmulatorTimeout(f"timed out after {timeout}s waiting for {what}")
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                continue
            # Coalesce bursts of changes (thousands of pushes) so an O(n) check does not
            # run once per request.
            await asyncio.sleep(min(COALESCE_SECONDS, max(0.0, deadline - time.monotonic())))

    async def wait_for_response(
        self, interaction: InteractionRecord | int, timeout: float = 5.0
    ) -> CallbackRecord:
        """The bot's accepted callback to ``interaction`` (its first response)."""
        record = self.interaction(interaction)
        return await self.wait_until(
            lambda: record.response, timeout, f"a callback to interaction {record.id}"
        )

    async def wait_for_message(
        self,
        channel: Channel | int,
        predicate: Callable[[MessageRecord], bool] | None = None,
        timeout: float = 5.0,
        *,
        by_bot: bool = True,
    ) -> MessageRecord:
        """The first message in ``channel`` (by the bot, by default) matching ``predicate``.

        Edits count: a message whose latest version matches is returned.
        """
        channel_id = channel.id if isinstance(channel, Channel) else int(channel)

        def check() -> MessageRecord | None:
            for record in self.messages.in_channel(channel_id):
                if record.by_bot == by_bot and (predicate is None or predicate(record)):
                    return record
            return None

        return await self.wait_until(check, timeout, f"a message in channel {channel_id}")

    async def wait_for_followup(
        self, interaction: InteractionRecord | int, index: int = 0, timeout: float = 5.0
    ) -> MessageRecord:
        """The ``index``-th follow-up message the bot sent for ``interaction``."""
        record = self.interaction(interaction)

        def check() -> MessageRecord | None:
            ids = record.followup_ids
            return self.messages.by_id[ids[index]] if len(ids) > index else None

        return await self.wait_until(check, timeout, f"follow-up {index} of {record.id}")

    async def wait_for_original(
        self,
        interaction: InteractionRecord | int,
        predicate: Callable[[MessageRecord], bool] | None = None,
        timeout: float = 5.0,
    ) -> MessageRecord:
        """The interaction's original response message once ``predicate`` holds for it."""
        record = self.interaction(interaction)

        def check() -> MessageRecord | None:
            if record.original_message_id is None:
                return None
            message = self.messages.by_id[record.original_message_id]
            return message if predicate is None or predicate(message) else None

        return await self.wait_until(check, timeout, f"the original response of {record.id}")

    async def wait_for_commands(
        self, guild: Guild | None = None, names: tuple[str, ...] = (), timeout: float = 10.0
    ) -> list[Json]:
        """Wait until the bot has synced commands (all of ``names``, if given) to ``guild``."""
        scope = None if guild is None else guild.id

        def check() -> list[Json] | None:
            synced = self.commands.get(scope, [])
            have = {c["name"] for c in synced}
            return synced if synced and set(names) <= have else None

        return await self.wait_until(check, timeout, f"commands {names or ''} synced")

    async def wait_for_gateway(self, kind: str, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``count`` gateway events of ``kind`` (identify, resume, ...) happened."""
        await self.wait_until(
            lambda: self.gateway.count(kind) >= count, timeout, f"{count} x gateway {kind}"
        )

    # reading back ---------------------------------------------------------------------

    def interaction(self, ref: InteractionRecord | int) -> InteractionRecord:
        """The record for an interaction id (or the record itself)."""
        return ref if isinstance(ref, InteractionRecord) else self.interactions[int(ref)]

    def channel_messages(self, channel: Channel | int) -> list[MessageRecord]:
        """Messages in a channel, oldest first (deleted ones left out)."""
        channel_id = channel.id if isinstance(channel, Channel) else int(channel)
        return self.messages.in_channel(channel_id)

    def dm_messages(self, user: User) -> list[MessageRecord]:
        """Messages in the DM channel with ``user``."""
        channel_id = self.world.dm_by_user.get(user.id)
        return [] if channel_id is None else self.messages.in_channel(channel_id)

    def synced_commands(self, guild: Guild | None = None) -> list[Json]:
        """Commands the bot synced globally (or to ``guild``)."""
        return list(self.commands.get(None if guild is None else guild.id, []))

    def requests_matching(self, pattern: str, status: int | None = None) -> list[RequestRecord]:
        """Requests whose ``"METHOD /path"`` matches regex ``pattern`` (and ``status``)."""
        regex = re.compile(pattern)
        return [
            r
            for r in self.requests
            if regex.search(f"{r.method} {r.path}") and (status is None or r.status == status)
        ]

    def unknown_requests(self) -> list[RequestRecord]:
        """REST requests the emulator had no route for."""
        return [r for r in self.requests if r.unknown]

    def spec_violations(self, kind: str | None = None) -> list[SpecViolation]:
        """Bodies that broke Discord's spec: "request" (the bot's), "response"/"gateway"."""
        return [v for v in self.spec_check.violations if kind is None or v.kind == kind]

    def problems(self) -> list[str]:
        """What no test should accept, one line each: the emulator's own errors (a handler
        that raised, a gateway frame it failed on), its answers and dispatches that break
        Discord's spec, and the bot's bodies that broke it. ``assert emu.problems() == []``."""
        found = [
            f"emulator error on {r.method} {r.path}: {r.error}" for r in self.requests if r.error
        ]
        found += [
            f"gateway error: {e.get('error')}" for e in self.gateway.events if e["kind"] == "error"
        ]
        found += [f"{v.kind} {v.where}: {v.errors}" for v in self.spec_check.violations]
        return found

    def stats(self) -> Json:
        """Request and rate-limit counters."""
        return {
            "requests": len(self.requests),
            "rate_limited": sum(1 for r in self.requests if r.rate_limited),
            "rate_limited_by": dict(self.limits.counts),
            "unknown": len(self.unknown_requests()),
            # Its own bugs: a handler that raised, a gateway frame it failed on, and every
            # answer or dispatch that breaks Discord's spec.
            "emulator_errors": sum(1 for r in self.requests if r.error)
            + self.gateway.count("error")
            + self.spec_check.count("response")
            + self.spec_check.count("gateway"),
            # The bot's request bodies that broke Discord's spec (answered 400, code 50035).
            "invalid_bodies": self.spec_check.count("request"),
            "spec_checked": dict(self.spec_check.checked),
            # Discord bans a bot's IP for a while after 10,000 of these in 10 minutes.
            "invalid_requests": sum(1 for r in self.requests if r.status in (401, 403, 429)),
            "identify": self.gateway.count("identify"),
            "resume": self.gateway.count("resume"),
        }
