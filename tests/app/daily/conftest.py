"""Daily pushes end to end: the real bot in-process against the loopback Discord API.

The bot runs on a fake clock (`Clock`) with its push loop off (`daily_tick_s=0`), so a
test moves time and calls `scheduler.tick(now)` itself: no real sleeping for schedule
times. Real embedder, Chroma and SQLite; one emulator and bot for the whole package
(each test uses its own people; setting a bot up costs most of a minute).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from bot.app.daily import DailyCog, DailyScheduler
from bot.app.runner import BotRunner
from bot.infra.subscriptions import SubscriptionStore
from bot.services import Services
from bot.testing.discord_emulator import (
    Channel,
    Emulator,
    Guild,
    InteractionRecord,
    MessageRecord,
    User,
)
from tests.app.conftest import WAIT, bot_settings, fresh_data_dir, indexed_data  # noqa: F401


class Clock:
    """A settable clock: the bot's `now()` and the time ticks are driven at."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def pushed(world: DailyWorld, user: User) -> list[MessageRecord]:
    """Messages the bot posted in a person's DMs on its own (not answers to a click)."""
    return [m for m in world.emu.dm_messages(user) if m.interaction_id is None]


@dataclass
class DailyWorld:
    """A running bot on a fake clock, its emulator, a server and some people."""

    emu: Emulator
    services: Services
    runner: BotRunner
    clock: Clock
    guild: Guild
    general: Channel
    quiz: Channel
    owner: User
    manager: User
    people: list[User]

    @property
    def cog(self) -> DailyCog:
        """The loaded /daily cog (a new one after a restart)."""
        assert self.runner.bot is not None
        cog = self.runner.bot.get_cog("DailyCog")
        # Not isinstance: closing a bot unloads its extensions, and the next one imports
        # the modules afresh, so a restarted bot's cog is of a new class object.
        assert cog is not None and type(cog).__name__ == "DailyCog"
        return cast(DailyCog, cog)

    @property
    def scheduler(self) -> DailyScheduler:
        """The scheduler the tests tick."""
        return self.cog.scheduler

    @property
    def subs(self) -> SubscriptionStore:
        """The subscription store (same database as the bot's)."""
        return SubscriptionStore(self.services.store)

    async def person(self, name: str) -> User:
        """A new member of the server (each test uses its own people)."""
        user = self.emu.create_user(name)
        await self.emu.add_member(self.guild, user)
        self.people.append(user)
        return user

    async def slash(
        self, name: str, user: User, where: Channel | None = None, **options: Any
    ) -> InteractionRecord:
        """A person runs a slash command (in `where`, default #general); the bot answers."""
        record = await self.emu.slash(
            name, user=user, channel=where or self.general, options=options
        )
        await self.emu.wait_for_response(record, timeout=WAIT)
        return record

    async def restart(self) -> None:
        """A new bot process, same database (the old client is closed first)."""
        await self.runner.stop()
        self.runner = BotRunner(self.services, clock=self.clock)
        await self.runner.start()
        await self.runner.wait_ready(WAIT)


@pytest.fixture(scope="package")
async def daily_world(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: Any,
    indexed_data: Path,  # noqa: F811
) -> AsyncIterator[DailyWorld]:
    """An emulator with one server (owner, manager) and a bot whose clock the test sets."""
    clock = Clock(datetime(2026, 6, 1, 5, 0, tzinfo=UTC))
    async with Emulator(heartbeat_interval_ms=2_000) as emu:
        owner = emu.create_user("owner")
        guild = await emu.create_guild("study-hall", owner=owner, channels=("general", "quiz"))
        manager = emu.create_user("manager")
        await emu.add_member(guild, manager, manage_guild=True)
        data_dir = fresh_data_dir(tmp_path_factory, indexed_data)
        settings = bot_settings(
            emu, data_dir, llm_model="none", daily_tick_s=0, daily_push_rate=400.0
        )
        services = Services(settings)
        services.embedder = embedder
        runner = BotRunner(services, clock=clock)
        await runner.prepare()
        bot = await runner.start()
        await runner.wait_ready(WAIT)
        await bot.tree.sync()
        world = DailyWorld(
            emu,
            services,
            runner,
            clock,
            guild,
            emu.channel_named(guild, "general"),
            emu.channel_named(guild, "quiz"),
            owner,
            manager,
            [],
        )
        try:
            yield world
        finally:
            await world.runner.stop()
            await asyncio.to_thread(services.close)
        assert emu.stats()["emulator_errors"] == 0
        assert emu.problems() == []
