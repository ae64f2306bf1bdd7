"""Autocomplete for topics and decks: what a server can see, filtered by what was typed."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands

from bot.app.client import app, guild_scope
from bot.core.text import clip

MAX_CHOICES = 25


def _matching(names: list[str], typed: str) -> list[app_commands.Choice[str]]:
    typed = typed.strip().casefold()
    seen: set[str] = set()
    out: list[app_commands.Choice[str]] = []
    for name in names:
        key = name.casefold()
        if not name.strip() or key in seen or (typed and typed not in key):
            continue
        seen.add(key)
        value = clip(name.strip(), 100)
        out.append(app_commands.Choice(name=value, value=value))
        if len(out) == MAX_CHOICES:
            break
    return out


async def topic_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Deck titles and card titles visible here that contain what was typed."""
    bot = app(interaction)
    cards = await asyncio.to_thread(bot.tutor.visible_cards, guild_scope(interaction))
    names = sorted({c.deck for c in cards}) + [c.title for c in cards if c.title]
    return _matching(names, current)


async def deck_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Deck names visible here that contain what was typed."""
    bot = app(interaction)
    decks = await asyncio.to_thread(bot.tutor.topics, guild_scope(interaction))
    return _matching([deck for _, deck, _ in decks], current)


async def uploaded_deck_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """This server's own uploaded decks that contain what was typed."""
    scope = guild_scope(interaction)
    if scope is None:
        return []
    rows = await asyncio.to_thread(app(interaction).services.decks.listed, scope)
    return _matching([row.name for row in rows], current)
