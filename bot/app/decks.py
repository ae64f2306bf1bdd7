"""Decks in Discord: /topics for everyone, /deck upload|list|remove for server managers.

An uploaded deck is saved under `uploads_dir/<guild id>/`, indexed in that server's scope
(visible only there) and registered in the progress store. `sync_uploaded_decks` re-indexes
those files at start-up, so the files on disk are the truth.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from pathlib import Path

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import embeds
from bot.app.choices import uploaded_deck_choices
from bot.app.client import app, guild_scope
from bot.core.cards import GLOBAL_SCOPE
from bot.core.decks import ParsedDeck, load_deck_file, parse_deck_bytes
from bot.errors import InputError
from bot.services import Services

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 1024 * 1024
UPLOAD_SUFFIXES = (".md", ".txt", ".csv", ".tsv")
MAX_ISSUES_SHOWN = 15
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(filename: str) -> str:
    """A file name that cannot leave its folder or hide: letters, digits, `._-` only."""
    base = re.split(r"[\\/]", filename)[-1]
    path = Path(base)
    stem = _UNSAFE.sub("_", path.stem).strip("._-")[:80] or "deck"
    return stem + path.suffix.lower()


def _deck_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in UPLOAD_SUFFIXES
    )


def sync_uploaded_decks(services: Services) -> int:
    """Index every server's uploaded deck files in its scope; returns the cards indexed."""
    root = services.settings.uploads_dir
    if not root.is_dir():
        return 0
    total = 0
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or not folder.name.isdigit():
            continue
        decks = [load_deck_file(p, scope=folder.name) for p in _deck_files(folder)]
        cards = [c for d in decks for c in d.cards]
        # Authoritative for the whole scope: a deck whose file is gone leaves the index too.
        services.index.sync(cards, scope=folder.name)
        total += len(cards)
    log.info("uploaded decks: %d cards re-indexed", total)
    return total


def save_upload(folder: Path, filename: str, data: bytes) -> Path:
    """Write an upload atomically, replacing any earlier file of the same deck."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / filename
    tmp = folder / f".{filename}.tmp"
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    for other in _deck_files(folder):  # a.md then a.csv: one deck "a", one file
        if other.stem == target.stem and other != target:
            other.unlink(missing_ok=True)
    return target


def upload_report(deck: ParsedDeck, added: int, updated: int) -> str:
    """What an upload did, with each bad card as `line N: reason`."""
    lines = []
    if deck.cards:
        lines.append(
            f"Deck **{deck.name}**: {len(deck.cards)} cards ready ({added} new, {updated} changed)."
        )
    else:
        lines.append(f"Deck **{deck.name}** was not saved: it has no usable cards.")
    if deck.issues:
        lines.append(f"{len(deck.issues)} problem(s), those cards were skipped:")
        lines += [f"- line {i.line}: {i.reason}" for i in deck.issues[:MAX_ISSUES_SHOWN]]
        if len(deck.issues) > MAX_ISSUES_SHOWN:
            lines.append(f"- … and {len(deck.issues) - MAX_ISSUES_SHOWN} more")
    return "\n".join(lines)


class DecksCog(commands.Cog):
    """What there is to study, and managing a server's own decks."""

    deck = app_commands.Group(
        name="deck",
        description="Manage this server's own decks (needs Manage Server)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @app_commands.command(name="topics")
    async def topics(self, interaction: discord.Interaction) -> None:
        """The decks you can study here and how many cards each has."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        rows = await asyncio.to_thread(app(interaction).tutor.topics, guild_scope(interaction))
        shipped = [f"• **{deck}**: {n} cards" for scope, deck, n in rows if scope == GLOBAL_SCOPE]
        own = [f"• **{deck}**: {n} cards" for scope, deck, n in rows if scope != GLOBAL_SCOPE]
        parts = ["**Decks for everyone**", *(shipped or ["(none)"])]
        if interaction.guild_id:
            parts += ["", "**This server's decks**", *(own or ["(none yet: /deck upload)"])]
        parts += ["", "Start with `/quiz topic:<something>` or `/quiz deck:<name>`."]
        await interaction.followup.send(embed=embeds.notice("\n".join(parts)), ephemeral=True)

    @deck.command(name="upload")
    @app_commands.describe(file="A deck: .md/.txt (flashcard format), .csv or .tsv, up to 1 MB")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def upload(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        """Add or replace a deck for this server; bad cards are reported and skipped."""
        name = safe_filename(file.filename)
        if Path(name).suffix not in UPLOAD_SUFFIXES:
            raise InputError(f"Upload a {', '.join(UPLOAD_SUFFIXES)} file (got “{file.filename}”).")
        if file.size > MAX_UPLOAD_BYTES:
            raise InputError(f"That file is {file.size:,} bytes; decks may be at most 1 MB.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        if len(data) > MAX_UPLOAD_BYTES:
            raise InputError("That file is larger than 1 MB.")
        bot = app(interaction)
        scope = str(interaction.guild_id)

        def ingest() -> str:
            deck = parse_deck_bytes(data, filename=name, scope=scope)
            if not deck.cards:
                return upload_report(deck, 0, 0)
            path = save_upload(bot.settings.uploads_dir / scope, name, data)
            report = bot.services.index.sync(deck.cards, scope=scope, decks=[deck.name])
            bot.services.store.add_deck(
                scope=scope, name=deck.name, path=str(path), cards=len(deck.cards), now=bot.now()
            )
            return upload_report(deck, report.added, report.updated)

        text = await asyncio.to_thread(ingest)
        await interaction.followup.send(embed=embeds.notice(text), ephemeral=True)

    @deck.command(name="list")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def list_(self, interaction: discord.Interaction) -> None:
        """This server's uploaded decks."""
        rows = await asyncio.to_thread(
            app(interaction).services.store.list_decks, str(interaction.guild_id)
        )
        lines = [
            f"• **{r.name}**: {r.cards} cards, added {discord.utils.format_dt(r.added_at, 'R')}"
            for r in rows
        ]
        text = "\n".join(lines) or "No decks uploaded yet: use /deck upload."
        await interaction.response.send_message(embed=embeds.notice(text), ephemeral=True)

    @deck.command(name="remove")
    @app_commands.describe(name="The uploaded deck to remove")
    @app_commands.autocomplete(name=uploaded_deck_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def remove(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]
    ) -> None:
        """Remove one of this server's uploaded decks (progress on it is kept)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot = app(interaction)
        scope = str(interaction.guild_id)

        def remove() -> int:
            removed = bot.services.index.remove_deck(scope, name)
            known = bot.services.store.remove_deck(scope, name)
            for path in _deck_files(bot.settings.uploads_dir / scope):
                if path.stem == name:
                    path.unlink(missing_ok=True)
            if not removed and not known:
                raise InputError(f"This server has no deck named “{name}” (see /deck list).")
            return removed

        removed = await asyncio.to_thread(remove)
        text = f"Removed deck **{name}** ({removed} cards)."
        await interaction.followup.send(embed=embeds.notice(text), ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    """Register /topics and /deck."""
    await bot.add_cog(DecksCog())
