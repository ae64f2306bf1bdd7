"""The answer modal: one paragraph input, as long as the tutor grades and no longer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.app.errors import report
from bot.app.quiz._state import QuizState
from bot.core.cards import Card
from bot.core.text import clip
from bot.core.tutor import MAX_ANSWER_CHARS

MODAL_TIMEOUT_S = 30 * 60
"""A modal left open longer than this is forgotten (Discord's own limit is 15 min).
"""

Submit = Callable[[discord.Interaction, QuizState, str], Awaitable[None]]


class AnswerModal(discord.ui.Modal):
    """Asks for a free-text answer to one card; the grading step runs on submit."""

    answer: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Your answer",
        style=discord.TextStyle.paragraph,
        min_length=1,
        max_length=MAX_ANSWER_CHARS,
        required=True,
    )

    def __init__(self, state: QuizState, card: Card, submit: Submit) -> None:
        title = clip(f"Answer: {card.title or 'the question'}", 45)
        super().__init__(title=title, timeout=MODAL_TIMEOUT_S, custom_id=state.custom_id("modal"))
        self.state = state
        self._submit = submit
        self.answer.placeholder = clip(card.question.strip(), 100)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Grade the answer."""
        await self._submit(interaction, self.state, self.answer.value)

    async def on_error(  # type: ignore[override]  # discord.py's Modal narrows BaseView's
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        """One friendly line for the person, the details in the log."""
        await report(interaction, error, "answer modal")
