"""End-to-end harness: the real bot (in-process via its runner) against the loopback Discord API.

One emulator and one bot per test module (module-scoped), the real embedder shared across
the session, real Chroma and SQLite in a temporary data directory. `test_run.py` starts the
real `flashtutor run` command as a subprocess instead.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.app.runner import BotRunner
from bot.services import Services
from bot.settings import Settings
from bot.testing.discord_emulator import (
    Channel,
    Emulator,
    Guild,
    InteractionRecord,
    MessageRecord,
    User,
)

WAIT = 30.0
"""Generous: the machine is shared; these waits bound a hang, they do not measure speed."""
TOKEN = "e2e-token-not-secret"
LATENCY_LOG = Path(os.environ.get("FLASHTUTOR_E2E_LATENCY_LOG", "/tmp/flashtutor-e2e-ack.jsonl"))


def bot_settings(emu: Emulator, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a bot talking to `emu`, isolated from any `.env` and environment."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "discord_token": TOKEN,
        "discord_api_url": emu.api_base,
        "discord_gateway_url": emu.gateway_url,
        "llm_model": "smollm2-135m",
        "llm_max_tokens": 80,
        "llm_timeout_s": 60.0,
        "log_level": "INFO",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def env_for(settings: Settings) -> dict[str, str]:
    """The same settings as environment variables, for a `flashtutor` subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASHTUTOR_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"FLASHTUTOR_{name.upper()}"] = (
            str(value).lower() if isinstance(value, bool) else str(value)
        )
    return env


@dataclass
class Bot:
    """A running bot, its emulator, and a small world of people to drive it."""

    emu: Emulator
    services: Services
    runner: BotRunner
    guild: Guild
    channel: Channel
    alice: User
    bob: User
    admin: User
    extra: dict[str, Any] = field(default_factory=dict)

    async def slash(
        self, command: str, user: User | None = None, channel: Channel | None = None, **options: Any
    ) -> InteractionRecord:
        """A person runs a slash command."""
        return await self.emu.slash(
            command, user=user or self.alice, channel=channel or self.channel, options=options
        )

    async def reply(
        self,
        interaction: InteractionRecord,
        index: int = 0,
        predicate: Callable[[MessageRecord], bool] | None = None,
    ) -> MessageRecord:
        """The bot's `index`-th follow-up (or a deferred response filled in), once it matches."""
        message = await self.emu.wait_for_followup(interaction, index, timeout=WAIT)
        if predicate is not None:
            await self.emu.wait_until(lambda: predicate(message), WAIT, "the reply to match")
        return message

    async def click(
        self, message: MessageRecord, action: str, user: User | None = None
    ) -> InteractionRecord:
        """Press the button whose custom id starts with `ft:<action>:`."""
        custom_id = button(message, action)
        return await self.emu.click(message, custom_id, user=user or self.alice)

    async def restart(self) -> None:
        """Disconnect and connect again with a brand-new client (persistent buttons must survive)."""
        await self.runner.stop()
        self.runner = BotRunner(self.services)
        await self.runner.start()
        await self.runner.wait_ready(WAIT)


def button(message: MessageRecord, action: str) -> str:
    """The custom id of the `action` button on a message."""
    found = [c for c in message.custom_ids() if c.startswith(f"ft:{action}:")]
    assert found, f"no {action} button on the message: {message.custom_ids()}"
    return found[0]


def embed_text(message: MessageRecord) -> str:
    """Every visible string of a message's current embeds, joined."""
    parts: list[str] = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f.get('name')}\n{f.get('value')}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


def graded_result(message: MessageRecord) -> bool:
    """A quiz answer's result: the reference shown, or, when a partial or wrong answer's
    points are on offer to work through (Work through it), those points instead."""
    shown = embed_text(message)
    return "Reference answer" in shown or "Still to work through" in shown


def not_loading(message: MessageRecord) -> bool:
    """The deferred "thinking…" state has been replaced by real content."""
    return not message.flags & 128 and bool(message.embeds or message.content)


