"""E2E harness for chat: the app's bot-against-emulator fixtures, plus conversation helpers.

The `world` fixture (one emulator and one bot per module; a module overrides the
`bot_overrides` fixture to change the bot's settings) comes from `tests/app/conftest.py`,
re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from bot.app.chat import ChatCog
from bot.testing.discord_emulator import Channel, InteractionRecord, MessageRecord, User
from tests.app.conftest import WAIT, Bot, bot_overrides, indexed_data, not_loading, world

__all__ = ["bot_overrides", "indexed_data", "world"]

ZWSP = "\u200b"
CHAT_WAIT = WAIT * 4
"""Each chat reply embeds, searches and grades on a shared 2-core machine: bound hangs generously."""


def text(message: MessageRecord) -> str:
    """A message's current visible text (content and embeds), zero-width spaces removed."""
    return message.text().replace(ZWSP, "")


def cog(world: Bot) -> ChatCog:
    """The running bot's chat cog."""
    assert world.runner.bot is not None
    found = world.runner.bot.get_cog("ChatCog")
    # Not isinstance: discord.py re-imports an extension's modules each time the bot starts.
    assert found is not None and type(found).__name__ == "ChatCog"
    return cast(ChatCog, found)


def bot_messages(world: Bot, channel: Channel | int) -> list[MessageRecord]:
    """The bot's messages in a channel, oldest first."""
    return [m for m in world.emu.channel_messages(channel) if m.by_bot]


async def say(world: Bot, channel: Channel, user: User, content: str) -> MessageRecord:
    """A person types a message."""
    return await world.emu.user_message(channel, user, content)


async def reply_after(
    world: Bot,
    channel: Channel | int,
    after: MessageRecord,
    predicate: Callable[[MessageRecord], bool] = lambda m: True,
    timeout: float = CHAT_WAIT,
) -> MessageRecord:
    """The first bot message in `channel` posted after `after` that matches (edits count)."""
    return await world.emu.wait_for_message(
        channel, lambda m: m.id > after.id and predicate(m), timeout=timeout
    )


async def ack_of(world: Bot, interaction: InteractionRecord) -> MessageRecord:
    """The ephemeral follow-up that answers a /tutor command, once filled in."""
    message = await world.emu.wait_for_followup(interaction, 0, timeout=CHAT_WAIT)
    await world.emu.wait_until(lambda: not_loading(message), CHAT_WAIT, "the command's answer")
    return message


def finished(message: MessageRecord) -> bool:
    """A streamed reply that shows its final text (no cursor, no placeholder)."""
    body = text(message).strip()
    return bool(body) and "▍" not in body and body != "…"
