"""What each step of a tutoring conversation does, given the channel it happens in.

`Tutoring` holds the conversation store and one lock per channel, so two messages of one
conversation are handled in order and the idle sweep never closes a conversation that is
answering. An answer, and the dialogue on what it missed, are `_dialogue`'s; posting is
`_say`'s. Every Tutor and store call runs in a worker thread; the tutor's LLM text streams
by editing one reply (`bot.app.streaming.relay`), then shows the checked text.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import discord

from bot.app.chat._dialogue import Dialogues
from bot.app.chat._say import farewell, find_channel, post_to, question_text, say, stream
from bot.app.client import FlashtutorBot
from bot.core.cards import Card
from bot.core.chat.conversation import IDLE_AFTER, Conversation, Phase
from bot.core.chat.reading import (
    Command,
    Kind,
    context_question,
    is_anaphoric,
    parse_command,
    read_message,
)
from bot.core.explainer import ExplainResult
from bot.core.hints import max_score_for
from bot.core.limits import MAX_QUESTION_CHARS
from bot.core.ports_features import ConversationBook
from bot.core.text import clip
from bot.core.tutor import Tutor
from bot.errors import CardNotFound

log = logging.getLogger(__name__)

Channel = discord.abc.Messageable
PLACE_DM = "dm"


def thread_place(parent_id: int) -> str:
    """The place of a conversation held in a private thread of channel `parent_id`."""
    return f"channel:{parent_id}"


class Tutoring:
    """Runs conversations: starting, reading each message, and closing idle ones."""

    def __init__(self, bot: FlashtutorBot, store: ConversationBook) -> None:
        self.bot = bot
        self.store = store
        self._locks: dict[int, asyncio.Lock] = {}
        self.dialogues = Dialogues(bot)

    @property
    def tutor(self) -> Tutor:
        """The tutor every conversation talks to."""
        return self.bot.tutor

    def lock(self, channel_id: int) -> asyncio.Lock:
        """The lock that orders the work of one channel."""
        found = self._locks.get(channel_id)
        if found is None:
            if len(self._locks) > 1000:  # forget idle locks; a held one is never dropped
                for key in [k for k, v in self._locks.items() if not v.locked()]:
                    del self._locks[key]
            found = self._locks[channel_id] = asyncio.Lock()
        return found

    async def say(
        self, channel: Channel, text: str = "", *, embed: discord.Embed | None = None
    ) -> discord.Message:
        """Post in the conversation (never pings: text defused, and the client allows none)."""
        return await say(channel, text, embed=embed)

    async def save(self, conv: Conversation) -> None:
        """Persist the conversation."""
        await asyncio.to_thread(self.store.save, conv)

    async def _card(self, conv: Conversation) -> Card | None:
        if conv.card_id is None:
            return None
        try:
            card: Card = await asyncio.to_thread(self.tutor.card, conv.card_id, conv.guild_id)
        except CardNotFound:  # its deck was removed or edited since
            return None
        return card

    # --- starting and asking ---------------------------------------------------------------

    async def start(
        self,
        channel: Channel,
        *,
        user_id: int,
        place: str,
        channel_id: int,
        guild_id: str | None,
        topic: str | None,
        intro: str,
        owner_name: str = "",
    ) -> Conversation | None:
        """Open a conversation (closing the person's old one in this place); ask the first card."""
        now = self.bot.now()
        old = await asyncio.to_thread(self.store.get, str(user_id), place)
        if old is not None:
            await self._settle(old)  # a dialogue left open is recorded as it stood
        if old is not None and old.channel_id != str(channel_id):
            await post_to(
                self.bot, old.channel_id, "This conversation is closed: a new one started."
            )
        conv = Conversation(
            user_id=str(user_id),
            place=place,
            channel_id=str(channel_id),
            started_at=now,
            last_active=now,
            guild_id=guild_id,
            topic=topic,
            extra={"owner": owner_name} if owner_name else {},
        )
        async with self.lock(channel_id):
            await self.say(channel, intro)
            asked = await self.ask_next(channel, conv)
            if asked is None:
                await asyncio.to_thread(self.store.close_conversation, str(user_id), place)
            return asked

    async def ask_next(self, channel: Channel, conv: Conversation) -> Conversation | None:
        """Pick and ask the next card; None (after saying so) when there is none."""
        pick = await asyncio.to_thread(
            self.tutor.next_card,
            conv.user_id,
            now=self.bot.now(),
            guild_id=conv.guild_id,
            topic=conv.topic,
            exclude=set(conv.recent_cards),
        )
        if pick is None and conv.recent_cards:  # a small topic: allow repeats
            pick = await asyncio.to_thread(
                self.tutor.next_card,
                conv.user_id,
                now=self.bot.now(),
                guild_id=conv.guild_id,
                topic=conv.topic,
                exclude={conv.card_id} if conv.card_id else set(),
            )
        if pick is None:
            where = f" on “{conv.topic}”" if conv.topic else ""
            await self.say(channel, f"I found no cards{where}. See /topics for what there is.")
            return None
        self.bot.prewarm(pick.card)
        text = question_text(pick.card, pick.reason)
        await self.say(channel, text)
        conv = conv.asking(pick.card.card_id, self.bot.now()).said("tutor", pick.card.question)
        await self.save(conv)
        return conv

    # --- one message -----------------------------------------------------------------------

    async def handle(self, channel: Channel, conv: Conversation, text: str) -> None:
        """Read one message of the conversation's owner and answer it; the state is saved."""
        card = await self._card(conv)
        if card is None:
            await self.say(channel, "That card is no longer available; here is another.")
            asked = await self.ask_next(channel, conv.touched(self.bot.now()))
            if asked is None:
                await self.close(conv)
            return
        signals = None
        expecting = conv.phase in (Phase.ASKING, Phase.DIALOGUE)
        if expecting and parse_command(text, conv.phase) is None:
            signals = await asyncio.to_thread(self.tutor.signals, text, card, conv.guild_id)
        reading = read_message(text, conv.phase, signals)
        log.debug("chat message read as %s %s", reading.kind, reading.reasons)
        if reading.kind is Kind.EMPTY:
            return
        conv = conv.said("person", text).touched(self.bot.now())
        if reading.kind is Kind.ANSWER and conv.phase is Phase.DIALOGUE:
            conv = await self.dialogues.reply(channel, conv, card, text)
        elif reading.kind is Kind.ANSWER:
            conv = await self.dialogues.answer(channel, conv, card, text)
        elif reading.kind is Kind.QUESTION:
            conv = await self.question(
                channel, conv, card, text, about_pending=reading.about_pending
            )
        else:
            assert reading.command is not None
            updated = await self.command(channel, conv, card, reading.command)
            if updated is None:
                return
            conv = updated
        await self.save(conv)

    async def command(
        self, channel: Channel, conv: Conversation, card: Card, command: Command
    ) -> Conversation | None:
        """Carry out a command word; None when the conversation ended."""
        if conv.phase is Phase.DIALOGUE and conv.dialogue is not None:
            return await self.in_dialogue(channel, conv, card, command)
        if command is Command.STOP:
            await self.close(conv, farewell(conv))
            return None
        if command is Command.STATS:
            await self.say(channel, await self.stats_text(conv))
            if conv.phase is Phase.ASKING:
                await self.say(channel, f"Back to the question: {card.question.strip()}")
            return conv
        if command is Command.HINT:
            return await self.hint(channel, conv, card)
        if command in (Command.SKIP, Command.NEXT) or (
            command is Command.TELL and conv.phase is Phase.ASKING
        ):
            if conv.phase is Phase.ASKING:
                await asyncio.to_thread(
                    self.tutor.skip,
                    conv.user_id,
                    card,
                    now=self.bot.now(),
                    guild_id=conv.guild_id,
                    place="discord",
                )
                answer = clip(card.answer.strip(), 1500)
                await self.say(channel, f"Skipped. The answer was:\n{answer}")
                conv = conv.revealed(self.bot.now())
            return await self.move_on(channel, conv)
        if command is Command.WHY and conv.subject is not None:  # about the last question
            asked = context_question("why?", None, conv.subject)
            return await self.answer(channel, conv, asked, after=conv.phase)
        if conv.phase is Phase.ASKING:  # explain / why before answering would give it away
            await self.say(channel, "Have a go first: type your answer, or say **hint**.")
            return conv
        grade = conv.grade()
        if command is Command.EXPLAIN and grade is not None and conv.last_answer is not None:
            result = await stream(channel, "", self.tutor.explain(card, conv.last_answer, grade))
            await self.say(channel, "Say **next** when you're ready, or ask me anything.")
            return conv.said("tutor", result.text)
        # "why?" (or "explain" after a skip): a grounded answer about the card in question.
        return await self.answer(channel, conv, context_question("why?", card), after=Phase.GRADED)

    async def in_dialogue(
        self, channel: Channel, conv: Conversation, card: Card, command: Command
    ) -> Conversation | None:
        """A command word while working through an answer's missed points."""
        dialogues = self.dialogues
        if command in (Command.TELL, Command.EXPLAIN):
            return await dialogues.tell(channel, conv, card)
        if command is Command.HINT:
            return await dialogues.more(channel, conv, card)
        if command in (Command.SKIP, Command.NEXT, Command.STOP):
            conv = await dialogues.leave(channel, conv, card)
            if command is not Command.STOP:
                return await self.move_on(channel, conv)
            await self.close(conv, farewell(conv))
            return None
        if command is Command.STATS:
            await self.say(channel, await self.stats_text(conv))
        else:  # "why?" now would only give the point away
            await self.say(channel, "Have a go first: reply, or say **just tell me**.")
        await dialogues.back_to(channel, conv, card)
        return conv

    async def move_on(self, channel: Channel, conv: Conversation) -> Conversation | None:
        """Ask the next card; close the conversation when there is none."""
        following = await self.ask_next(channel, conv)
        if following is None:
            await self.close(conv)
        return following

    async def hint(self, channel: Channel, conv: Conversation, card: Card) -> Conversation:
        """Reveal the next key point of the pending card (the score on offer drops)."""
        if conv.phase is not Phase.ASKING:
            await self.say(channel, "No card is waiting for an answer: say **next** for one.")
            return conv
        hint = await asyncio.to_thread(self.tutor.hint, card, conv.hints_used)
        if hint is None:
            await self.say(channel, "No more hints for this card: give it your best answer.")
            return conv
        conv = conv.hinted(self.bot.now())
        offer = round(max_score_for(conv.hints_used) * 100)
        await self.say(channel, f"💡 Hint {conv.hints_used}: {hint}\n-# score on offer: {offer}%")
        return conv.said("tutor", f"Hint: {hint}")

    async def question(
        self, channel: Channel, conv: Conversation, card: Card, text: str, *, about_pending: bool
    ) -> Conversation:
        """Answer a question from the cards, then return to the quiz."""
        if conv.phase in (Phase.ASKING, Phase.DIALOGUE):
            # A question about the card being asked ("what is X?" when X is the card, or "what
            # does that mean?" with nothing else under discussion) would give the answer away.
            if about_pending or (is_anaphoric(text) and conv.subject is None):
                await self.say(
                    channel,
                    "That's what I'm asking you! Have a go, or say **hint** for a clue or "
                    "**skip** to see the answer.",
                )
                return conv
            asked = context_question(text, None, conv.subject)
        else:
            asked = context_question(text, card, conv.subject)
        conv = await self.answer(channel, conv, asked, after=conv.phase)
        return conv.discussed(asked)

    async def answer(
        self, channel: Channel, conv: Conversation, question: str, *, after: Phase
    ) -> Conversation:
        """Stream a grounded answer with citations; then point back to where we were."""
        try:
            said = (await self.answer_only(channel, question, conv.guild_id)).text
        except discord.HTTPException:
            raise  # Discord itself failed: the error handler deals with that
        except Exception:
            # Search or the database failed: say so, and still return to the quiz.
            log.exception("could not answer a chat question")
            said = "I couldn't look that up just now, sorry (the details are in the bot's log)."
            await self.say(channel, said)
        if after is Phase.DIALOGUE and conv.dialogue is not None:
            card = await self._card(conv)
            if card is not None:
                await self.dialogues.back_to(channel, conv, card)
        elif after is Phase.ASKING and conv.card_id is not None:
            card = await self._card(conv)
            if card is not None:
                await self.say(channel, f"Back to the question: **{card.question.strip()}**")
        else:
            await self.say(channel, "Say **next** when you're ready.")
        return conv.said("tutor", said)

    async def answer_only(
        self, channel: Channel, question: str, guild_id: str | None
    ) -> ExplainResult:
        """A grounded answer to `question`, streamed into one reply."""
        question = clip(question.strip(), MAX_QUESTION_CHARS)
        chunks = await asyncio.to_thread(self.tutor.ask, question, guild_id)
        return await stream(channel, "", chunks)

    async def stats_text(self, conv: Conversation) -> str:
        """This conversation's count and the person's overall progress."""
        stats = await asyncio.to_thread(
            self.tutor.stats, conv.user_id, now=self.bot.now(), tz=UTC, guild_id=conv.guild_id
        )
        return (
            f"This conversation: {conv.answered} answered, {conv.correct} correct.\n"
            f"Overall: {stats.reviews} reviews, {round(stats.accuracy * 100)}% correct, "
            f"a {stats.streak_days}-day streak, {stats.due_now} cards due now."
        )

    # --- closing ---------------------------------------------------------------------------

    async def close(self, conv: Conversation, text: str = "") -> None:
        """End a conversation: say goodbye (when given), forget its state, archive its thread.

        A dialogue still open (idle, or a new conversation started) is recorded as it stood.
        """
        await self._settle(conv)
        await asyncio.to_thread(self.store.close_conversation, conv.user_id, conv.place)
        channel = await find_channel(self.bot, conv.channel_id)
        if channel is None:
            return
        try:
            if text:
                await self.say(channel, text)
            if isinstance(channel, discord.Thread):
                await channel.edit(archived=True)
        except discord.HTTPException as exc:  # gone, or no longer allowed: state is closed anyway
            log.info("could not close conversation channel %s: %s", conv.channel_id, exc)

    async def _settle(self, conv: Conversation) -> None:
        if conv.phase is not Phase.DIALOGUE or conv.dialogue is None:
            return
        card = await self._card(conv)
        if card is not None:
            await self.dialogues.leave(None, conv, card)

    async def sweep(self, now: datetime) -> int:
        """Close, politely, every conversation idle for `IDLE_AFTER` at `now`; return how many."""
        closed = 0
        for conv in await asyncio.to_thread(self.store.idle, now - IDLE_AFTER):
            async with self.lock(int(conv.channel_id)):
                # Re-read under the lock: a message may have just arrived.
                current = await asyncio.to_thread(self.store.get, conv.user_id, conv.place)
                if current is None or not current.idle(now):
                    continue
                minutes = int(IDLE_AFTER.total_seconds() // 60)
                await self.close(
                    current,
                    f"I've closed our conversation after {minutes} minutes of quiet. "
                    "Your progress is saved: start again any time with /tutor.",
                )
                closed += 1
        return closed
