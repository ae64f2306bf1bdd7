"""The answer modal: one paragraph input, as long as the tutor grades and no longer.

discord.py dispatches a modal's submit only to the Modal object that opened it, which a
restart loses. `ModalRegistry` remembers which answer modals this process opened, so the
quiz cog can answer the submits nobody else will (see `QuizCog.on_interaction`).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import discord

from bot.app.errors import report
from bot.app.quiz._state import QuizState
from bot.core.cards import Card
from bot.core.text import clip
from bot.core.tutor import MAX_ANSWER_CHARS

MODAL_TIMEOUT_S = 30 * 60
"""How long this process keeps an open answer modal (a later submit is still answered)."""

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


class ModalRegistry:
    """Custom ids of the answer modals this process opened (discord.py answers those)."""

    def __init__(self, ttl: float = MODAL_TIMEOUT_S) -> None:
        self.ttl = ttl
        self._open: dict[str, float] = {}

    def opened(self, custom_id: str) -> None:
        """Note a modal just sent; forget the ones past their time."""
        now = time.monotonic()
        self._open = {k: t for k, t in self._open.items() if t > now}
        self._open[custom_id] = now + self.ttl

    def is_open(self, custom_id: str) -> bool:
        """Whether discord.py still holds the modal with this custom id."""
        return self._open.get(custom_id, 0.0) > time.monotonic()


def submitted_text(data: dict[str, Any]) -> str:
    """The first text input's value in a modal submit payload (rows or labels, any nesting)."""

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("value"), str):
                yield node["value"]
            for child in (node.get("components"), node.get("component")):
                yield from walk(child)
        elif isinstance(node, list):
            for child in node:
                yield from walk(child)

    return next(walk(data.get("components") or []), "")
