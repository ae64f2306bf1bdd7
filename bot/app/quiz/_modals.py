"""The answer and reply modals: one paragraph input, as long as the tutor grades and no longer.

A modal is only a form. discord.py would answer a submit through the Modal object that
opened it, but it keeps that object only from Discord's reply to opening the modal until a
restart: a quick submit (before the reply reached the bot) or a late one (after a restart)
would be dropped. So the modal is sent already stopped, discord.py never holds it, and every
submit is answered in one place, by the quiz cog, from the state in the modal's custom id
(see `QuizCog.on_interaction`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import discord

from bot.app.quiz.state import QuizState, WorkState
from bot.core.cards import Card
from bot.core.limits import MAX_ANSWER_CHARS
from bot.core.text import clip


class AnswerModal(discord.ui.Modal):
    """Asks for a free-text answer to one card; the quiz cog grades the submit."""

    answer: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Your answer",
        style=discord.TextStyle.paragraph,
        min_length=1,
        max_length=MAX_ANSWER_CHARS,
        required=True,
    )

    def __init__(self, state: QuizState, card: Card) -> None:
        title = clip(f"Answer: {card.title or 'the question'}", 45)
        super().__init__(title=title, timeout=None, custom_id=state.custom_id("modal"))
        self.answer.placeholder = clip(card.question.strip(), 100)
        self.stop()  # a form only: discord.py does not store a finished modal


class ReplyModal(discord.ui.Modal):
    """Asks for a reply to the dialogue's hint or prompt; the quiz cog grades the submit."""

    reply: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Your reply",
        style=discord.TextStyle.paragraph,
        min_length=1,
        max_length=MAX_ANSWER_CHARS,
        required=True,
    )

    def __init__(self, work: WorkState, card: Card) -> None:
        title = clip(f"Reply: {card.title or 'the question'}", 45)
        super().__init__(title=title, timeout=None, custom_id=work.custom_id("wm"))
        self.reply.placeholder = "In your own words: the point the hint or prompt is after"
        self.stop()  # a form only, like AnswerModal


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
