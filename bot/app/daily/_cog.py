"""/daily on|off|status|channel, the loop that ticks the scheduler, and pending notices."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import embeds
from bot.app.client import FlashtutorBot, app
from bot.app.daily._scheduler import DM_CLOSED_NOTICE, DailyScheduler
from bot.app.daily._sender import DEFAULT_BURST, DeliveryError, PacedSender, TokenBucket
from bot.core import daily
from bot.core.records import Subscription
from bot.errors import InputError
from bot.settings import Settings

log = logging.getLogger(__name__)

PAUSED = {
    "dm_closed": "paused: I could not DM you (your DMs are closed)",
    "channel_gone": "paused: I can no longer post in that channel",
    "unknown_zone": "paused: its time zone is no longer known",
}


async def zone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """IANA zone names containing what was typed (city names first)."""
    return [app_commands.Choice(name=n, value=n) for n in daily.zone_choices(current)]


def describe_next(sub: Subscription, now: datetime) -> str:
    """The next push in the subscription's own local time, and relative to now."""
    when = daily.upcoming(sub.next_day, now, sub.at, sub.tz)
    local = when.astimezone(sub.tz)
    return f"{local:%a %d %b, %H:%M} ({sub.zone}) · <t:{int(when.timestamp())}:R>"


def push_share(settings: Settings) -> float:
    """This process's share of the bot-wide push rate: the fraction of shards it runs."""
    count, ids = settings.shards()
    return len(ids) / count if count and ids else 1.0


def take_notice(bot: FlashtutorBot, user_id: int) -> str | None:
    """A message waiting for this person (e.g. their daily quiz was paused), or None.

    For any front end that wants to show it itself; the cog already shows it after the
    person's next successful slash command.
    """
    return bot.services.daily.peek_notice(str(user_id))


