"""The one error path of the Discord app: log with context, show the person one line.

Slash commands reach it through `tree.on_error`, answer modals through the quiz cog, and buttons
through `Guarded` (discord.py only logs exceptions raised in a DynamicItem's callback, so
our items catch and forward them here themselves).
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.core.text import clip, neutralize_mentions
from bot.errors import FlashtutorError

log = logging.getLogger(__name__)

GENERIC = "Something went wrong on my side; it has been logged. Please try again."


def friendly(error: BaseException) -> str:
    """The one line a person sees for `error` (our own errors are safe to show verbatim)."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        error = error.__cause__ or error
    if isinstance(error, app_commands.MissingPermissions):
        return "You need the Manage Server permission for that."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That only works in a server, not in direct messages."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that here."
    if isinstance(error, FlashtutorError):
        return clip(str(error), 1500) or GENERIC
    return GENERIC


def describe(interaction: discord.Interaction) -> str:
    """Where an interaction came from, for the log (ids only, never a token)."""
    data: dict[str, Any] = dict(interaction.data or {})
    what = data.get("name") or data.get("custom_id") or interaction.type.name
    return (
        f"{interaction.type.name} {what!s} user={interaction.user.id} "
        f"guild={interaction.guild_id} channel={interaction.channel_id}"
    )


async def report(interaction: discord.Interaction, error: BaseException, where: str) -> None:
    """Log `error` with context and tell the person in one ephemeral line (never twice)."""
    cause = error.__cause__ if isinstance(error, app_commands.CommandInvokeError) else error
    expected = isinstance(cause, FlashtutorError | app_commands.CheckFailure)
    if expected:
        log.info("%s refused (%s): %s", where, describe(interaction), cause)
    else:
        log.error("%s failed (%s)", where, describe(interaction), exc_info=cause)
    text = neutralize_mentions(friendly(error))
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException as exc:  # the interaction expired or Discord is down
        log.warning("could not tell the person about the error (%s): %s", where, exc)


class Guarded:
    """Mixin for DynamicItems: run `act` and send any exception to `report`."""

    async def callback(self, interaction: discord.Interaction) -> None:
        """Discord calls this on a click; errors are reported, never just logged."""
        try:
            await self.act(interaction)
        except Exception as exc:
            await report(interaction, exc, type(self).__name__)

    async def act(self, interaction: discord.Interaction) -> None:
        """What the button does (subclasses implement this)."""
        raise NotImplementedError
