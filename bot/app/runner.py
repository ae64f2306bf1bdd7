"""Start and stop the Discord bot: prepare the tutor, connect, shut down cleanly.

`serve` is what `flashtutor run` calls; tests drive `BotRunner` directly to run the same bot
in-process, and restart it, against the loopback Discord API.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from datetime import datetime

import discord

from bot.app.client import FlashtutorBot, configure_endpoints, utc_now
from bot.app.priority import favour_running_loop, freeze_startup_heap
from bot.errors import ConfigError
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger(__name__)

TOKEN_HELP = (
    "FLASHTUTOR_DISCORD_TOKEN is not set: create a Discord application and bot, then put its "
    "token in the environment or .env (see docs/DISCORD_SETUP.md, linked from the README); "
    "meanwhile `make quiz` runs the same tutor in this terminal"
)


def require_token(settings: Settings) -> str:
    """The bot token, or a ConfigError that says how to get one (the token is never logged)."""
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise ConfigError(TOKEN_HELP)
    return token


def prepare(services: Services) -> None:
    """Blocking start-up work: index the decks, warm the models (`Services.warm_up`)."""
    cards = services.warm_up()
    log.info("decks: %d cards indexed (shipped and uploaded)", cards)


class BotRunner:
    """One bot connection over a prepared `Services`; can be stopped and started again."""

    def __init__(self, services: Services, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.services = services
        self.clock = clock
        self.bot: FlashtutorBot | None = None
        self._task: asyncio.Task[None] | None = None

    async def prepare(self) -> None:
        """`prepare` the services in a worker thread, with the event loop favoured first.

        The models load in a background-priority worker, so the thread pools they start
        (onnxruntime's, llama.cpp's) yield the CPU to the event loop (`bot.app.priority`).
        """
        favour_running_loop()
        await asyncio.to_thread(prepare, self.services)
        freeze_startup_heap()

    async def start(self) -> FlashtutorBot:
        """Log in (which runs `setup_hook`) and connect in the background."""
        favour_running_loop()
        token = require_token(self.services.settings)
        configure_endpoints(self.services.settings)
        bot = FlashtutorBot(self.services, clock=self.clock)
        try:
            await bot.login(token)
        except discord.LoginFailure:
            await bot.close()
            raise ConfigError(
                "Discord rejected FLASHTUTOR_DISCORD_TOKEN: copy the bot token again "
                "(see docs/DISCORD_SETUP.md)"
            ) from None
        self.bot = bot
        self._task = asyncio.create_task(bot.connect(reconnect=True), name="discord-connect")
        return bot

    async def wait_ready(self, timeout: float = 60.0) -> FlashtutorBot:
        """Wait until the gateway session is ready (raises if the connection failed first)."""
        assert self.bot is not None and self._task is not None, "start() first"
        ready = asyncio.create_task(self.bot.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if self._task in done:
                self._task.result()  # raises the connection error
            raise TimeoutError("the bot did not become ready in time")
        return self.bot

    async def wait_closed(self) -> None:
        """Until the connection task ends (an error ends it: it is raised here)."""
        if self._task is not None:
            await self._task

    async def stop(self) -> None:
        """Disconnect; the services stay open (a restart reuses them)."""
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, discord.ConnectionClosed):
                await self._task
        self.bot = None
        self._task = None


def _friendly_connect_error(exc: BaseException) -> ConfigError | None:
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return ConfigError(
            "Discord refused the Message Content intent: enable it for the bot in the "
            "Developer Portal, or set FLASHTUTOR_MESSAGE_CONTENT=false"
        )
    if isinstance(exc, discord.LoginFailure):
        return ConfigError("Discord rejected FLASHTUTOR_DISCORD_TOKEN")
    return None


async def serve(settings: Settings) -> int:
    """Run the bot until SIGTERM or SIGINT; then close the client, the LLM and the store."""
    require_token(settings)
    services = Services(settings)
    runner = BotRunner(services)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    # A heartbeat left by an earlier run would pass health checks before this run connects.
    (settings.data_dir / "heartbeat").unlink(missing_ok=True)
    try:
        await runner.prepare()
        await runner.start()
        assert runner._task is not None
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({stopper, runner._task}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if runner._task in done and runner._task.exception() is not None:
            exc = runner._task.exception()
            assert exc is not None
            raise _friendly_connect_error(exc) or exc
        log.info("shutting down")
        return 0
    finally:
        await runner.stop()
        await asyncio.to_thread(services.close)
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


async def sync_commands(settings: Settings, *, guild_id: int | None = None) -> list[str]:
    """Publish the slash commands globally (or to one server); returns their names.

    Only REST is used: no gateway connection, no models loaded.
    """
    token = require_token(settings)
    configure_endpoints(settings)
    services = Services(settings)
    bot = FlashtutorBot(services)
    try:
        async with bot:
            try:
                await bot.login(token)
            except discord.LoginFailure:
                raise ConfigError("Discord rejected FLASHTUTOR_DISCORD_TOKEN") from None
            if guild_id is not None:
                guild = discord.Object(id=guild_id)
                bot.tree.copy_global_to(guild=guild)
                synced = await bot.tree.sync(guild=guild)
            else:
                synced = await bot.tree.sync()
            return [c.name for c in synced]
    finally:
        services.close()
