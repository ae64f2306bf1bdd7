"""Posting in a conversation: text fit for a message, one send, a streamed reply."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import discord

from bot.app.streaming import relay
from bot.core.cards import Card
from bot.core.chat.conversation import Conversation
from bot.core.explainer import Chunk, ExplainResult
from bot.core.text import clip, neutralize_mentions

log = logging.getLogger(__name__)

MESSAGE_MAX = 2000
COMMANDS_LINE = "say **hint**, **skip** or **stop** any time"
OFFER = "Say **explain** for an explanation, **why?** to ask about it, or **next** to move on."


def fit(text: str) -> str:
    """Text fit for a message: mentions defused, within Discord's 2000 characters."""
    return clip(neutralize_mentions(text.strip()), MESSAGE_MAX) or "…"


def question_text(card: Card, reason: str = "") -> str:
    """How the tutor asks a card in a conversation."""
    why = {"due": "due for review", "new": "new card", "practice": "practice"}.get(reason, "")
    foot = f"{why} · " if why else ""
    return (
        f"**{card.title or 'Question'}**\n{card.question.strip()}\n"
        f"-# {foot}type your answer, or {COMMANDS_LINE}"
    )


def farewell(conv: Conversation) -> str:
    """What the tutor says when the person stops."""
    return (
        f"Good work! This time: {conv.answered} answered, {conv.correct} correct. "
        "Your progress is saved; start again any time with /tutor."
    )


async def say(
    channel: discord.abc.Messageable, text: str = "", *, embed: discord.Embed | None = None
) -> discord.Message:
    """Post in the conversation (never pings: text defused, and the client allows none)."""
    if embed is None:
        return await channel.send(content=fit(text))
    return await channel.send(content=fit(text) if text else None, embed=embed)


async def stream(
    channel: discord.abc.Messageable, header: str, chunks: AsyncIterator[Chunk]
) -> ExplainResult:
    """Show LLM text growing in one message (edits paced by `relay`), then the checked text."""
    message = await say(channel, header + "…")

    async def show(text: str) -> None:
        await message.edit(content=fit(header + text + " ▍"))

    result = await relay(chunks, show)
    await message.edit(content=fit(header + result.text))
    return result


async def find_channel(client: discord.Client, channel_id: str) -> discord.abc.Messageable | None:
    """A conversation's channel, from the cache or Discord; None when it is gone."""
    found = client.get_channel(int(channel_id))
    if isinstance(found, discord.abc.Messageable):
        return found
    try:
        fetched = await client.fetch_channel(int(channel_id))
    except discord.HTTPException:
        return None
    return fetched if isinstance(fetched, discord.abc.Messageable) else None


async def post_to(client: discord.Client, channel_id: str, text: str) -> None:
    """Say something in a conversation's channel, if it is still there (best effort)."""
    channel = await find_channel(client, channel_id)
    if channel is None:
        return
    try:
        await say(channel, text)
    except discord.HTTPException as exc:
        log.info("could not post to %s: %s", channel_id, exc)
