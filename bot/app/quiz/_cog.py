"""The /quiz command."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.choices import deck_choices, topic_choices
from bot.app.client import FlashtutorBot
from bot.app.errors import report
from bot.app.quiz import _flow, _work
from bot.app.quiz._modals import submitted_text
from bot.app.quiz.buttons import STEPS_COG
from bot.app.quiz.state import QuizState, WorkState, template, work_template
from bot.errors import InputError

log = logging.getLogger(__name__)

MODAL_ID = re.compile(template("modal"))
REPLY_ID = re.compile(work_template("wm"))
SWEEP_EVERY_S = 60.0
"""How often dialogues left idle under quiz results are closed (and recorded)."""
NOT_YOUR_FORM = "That form belongs to someone else: use your own quiz's buttons."


class QuizCog(commands.Cog, name=STEPS_COG):
    """Quiz yourself (or a study group) on the decks; the quiz buttons' steps (`QuizSteps`)."""

    def __init__(self, bot: FlashtutorBot) -> None:
        self.bot = bot
        self._sweeper: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        """Start the sweep of idle Work-through-it dialogues."""
        self._sweeper = asyncio.create_task(self._sweep_loop(), name="quiz-idle-sweep")

    async def cog_unload(self) -> None:
        """Stop the sweep."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper

    async def _sweep_loop(self) -> None:
        await self.bot.wait_until_ready()
        while not self.bot.is_closed():
            try:
                closed = await asyncio.to_thread(self.bot.tutor.close_idle_attempts, self.bot.now())
                if closed:
                    log.info("closed %d idle quiz dialogue(s)", closed)
            except Exception:  # a failed sweep is retried next round; never kill the loop
                log.exception("idle quiz dialogue sweep failed")
            await asyncio.sleep(SWEEP_EVERY_S)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Grade every answer- and reply-modal submit (discord.py never holds the modals:
        see _modals)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if match := MODAL_ID.fullmatch(custom_id):
            state = QuizState.from_match(match)
            try:
                if state.owner_id != interaction.user.id:  # each person gets their own modal
                    raise InputError("That answer form belongs to someone else: press Answer.")
                await _flow.grade_answer(interaction, state, submitted_text(data))
            except Exception as exc:
                await report(interaction, exc, "answer modal")
        elif match := REPLY_ID.fullmatch(custom_id):
            work = WorkState.from_match(match)
            try:
                if work.owner_id != interaction.user.id:
                    raise InputError(NOT_YOUR_FORM)
                card = await _flow.load_card(interaction, work.card_id)
                await _work.reply(interaction, work, card, submitted_text(data))
            except Exception as exc:
                await report(interaction, exc, "reply modal")

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

    async def work_through(self, interaction: discord.Interaction, state: QuizState) -> None:
        """Begin (or resume) working through the answer's missed points, privately."""
        await _work.work_through(
            interaction, state, await _flow.load_card(interaction, state.card_id)
        )

    async def open_reply(self, interaction: discord.Interaction, work: WorkState) -> None:
        """Open the reply modal for the dialogue's current step."""
        await _work.open_reply(interaction, work, await _flow.load_card(interaction, work.card_id))

    async def tell(self, interaction: discord.Interaction, work: WorkState) -> None:
        """ "Just tell me": state the current point and go on."""
        await _work.tell(interaction, work, await _flow.load_card(interaction, work.card_id))

    async def leave(self, interaction: discord.Interaction, work: WorkState) -> None:
        """Leave the dialogue: record what was reached."""
        await _work.leave(interaction, work, await _flow.load_card(interaction, work.card_id))
