"""/tutor and the message listener: chat with the tutor in DMs and private threads.

Where a conversation happens: the person's DMs by default; a private thread in the channel
when /tutor is used in a server whose bot has the Message Content intent and may create
private threads there (else DMs, saying why). Without the intent, Discord gives a bot the
text of DMs and of messages that mention it, but not of thread messages: that is why.

A mention of the bot in a channel is a question: the answer goes into a public thread
started from the message, grounded in the cards.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.chat._flow import PLACE_DM, Tutoring, thread_place
from bot.app.chat._limits import FloodLimiter
from bot.app.chat._say import fit
from bot.app.choices import topic_choices
from bot.app.client import FlashtutorBot, guild_scope
from bot.app.errors import GENERIC, friendly
from bot.core.chat.conversation import Conversation
from bot.core.chat.reading import Command, cut_message, parse_command
from bot.core.text import clip
from bot.errors import FlashtutorError

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 60.0
"""How often idle conversations are looked for."""
INTENT_NOTE = (
    "Tutoring in a server thread needs the **Message Content** intent, which this bot does not "
    "have, so we'll talk here in your DMs instead. (Bot owner: turn on *Message Content "
    "Intent* under Bot in the Discord Developer Portal and set FLASHTUTOR_MESSAGE_CONTENT=true.)"
)
NO_THREADS_NOTE = (
    "I can't open a private thread here (that needs a text channel where I have the *Create "
    "Private Threads* and *Send Messages in Threads* permissions), so we'll talk in your DMs."
)
DMS_CLOSED = (
    "I can't send you direct messages: allow DMs from this server's members (Privacy "
    "Settings), then try /tutor again."
)
FLOOD_NOTICE = (
    "You're sending messages faster than I can read them: I'll skip a few. Slow down a little."
)
CUT_NOTICE = "Your message was long: I read only its first 2000 characters."
MENTION_HELP = "Mention me with a question, e.g. “@flashtutor what is negative sampling?”"
CANNOT_READ = (
    "I can't read messages in threads without the Message Content intent. Mention me in your "
    "message to continue here, or use /tutor again to talk in DMs."
)
NO_CONVERSATION = "We're not in a conversation right now: start one with /tutor."


def _name(user: discord.abc.User) -> str:
    return clip(user.display_name, 40)


class ChatCog(commands.Cog):
    """Talk with the tutor: a quiz conversation in DMs or a thread, and questions by mention."""

    def __init__(self, bot: FlashtutorBot, tutoring: Tutoring) -> None:
        self.bot = bot
        self.tutoring = tutoring
        self.limiter = FloodLimiter()
        self._sweeper: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        """Start the idle sweep."""
        self._sweeper = asyncio.create_task(self._sweep_loop(), name="chat-idle-sweep")

    async def cog_unload(self) -> None:
        """Stop the sweep (the database itself closes with the services)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper

    async def _sweep_loop(self) -> None:
        await self.bot.wait_until_ready()
        while not self.bot.is_closed():
            try:
                await self.tutoring.sweep(self.bot.now())
            except Exception:  # a failed sweep is retried next round; never kill the loop
                log.exception("idle conversation sweep failed")
            await asyncio.sleep(SWEEP_EVERY_S)

    # --- /tutor -----------------------------------------------------------------------------

    @app_commands.command(name="tutor")
    @app_commands.describe(topic="What to practise, e.g. 'embeddings' (default: what is due)")
    @app_commands.autocomplete(topic=topic_choices)
    async def tutor(
        self, interaction: discord.Interaction, topic: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        """Chat with the tutor: it asks, you type answers, questions and words like 'hint'."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        user = interaction.user
        target, place, where, note = await self._open_place(interaction)
        intro = f"Hi {_name(user)}! Let's study{f' “{topic}”' if topic else ''}."
        if note:
            intro = f"{note}\n\n{intro}"
        if target is None:
            await interaction.followup.send(DMS_CLOSED, ephemeral=True)
            return
        try:
            conv = await self.tutoring.start(
                target,
                user_id=user.id,
                place=place,
                channel_id=target.id,
                guild_id=guild_scope(interaction),
                topic=topic,
                intro=intro,
                owner_name=_name(user),
            )
        except discord.Forbidden:
            await interaction.followup.send(DMS_CLOSED, ephemeral=True)
            return
        if conv is None:
            await interaction.followup.send("I found no cards to ask about.", ephemeral=True)
            return
        text = f"Our conversation is in {where}."
        if note:
            text += "\n" + note
        # Our own words and a channel link (which notifies no one): kept clickable.
        await interaction.followup.send(clip(text, 2000), ephemeral=True)

    async def _open_place(
        self, interaction: discord.Interaction
    ) -> tuple[discord.Thread | discord.DMChannel | None, str, str, str]:
        """Where to talk: (channel, place, how to name it, why not a thread); None if no DMs."""
        user = interaction.user
        channel = interaction.channel
        note = ""
        if interaction.guild is not None:
            perms = interaction.app_permissions
            if not self.bot.settings.message_content:
                note = INTENT_NOTE
            elif not isinstance(channel, discord.TextChannel) or not (
                perms.create_private_threads and perms.send_messages_in_threads
            ):
                note = NO_THREADS_NOTE
            else:
                try:
                    thread = await channel.create_thread(
                        name=clip(f"Tutor · {user.display_name}", 100),
                        type=discord.ChannelType.private_thread,
                        invitable=False,
                        auto_archive_duration=60,
                    )
                    await thread.add_user(user)
                    return thread, thread_place(channel.id), thread.mention, ""
                except discord.HTTPException as exc:
                    log.info("could not open a private thread in %s: %s", channel.id, exc)
                    note = NO_THREADS_NOTE
        try:
            dm = user.dm_channel or await user.create_dm()
        except discord.HTTPException:
            return None, PLACE_DM, "your DMs", note
        return dm, PLACE_DM, "your DMs", note

    # --- messages ---------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context[commands.Bot], error: Exception) -> None:
        """Mentions reach the prefix-command parser too; flashtutor has no prefix commands."""
        if not isinstance(error, commands.CommandNotFound):
            log.warning("prefix command error: %s", error)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Route a message: a conversation's answer or command, or a question by mention."""
        if message.author.bot or message.webhook_id is not None:
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        me = self.bot.user
        channel = message.channel
        mentioned = me is not None and any(u.id == me.id for u in message.mentions)
        try:
            if isinstance(channel, discord.DMChannel | discord.Thread):
                convs = await asyncio.to_thread(self.tutoring.store.in_channel, str(channel.id))
                if convs:
                    await self._in_conversation(message, convs[0])
                elif isinstance(channel, discord.DMChannel):
                    await self._outside_conversation(message)
                elif mentioned:
                    await self._mention(message, in_thread=True)
            elif mentioned and message.guild is not None:
                await self._mention(message, in_thread=False)
        except Exception as exc:
            await self._report(message, exc)

    def _text_of(self, message: discord.Message) -> str:
        me = self.bot.user
        text = message.content
        if me is not None:
            text = re.sub(rf"<@!?{me.id}>", " ", text)
        return text.strip()

    @contextlib.asynccontextmanager
    async def _admitted(self, message: discord.Message) -> AsyncIterator[bool]:
        """Whether to handle `message` (flood limit); it counts as unanswered until the block ends.

        Only messages sent while earlier ones are still being answered can be limited, so the
        block must cover the whole handling, reply included.
        """
        person = message.author.id
        admission = self.limiter.admit(person, asyncio.get_running_loop().time())
        if not admission.allowed:
            if admission.notify:
                await message.channel.send(fit(FLOOD_NOTICE))
            yield False
            return
        try:
            yield True
        finally:
            self.limiter.answered(person)

    async def _read(self, message: discord.Message) -> str:
        text, cut = cut_message(self._text_of(message))
        if cut:
            await message.channel.send(fit(CUT_NOTICE))
        return text

    async def _in_conversation(self, message: discord.Message, seen: Conversation) -> None:
        channel = message.channel
        tutoring = self.tutoring
        author = str(message.author.id)
        if author != seen.user_id:
            async with tutoring.lock(channel.id):
                convs = await asyncio.to_thread(tutoring.store.in_channel, str(channel.id))
                if convs and author not in convs[0].ignored:
                    owner = str(convs[0].extra.get("owner") or "someone else")
                    await tutoring.say(
                        channel,
                        f"Sorry {_name(message.author)}, this conversation is {owner}'s, so I "
                        "won't answer here. Start your own with /tutor.",
                    )
                    await tutoring.save(convs[0].noticed(author))
            return
        # Counted on arrival, before waiting for the previous message to be answered.
        async with self._admitted(message) as allowed:
            if allowed:
                await self._answer_owner(message, seen)

    async def _answer_owner(self, message: discord.Message, seen: Conversation) -> None:
        channel = message.channel
        tutoring = self.tutoring
        text = await self._read(message)
        if not text:
            if isinstance(channel, discord.Thread) and not self.bot.settings.message_content:
                await self._cannot_read(channel, seen)
            return
        async with tutoring.lock(channel.id):
            # Re-read under the lock: the message before this one may have changed the state.
            convs = await asyncio.to_thread(tutoring.store.in_channel, str(channel.id))
            if not convs or convs[0].user_id != str(message.author.id):
                return
            async with channel.typing():
                await tutoring.handle(channel, convs[0], text)

    async def _cannot_read(self, channel: discord.Thread, conv: Conversation) -> None:
        """Say once why thread messages arrive empty (the intent was turned off since)."""
        if conv.extra.get("cannot_read"):
            return
        await self.tutoring.say(channel, CANNOT_READ)
        extra = {**conv.extra, "cannot_read": True}
        await self.tutoring.save(dataclasses.replace(conv, extra=extra))

    async def _outside_conversation(self, message: discord.Message) -> None:
        """A DM with no conversation running: stats, a question, or a pointer to /tutor."""
        async with self._admitted(message) as allowed:
            if allowed:
                await self._answer_outside(message)

    async def _answer_outside(self, message: discord.Message) -> None:
        text = await self._read(message)
        if not text:
            return
        command = parse_command(text)
        channel = message.channel
        async with channel.typing():
            if command is Command.STATS:
                stats = await asyncio.to_thread(
                    self.bot.tutor.stats,
                    str(message.author.id),
                    now=self.bot.now(),
                    tz=UTC,
                )
                await self.tutoring.say(
                    channel,
                    f"{stats.reviews} reviews, {round(stats.accuracy * 100)}% correct, "
                    f"a {stats.streak_days}-day streak, {stats.due_now} cards due now.",
                )
            elif command is not None:
                await self.tutoring.say(channel, NO_CONVERSATION)
            else:
                await self.tutoring.answer_only(channel, text, None)
                await self.tutoring.say(channel, "-# Want a quiz? Start one with /tutor.")

    async def _mention(self, message: discord.Message, *, in_thread: bool) -> None:
        """A question by mention: answered in a public thread started from the message."""
        async with self._admitted(message) as allowed:
            if allowed:
                await self._answer_mention(message, in_thread=in_thread)

    async def _answer_mention(self, message: discord.Message, *, in_thread: bool) -> None:
        text = await self._read(message)
        if not text:
            await message.reply(fit(MENTION_HELP))
            return
        target: discord.abc.Messageable = message.channel
        channel = message.channel
        if not in_thread and isinstance(channel, discord.TextChannel):
            perms = channel.permissions_for(channel.guild.me)
            if perms.create_public_threads and perms.send_messages_in_threads:
                try:
                    target = await message.create_thread(
                        name=clip(re.sub(r"\s+", " ", text), 100), auto_archive_duration=60
                    )
                except discord.HTTPException as exc:
                    log.info("could not start a thread on %s: %s", message.id, exc)
        guild_id = str(message.guild.id) if message.guild else None
        async with target.typing():
            await self.tutoring.answer_only(target, text, guild_id)

    async def _report(self, message: discord.Message, error: Exception) -> None:
        """One friendly line in the channel; details in the log."""
        if isinstance(error, FlashtutorError):
            log.info("chat message refused (channel %s): %s", message.channel.id, error)
        else:
            log.error(
                "chat message failed (user=%s channel=%s)",
                message.author.id,
                message.channel.id,
                exc_info=error,
            )
        text = friendly(error) if isinstance(error, FlashtutorError) else GENERIC
        with contextlib.suppress(discord.HTTPException):
            await message.channel.send(fit(text))