class DailyCog(commands.GroupCog, group_name="daily"):
    """A daily quiz by DM, or a daily question in a channel, chosen by spaced repetition."""

    def __init__(self, bot: FlashtutorBot) -> None:
        self.bot = bot
        self.subs = bot.services.daily
        # Processes running part of the shards share the bot's budget in proportion; each
        # one's saved-up burst shrinks with it, so together they stay under Discord's 50/s.
        share = push_share(bot.settings)
        rate = bot.settings.daily_push_rate * share
        self.sender = PacedSender(
            bot.http, bucket=TokenBucket(rate, burst=max(1.0, DEFAULT_BURST * share))
        )
        self.scheduler = DailyScheduler(
            lambda: bot.tutor, self.subs, self.sender, guild_owner=self._guild_owner
        )
        self._loop: asyncio.Task[None] | None = None
        self._opening: set[asyncio.Task[None]] = set()  # DM channels opened after /daily on
        super().__init__()

    def _guild_owner(self, guild_id: str) -> int | None:
        guild = self.bot.get_guild(int(guild_id)) if guild_id.isdigit() else None
        return guild.owner_id if guild is not None else None

    async def cog_load(self) -> None:
        """Start ticking (unless `daily_tick_s` is 0: then whoever runs the bot ticks it)."""
        if self.bot.settings.daily_tick_s > 0:
            self._loop = asyncio.create_task(self._run(), name="daily-pushes")

    async def cog_unload(self) -> None:
        """Stop ticking (and opening DM channels)."""
        for task in list(self._opening):
            task.cancel()
        if self._opening:
            await asyncio.gather(*self._opening, return_exceptions=True)
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        while True:
            try:
                await self.scheduler.tick(self.bot.now())
            except Exception:  # one bad tick must not end daily pushes for everyone
                log.exception("daily tick failed")
            await asyncio.sleep(self.bot.settings.daily_tick_s)

    # --- pending notices -------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: Any
    ) -> None:
        """After a person's command has answered, show them a notice that was waiting."""
        user = str(interaction.user.id)
        text = await asyncio.to_thread(self.subs.peek_notice, user)
        if text is None or not interaction.response.is_done():
            return
        try:
            await interaction.followup.send(
                embed=embeds.notice(text, colour=embeds.ORANGE), ephemeral=True
            )
        except discord.HTTPException as exc:  # e.g. the command answered with a modal
            log.debug("could not show a pending notice: %s", exc)
            return
        await asyncio.to_thread(self.subs.clear_notice, user, text)

    # --- commands --------------------------------------------------------------------------

    @app_commands.command(name="on")
    @app_commands.describe(
        time="Local time of day for the quiz, e.g. 09:00 or 7:30pm (default 09:00)",
        timezone="Your time zone, e.g. Europe/Berlin (default UTC)",
        topic="What to practise, e.g. 'embeddings' (default: whatever is due, then new cards)",
        cards="Cards per quiz (default 5)",
    )
    @app_commands.autocomplete(timezone=zone_autocomplete)
    async def on(
        self,
        interaction: discord.Interaction,
        time: app_commands.Range[str, 1, 20] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        topic: app_commands.Range[str, 1, 100] | None = None,
        cards: app_commands.Range[int, 1, 20] = daily.DEFAULT_CARDS,
    ) -> None:
        """Get a daily quiz by DM at your local time: due cards first, then new ones."""
        at = daily.parse_time(time)
        user = str(interaction.user.id)
        old = await asyncio.to_thread(self.subs.dm_subscription, user)
        zone_name = timezone or (old.zone if old else daily.DEFAULT_ZONE)
        now = app(interaction).now()
        # Run in the bot's DM, the command's channel is the DM every push goes to: remember
        # it, so no push has to ask Discord for it (a second request) first.
        in_dm = interaction.context.dm_channel and interaction.channel_id is not None
        sub = await asyncio.to_thread(
            lambda: self.subs.subscribe_dm(
                user_id=user,
                guild_id=str(interaction.guild_id) if interaction.guild_id else None,
                at=at,
                zone=zone_name,
                topic=topic,
                cards=cards,
                now=now,
                channel_id=str(interaction.channel_id) if in_dm else None,
            )
        )
        # Resuming answers any "your quiz was paused" notice: it need not be shown now.
        notice = await asyncio.to_thread(self.subs.peek_notice, user)
        if notice == DM_CLOSED_NOTICE:
            await asyncio.to_thread(self.subs.clear_notice, user, notice)
        on_topic = f" on “{sub.topic}”" if sub.topic else ""
        text = (
            f"Daily quiz on: {sub.cards} card{'s' if sub.cards != 1 else ''}{on_topic} every day "
            f"at {daily.format_time(sub.at)} {sub.zone}, by DM.\n"
            f"Next: {describe_next(sub, now)}"
        )
        await interaction.response.send_message(
            embed=embeds.notice(text, colour=embeds.GREEN), ephemeral=True
        )
        if not in_dm:
            self._remember_dm(sub.id, interaction.user.id)

    def _remember_dm(self, subscription_id: int, user_id: int) -> None:
        """Open the person's DM channel now, after the answer, and store it for every push.

        One paced request at subscribe time instead of one on the push path; the command
        does not wait for it (during a big push it queues behind the pushes). If it fails,
        the first push opens the DM itself, and pauses with a notice if DMs are closed.
        """

        async def remember() -> None:
            try:
                channel_id = await self.sender.open_dm(user_id)
            except (DeliveryError, discord.HTTPException) as exc:
                log.info("could not open the DM channel of %s yet: %s", user_id, exc)
                return
            await asyncio.to_thread(self.subs.set_channel, subscription_id, str(channel_id))

        task = asyncio.create_task(remember(), name=f"daily-dm-{user_id}")
        self._opening.add(task)
        task.add_done_callback(self._opening.discard)

    @app_commands.command(name="off")
    @app_commands.describe(channel="Stop a channel's daily question instead (Manage Server)")
    async def off(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Stop your daily quiz (or a channel's daily question)."""
        now = app(interaction).now()
        if channel is not None:
            self._require_manager(interaction)
            stopped = await asyncio.to_thread(self.subs.unsubscribe_channel, str(channel.id), now)
            text = (
                f"Daily question in {channel.mention} stopped."
                if stopped
                else f"{channel.mention} has no daily question running."
            )
        else:
            stopped = await asyncio.to_thread(
                self.subs.unsubscribe_dm, str(interaction.user.id), now
            )
            text = "Daily quiz off." if stopped else "You have no daily quiz running."
        await interaction.response.send_message(embed=embeds.notice(text), ephemeral=True)

    @app_commands.command(name="status")
    async def status(self, interaction: discord.Interaction) -> None:
        """When your next daily quiz comes, your streak and how many cards are due."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot = app(interaction)
        now = bot.now()
        user = str(interaction.user.id)
        sub = await asyncio.to_thread(self.subs.dm_subscription, user)
        tz = sub.tz if sub is not None else daily.zone(daily.DEFAULT_ZONE)
        stats = await asyncio.to_thread(lambda: bot.tutor.stats(user, now=now, tz=tz))
        embed = discord.Embed(title="Your daily quiz", colour=embeds.BLUE)
        if sub is None or sub.status == "off":
            embed.description = "Off. Start it with /daily on."
        elif sub.status == "paused":
            why = PAUSED.get(sub.paused_reason or "", "paused")
            embed.description = f"{why.capitalize()}. Run /daily on to resume."
        else:
            on_topic = f" on “{sub.topic}”" if sub.topic else ""
            embed.description = embeds.safe(
                f"{sub.cards} cards{on_topic} at {daily.format_time(sub.at)} {sub.zone}.", 500
            )
            embed.add_field(name="Next quiz", value=describe_next(sub, now), inline=False)
        embed.add_field(name="Streak", value=f"{stats.streak_days} day(s)")
        embed.add_field(name="Cards due", value=str(stats.due_now))
        if interaction.guild_id:
            channels = await asyncio.to_thread(
                self.subs.channel_subscriptions, str(interaction.guild_id)
            )
            lines = [
                f"<#{c.channel_id}> at {daily.format_time(c.at)} {c.zone}"
                + ("" if c.status == "active" else f" ({c.status})")
                for c in channels
                if c.status != "off"
            ]
            if lines:
                embed.add_field(name="This server", value="\n".join(lines)[:1000], inline=False)
        await interaction.followup.send(embed=embed, ephemeral=True)

    @app_commands.command(name="channel")
    @app_commands.guild_only()
    @app_commands.describe(
        channel="Where to post the daily question",
        time="Local time of day, e.g. 09:00 (default 09:00)",
        timezone="The server's time zone, e.g. Europe/Berlin (default UTC)",
        topic="What to ask about (default: every card, in turn)",
    )
    @app_commands.autocomplete(timezone=zone_autocomplete)
    async def channel(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: app_commands.Range[str, 1, 20] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        topic: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Post one shared daily question in a channel (needs Manage Server)."""
        self._require_manager(interaction)
        at = daily.parse_time(time)
        now = app(interaction).now()
        guild_id = str(interaction.guild_id)
        sub = await asyncio.to_thread(
            lambda: self.subs.subscribe_channel(
                guild_id=guild_id,
                channel_id=str(channel.id),
                at=at,
                zone=timezone or daily.DEFAULT_ZONE,
                topic=topic,
                now=now,
            )
        )
        text = (
            f"Daily question in {channel.mention} every day at {daily.format_time(sub.at)} "
            f"{sub.zone}. Next: {describe_next(sub, now)}"
        )
        await interaction.response.send_message(
            embed=embeds.notice(text, colour=embeds.GREEN), ephemeral=True
        )

    def _require_manager(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage()
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        if not isinstance(interaction.user, discord.Member):
            raise InputError("I could not check your permissions here.")
