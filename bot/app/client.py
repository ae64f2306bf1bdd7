"""The Discord client: one `commands.AutoShardedBot` subclass wired to the `Services` composition root.

Start-up work happens in `setup_hook` (feature extensions, persistent buttons, the dev-guild
command sync); each feature lives in its own module or package under `bot/app/` and is
loaded as an extension, so later features (daily pushes, chat tutoring) plug in the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.app.errors import report
from bot.core.cards import Card
from bot.core.progress import Progress
from bot.core.tutor import Tutor
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.app.quiz",
    "bot.app.ask",
    "bot.app.decks",
    "bot.app.progress",
    "bot.app.daily",
    "bot.app.chat",
)
"""Feature extensions loaded at start, each with a `setup(bot)` function."""
HEARTBEAT_EVERY_S = 30.0
"""How often the heartbeat file is rewritten while the gateway is connected."""


def utc_now() -> datetime:
    """The current time, UTC-aware (the app's only clock; tests may pass another)."""
    return datetime.now(UTC)


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py at another REST base and gateway (the loopback emulator in tests).

    discord.py has no setting for this; these two class attributes are what it reads.
    """
    import discord.gateway
    import discord.http

    if settings.discord_api_url:
        discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def intents_for(settings: Settings) -> discord.Intents:
    """Guilds, guild and DM messages; Message Content only when the setting asks for it."""
    intents = discord.Intents.default()
    intents.message_content = settings.message_content
    intents.typing = False
    return intents


class FlashtutorBot(commands.AutoShardedBot):
    """The flashtutor Discord bot: thin translation from interactions to `Tutor` calls.

    Sharded by `FLASHTUTOR_SHARD_COUNT` / `FLASHTUTOR_SHARD_IDS`: one process runs every
    shard (the default, `auto`: Discord's recommended count) or a range of them, so several
    processes sharing one PostgreSQL database run one bot.
    """

    def __init__(
        self,
        services: Services,
        *,
        clock: Callable[[], datetime] = utc_now,
        extensions: tuple[str, ...] = EXTENSIONS,
    ) -> None:
        shard_count, shard_ids = services.settings.shards()
        sharding: dict[str, Any] = {"shard_count": shard_count}
        if shard_ids is not None:
            sharding["shard_ids"] = shard_ids
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents_for(services.settings),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **sharding,
        )
        self.services = services
        self.settings = services.settings
        self.clock = clock
        self._extensions = extensions
        self._heartbeat_task: asyncio.Task[None] | None = None
        self.tree.error(self._on_tree_error)

    @property
    def tutor(self) -> Tutor:
        """The tutor every feature talks to."""
        return self.services.tutor

    @property
    def progress(self) -> Progress:
        """Leaderboards, forgetting and quiz memory."""
        return self.services.progress

    def now(self) -> datetime:
        """The current time (UTC-aware)."""
        return self.clock()

    async def setup_hook(self) -> None:
        """Load features and persistent buttons; sync commands to the dev guild only."""
        for name in self._extensions:
            await self.load_extension(name)
        if self.settings.dev_guild:
            guild = discord.Object(id=self.settings.dev_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to dev guild %s", len(synced), self.settings.dev_guild)
        if self._heartbeat_task is None:
            self._heartbeat_task = asyncio.create_task(self._heartbeat_loop(), name="heartbeat")

    async def close(self) -> None:
        """Stop the heartbeat, then disconnect."""
        if self._heartbeat_task is not None:
            self._heartbeat_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat_task
            self._heartbeat_task = None
        await super().close()

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report(interaction, error, "command")

    async def on_ready(self) -> None:
        """Log who we are and mark the process healthy."""
        log.info(
            "connected as %s (%s) to %d servers on shards %s of %s",
            self.user,
            self.application_id,
            len(self.guilds),
            self.shard_ids,
            self.shard_count,
        )
        await self.write_heartbeat()

    async def on_resumed(self) -> None:
        """A resumed session is healthy again."""
        await self.write_heartbeat()

    # --- health --------------------------------------------------------------------------

    async def write_heartbeat(self) -> None:
        """Write the current time to the heartbeat file, atomically."""
        path = self.settings.data_dir / "heartbeat"
        stamp = self.now().isoformat()

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # A temporary name per writer: two writes at once (ready, and the periodic beat)
            # must not rename each other's file away.
            fd, tmp = tempfile.mkstemp(prefix=".heartbeat.", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(stamp + "\n")
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise

        try:
            await asyncio.to_thread(write)
        except OSError as exc:
            log.warning("cannot write the heartbeat file %s: %s", path, exc)

    async def _heartbeat_loop(self) -> None:
        await self.wait_until_ready()
        while not self.is_closed():
            if self.is_ready() and math.isfinite(self.latency):
                await self.write_heartbeat()
            await asyncio.sleep(HEARTBEAT_EVERY_S)

    # --- helpers for features -------------------------------------------------------------

    def prewarm(self, card: Card) -> None:
        """Let the LLM read the card while the person types (best effort, off the loop)."""

        def run() -> None:
            try:
                self.tutor.prewarm(card)
            except Exception:  # a prewarm is an optimisation: never let it fail a quiz
                log.debug("prewarm failed", exc_info=True)

        task = asyncio.get_running_loop().run_in_executor(None, run)
        task.add_done_callback(lambda _: None)


def app(interaction: discord.Interaction[Any]) -> FlashtutorBot:
    """The bot an interaction arrived at."""
    return cast(FlashtutorBot, interaction.client)


def guild_scope(interaction: discord.Interaction[Any]) -> str | None:
    """The scope of a server's own decks (its id), or None in DMs."""
    return str(interaction.guild_id) if interaction.guild_id else None