def record_latencies(emu: Emulator, module: str) -> list[float]:
    """Every accepted callback's latency in this emulator, appended to the latency log."""
    latencies = [r.ack_latency for r in emu.interactions.values() if r.ack_latency is not None]
    with LATENCY_LOG.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"module": module, "latencies": latencies}) + "\n")
    return latencies


def assert_all_acknowledged(emu: Emulator) -> None:
    """Every interaction got an accepted first response (the emulator refuses one after 3 s)."""
    late = [
        (
            r.id,
            r.payload.get("data", {}).get("name") or r.payload.get("data", {}).get("custom_id"),
            [(c.status, c.error_code) for c in r.callbacks],
        )
        for r in emu.interactions.values()
        if r.response is None
    ]
    assert not late, f"interactions never acknowledged in time: {late}"
    twice = [
        r.id for r in emu.interactions.values() if any(c.error_code == 40060 for c in r.callbacks)
    ]
    assert not twice, f"interactions the bot tried to answer twice: {twice}"


def assert_no_pings(emu: Emulator) -> None:
    """No version of any bot message could notify anyone, and all disallow parsing mentions."""
    for message in emu.messages.by_id.values():
        if not message.by_bot:
            continue
        for version in message.versions:
            pings = version.pings()
            assert pings == {"users": [], "roles": [], "everyone": False}, (message.id, pings)
            allowed = version.allowed_mentions
            if allowed is not None:
                assert allowed.get("parse") == [], (message.id, allowed)


async def start_bot(
    emu: Emulator, data_dir: Path, embedder: Any, **overrides: Any
) -> tuple[Services, BotRunner]:
    """Prepare services (sharing the session's embedder) and connect a bot to `emu`."""
    services = Services(bot_settings(emu, data_dir, **overrides))
    services.embedder = embedder  # the session's model: loading it again would cost ~10 s
    runner = BotRunner(services)
    await runner.prepare()
    bot = await runner.start()
    await runner.wait_ready(WAIT)
    await bot.tree.sync()  # what `flashtutor sync` does (test_run.py runs the real command)
    return services, runner


@pytest.fixture(scope="session")
def indexed_data(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Path:
    """A data directory with knowledge/ already indexed; modules copy it (embedding is slow)."""
    data_dir = tmp_path_factory.mktemp("indexed-data") / "data"
    services = Services(Settings(_env_file=None, data_dir=data_dir, llm_model="none"))
    services.embedder = embedder
    services.ingest()
    services.close()
    return data_dir


def fresh_data_dir(tmp_path_factory: pytest.TempPathFactory, indexed: Path) -> Path:
    """A private copy of the indexed data directory."""
    target = tmp_path_factory.mktemp("bot-data") / "data"
    shutil.copytree(indexed, target)
    return target


@pytest.fixture(scope="module")
def bot_overrides() -> dict[str, Any]:
    """Settings a test module changes for its bot (override this fixture in the module)."""
    return {}


@pytest.fixture(scope="module")
async def world(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: Any,
    indexed_data: Path,
    bot_overrides: dict[str, Any],
    request: pytest.FixtureRequest,
) -> AsyncIterator[Bot]:
    """An emulator with one server (alice, bob, and an admin) and a connected bot."""
    overrides = bot_overrides
    async with Emulator(heartbeat_interval_ms=2_000) as emu:
        guild = await emu.create_guild("study-hall", channels=("general", "quiz"))
        channel = emu.channel_named(guild, "general")
        alice, bob, admin = emu.create_user("alice"), emu.create_user("bob"), emu.create_user("ada")
        await emu.add_member(guild, alice)
        await emu.add_member(guild, bob)
        await emu.add_member(guild, admin, manage_guild=True)
        data_dir = fresh_data_dir(tmp_path_factory, indexed_data)
        services, runner = await start_bot(emu, data_dir, embedder, **overrides)
        bot = Bot(emu, services, runner, guild, channel, alice, bob, admin)
        try:
            yield bot
        finally:
            record_latencies(emu, request.module.__name__)
            await bot.runner.stop()
            await asyncio.to_thread(services.close)
        # The emulator's own errors, its answers that break Discord's spec, and the bot's
        # bodies that break it (Discord would have refused them).
        assert emu.problems() == []
