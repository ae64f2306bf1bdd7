"""The chat's side of answering: grade the answer, then work through what it missed.

A correct answer gets the graded result at once. Otherwise the result shows what was
covered (not what was missed, nor the reference: the dialogue leads there) and the tutor
works through each missed or contradicted point, one reply at a time; when the dialogue ends
the final result is recorded (once) and shown with the reference. Every Tutor call runs in
a worker thread.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import discord

from bot.app import embeds
from bot.app.chat._say import OFFER, fit, say
from bot.app.client import FlashtutorBot
from bot.app.turns import turns_text
from bot.core.cards import Card
from bot.core.chat.conversation import Conversation
from bot.core.dialogue import Answered

REPLY_LINE = "-# reply in your own words, or say **just tell me**, **skip** or **stop**"
PLACE = "discord"


class Dialogues:
    """Grading an answer and each step of the dialogue that follows, in one conversation."""

    def __init__(self, bot: FlashtutorBot) -> None:
        self.bot = bot

    def _now(self) -> datetime:
        return self.bot.now()

    async def answer(
        self, channel: discord.abc.Messageable, conv: Conversation, card: Card, answer: str
    ) -> Conversation:
        """Grade the answer (the same grader as /quiz); record it or open the dialogue."""
        tutor = self.bot.tutor
        now = self._now()
        result: Answered = await asyncio.to_thread(
            tutor.answer,
            conv.user_id,
            card,
            answer,
            now=now,
            guild_id=conv.guild_id,
            place=PLACE,
            hints_used=conv.hints_used,
        )
        grade = result.grade
        if result.dialogue is None:
            embed = embeds.graded_embed(card, grade, hints_used=conv.hints_used)
            await channel.send(content=OFFER, embed=embed)
            summary = f"{grade.verdict} {round(grade.score * 100)}%; missed: " + "; ".join(
                grade.missed
            )
            return conv.graded(answer, grade, now).said("tutor", summary)
        left = len(result.dialogue.queue)
        embed = embeds.graded_embed(card, grade, hints_used=conv.hints_used, to_work_through=left)
        said = turns_text(result.turns)
        await channel.send(content=fit(f"{said}\n{REPLY_LINE}"), embed=embed)
        return conv.discussing(answer, grade, result.dialogue, now).said("tutor", said)

    async def reply(
        self, channel: discord.abc.Messageable, conv: Conversation, card: Card, text: str
    ) -> Conversation:
        """A reply to the hint or prompt, graded against its point only."""
        assert conv.dialogue is not None
        result = await asyncio.to_thread(
            self.bot.tutor.reply, conv.dialogue, card, text, now=self._now()
        )
        return await self.went_on(channel, conv, card, result)

    async def tell(
        self, channel: discord.abc.Messageable, conv: Conversation, card: Card
    ) -> Conversation:
        """ "Just tell me": the point stated, then the next one."""
        assert conv.dialogue is not None
        result = await asyncio.to_thread(self.bot.tutor.tell, conv.dialogue, card, now=self._now())
        return await self.went_on(channel, conv, card, result)

    async def more(
        self, channel: discord.abc.Messageable, conv: Conversation, card: Card
    ) -> Conversation:
        """ "Hint" in a dialogue: the next step on this point at once."""
        assert conv.dialogue is not None
        result = await asyncio.to_thread(self.bot.tutor.more, conv.dialogue, card, now=self._now())
        return await self.went_on(channel, conv, card, result)

    async def leave(
        self, channel: discord.abc.Messageable | None, conv: Conversation, card: Card
    ) -> Conversation:
        """End the dialogue ("skip", "stop", idle): record what was reached; say so if we can."""
        assert conv.dialogue is not None
        result = await asyncio.to_thread(self.bot.tutor.end, conv.dialogue, card, now=self._now())
        if channel is None:
            assert result.final is not None
            return conv.concluded(result.final, self._now())
        return await self.went_on(channel, conv, card, result)

    async def back_to(
        self, channel: discord.abc.Messageable, conv: Conversation, card: Card
    ) -> None:
        """Say again what the dialogue waits on (after a question, or stats)."""
        assert conv.dialogue is not None
        turn = self.bot.tutor.where(conv.dialogue, card)
        if turn is not None:
            await say(channel, f"Back to it: {turns_text([turn])}\n{REPLY_LINE}")

    async def went_on(
        self,
        channel: discord.abc.Messageable,
        conv: Conversation,
        card: Card,
        result: Answered,
    ) -> Conversation:
        """Show what the tutor says next; when the dialogue ended, the recorded result too."""
        now = self._now()
        said = turns_text(result.turns)
        if result.dialogue is not None:
            await say(channel, f"{said}\n{REPLY_LINE}")
            return conv.continued(result.dialogue, now).said("tutor", said)
        assert result.final is not None
        embed = embeds.graded_embed(card, result.final, hints_used=result.help_used)
        await channel.send(content=fit(f"{said}\n{OFFER}"), embed=embed)
        return conv.concluded(result.final, now).said("tutor", said)
