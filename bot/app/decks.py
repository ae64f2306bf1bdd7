"""Decks in Discord: /topics for everyone, /deck upload|list|remove|export for server managers.

Every change goes through the `DeckLibrary` (bot.core.decks.library): an upload is saved under
`uploads_dir/<guild id>/`, indexed in that server's scope (visible only there) and listed; the
library's start-up resync makes the index and the list agree with the files on disk.
"""

from __future__ import annotations

import asyncio
import io
import logging
import tempfile
from pathlib import Path

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import embeds
from bot.app.choices import deck_choices, uploaded_deck_choices
from bot.app.client import app, guild_scope
from bot.core.cards import GLOBAL_SCOPE
from bot.core.decks.library import UPLOAD_SUFFIXES, UploadResult, upload_limit
from bot.core.decks.model import ParsedDeck
from bot.core.tutor import scopes_for
from bot.errors import InputError

log = logging.getLogger(__name__)

MAX_ISSUES_SHOWN = 15
MAX_EXPORT_BYTES = 8 * 1024 * 1024
"""Largest export sent as an attachment (Discord's own limit is 10 MB)."""


def upload_report(deck: ParsedDeck, added: int, updated: int, *, wanted: str = "") -> str:
    """What an upload did, with each bad card as `line N: reason`."""
    lines = []
    if deck.cards:
        lines.append(
            f"Deck **{deck.name}**: {len(deck.cards)} cards ready ({added} new, {updated} changed)."
        )
        if wanted and wanted != deck.name:
            lines.append(f"(“{wanted}” was taken by another file, so this deck is “{deck.name}”.)")
    else:
        lines.append(f"Deck **{deck.name}** was not saved: it has no usable cards.")
    if deck.issues:
        lines.append(f"{len(deck.issues)} problem(s), those cards were skipped:")
        lines += [f"- line {i.line}: {i.reason}" for i in deck.issues[:MAX_ISSUES_SHOWN]]
        if len(deck.issues) > MAX_ISSUES_SHOWN:
            lines.append(f"- … and {len(deck.issues) - MAX_ISSUES_SHOWN} more")
    if deck.warnings:
        lines.append(
            f"{len(deck.warnings)} card(s) were read leniently (see `flashtutor decks check`)."
        )
    return "\n".join(lines)


def _result_text(result: UploadResult) -> str:
    return upload_report(result.deck, result.added, result.updated, wanted=result.wanted_name)


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
    @app_commands.describe(
        file="A deck: .md/.txt (flashcard format), .csv/.tsv up to 1 MB, or an Anki .apkg/.colpkg"
        " up to 8 MB"
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def upload(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        """Add or replace a deck for this server; bad cards are reported and skipped."""
        suffix = Path(file.filename).suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            kinds = ", ".join(sorted(UPLOAD_SUFFIXES))
            raise InputError(f"Upload a deck file ({kinds}); got “{file.filename}”.")
        limit = upload_limit(file.filename)
        if file.size > limit:
            raise InputError(
                f"That file is {file.size:,} bytes; this kind of deck may be at most {limit:,}."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        bot = app(interaction)
        result = await asyncio.to_thread(
            bot.services.decks.upload,
            str(interaction.guild_id),
            file.filename,
            data,
            now=bot.now(),
        )
        await interaction.followup.send(embed=embeds.notice(_result_text(result)), ephemeral=True)

    @deck.command(name="list")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def list_(self, interaction: discord.Interaction) -> None:
        """This server's uploaded decks."""
        rows = await asyncio.to_thread(
            app(interaction).services.decks.listed, str(interaction.guild_id)
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
        library = app(interaction).services.decks
        removed = await asyncio.to_thread(library.remove, str(interaction.guild_id), name)
        text = f"Removed deck **{name}** ({removed} cards)."
        await interaction.followup.send(embed=embeds.notice(text), ephemeral=True)

    @deck.command(name="export")
    @app_commands.describe(name="A deck you can study here (its subdecks come along)")
    @app_commands.autocomplete(name=deck_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def export(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]
    ) -> None:
        """Download a deck as an Anki package (.apkg) to import into Anki."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        library = app(interaction).services.decks
        scopes = scopes_for(guild_scope(interaction))

        def export() -> bytes:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "deck.apkg"
                library.export(scopes, name, out)
                return out.read_bytes()

        data = await asyncio.to_thread(export)
        if len(data) > MAX_EXPORT_BYTES:
            raise InputError(f"That deck's package is {len(data):,} bytes, too large to send here.")
        filename = f"{''.join(c if c.isalnum() or c in '-_' else '_' for c in name)[:60]}.apkg"
        await interaction.followup.send(
            embed=embeds.notice(f"Deck **{name}** as an Anki package: open it with Anki."),
            file=discord.File(io.BytesIO(data), filename=filename),
            ephemeral=True,
        )


async def setup(bot: commands.Bot) -> None:
    """Register /topics and /deck."""
    await bot.add_cog(DecksCog())
