"""The /quiz command."""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.choices import deck_choices, topic_choices
from bot.app.errors import report
from bot.app.quiz import _flow
from bot.app.quiz._modals import submitted_text
from bot.app.quiz.buttons import STEPS_COG
from bot.app.quiz.state import QuizState, template
from bot.errors import InputError

MODAL_ID = re.compile(template("modal"))


class QuizCog(commands.Cog, name=STEPS_COG):
    """Quiz yourself (or a study group) on the decks; the quiz buttons' steps (`QuizSteps`)."""

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Grade every answer-modal submit (discord.py never holds the modals: see _modals)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        match = MODAL_ID.fullmatch(custom_id)
        if match is None:
            return
        state = QuizState.from_match(match)
        try:
            if state.owner_id != interaction.user.id:  # each person gets their own modal
                raise InputError("That answer form belongs to someone else: press Answer.")
            await _flow.grade_answer(interaction, state, submitted_text(data))
        except Exception as exc:
            await report(interaction, exc, "answer modal")

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

    # --- the steps the quiz buttons hand their clicks to (bot.app.quiz.buttons.QuizSteps) --

    async def open_answer(self, interaction: discord.Interaction, state: QuizState) -> None:
        """Open the answer modal for the person who pressed Answer."""
        await _flow.open_answer(interaction, state)

    async def show_hint(self, interaction: discord.Interaction, state: QuizState) -> None:
        """Show one more hint."""
        await _flow.show_hint(interaction, state)

    async def skip_card(
        self, interaction: discord.Interaction, state: QuizState, *, skipped: bool
    ) -> None:
        """Skip (or reveal) the card and show its answer."""
        await _flow.skip_card(interaction, state, skipped=skipped)

    async def explain(self, interaction: discord.Interaction, state: QuizState) -> None:
        """Stream an explanation of the graded answer."""
        await _flow.explain(interaction, state)

    async def next_card(self, interaction: discord.Interaction, state: QuizState) -> None:
        """Post the next card of the same quiz."""
        await _flow.next_card(interaction, state)
