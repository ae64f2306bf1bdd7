"""/ask: an answer grounded in the cards, streamed into the reply, with the cards cited."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import embeds
from bot.app.client import app, guild_scope
from bot.app.streaming import relay
from bot.core.limits import MAX_QUESTION_CHARS


def sources_line(cited: list[str], titles: dict[str, str]) -> str:
    """The cards an answer rests on, by title."""
    names = [titles.get(card_id, card_id[:8]) for card_id in cited]
    return "Cards: " + "; ".join(names) if names else ""


class AskCog(commands.Cog):
    """Questions answered from the decks."""

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="Your question, e.g. 'What is negative sampling?'",
        public="Post the answer in the channel (default: only you see it)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        public: bool = False,
    ) -> None:
        """Ask the tutor: an answer from the cards, citing them (never a guess)."""
        await interaction.response.defer(ephemeral=not public, thinking=True)
        bot = app(interaction)
        scope = guild_scope(interaction)
        # Searching embeds the question: do it in a worker thread, then stream on the loop.
        chunks = await asyncio.to_thread(bot.tutor.ask, question, scope)

        async def show(text: str) -> None:
            await interaction.edit_original_response(
                embed=embeds.answer_text_embed(question, text, done=False)
            )

        result = await relay(chunks, show)
        text = result.text
        embed = embeds.answer_text_embed(question, text, done=True)
        if result.cited:
            cards = await asyncio.to_thread(bot.tutor.visible_cards, scope)
            titles = {c.card_id: embeds.card_label(c) for c in cards}
            embed.set_footer(text=embeds.safe(sources_line(result.cited, titles), 2048))
        await interaction.edit_original_response(embed=embed)


async def setup(bot: commands.Bot) -> None:
    """Register /ask."""
    await bot.add_cog(AskCog())
