"""The /quiz command."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.choices import deck_choices, topic_choices
from bot.app.quiz import _flow


class QuizCog(commands.Cog):
    """Quiz yourself (or a study group) on the decks."""

    @app_commands.command(name="quiz")
    @app_commands.describe(
        topic="What to practise, e.g. 'embeddings' (default: whatever is due, then new cards)",
        deck="Only cards from this deck",
        public="Post the question in the channel for a study group (default: only you see it)",
    )
    @app_commands.autocomplete(topic=topic_choices, deck=deck_choices)
    async def quiz(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 100] | None = None,
        deck: app_commands.Range[str, 1, 100] | None = None,
        public: bool = False,
    ) -> None:
        """Quiz yourself: a card that is due for review, or a new one on a topic."""
        await _flow.start_quiz(interaction, topic=topic, deck=deck, public=public)
