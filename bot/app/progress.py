"""Progress: /stats (with a 30-day chart), /leaderboard, and /forget-me.

The chart is drawn with matplotlib's Agg backend in a worker thread; /forget-me deletes
nothing until its owner presses the confirmation button.
"""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC
from typing import Any, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import embeds
from bot.app.client import app, guild_scope
from bot.app.errors import Guarded
from bot.core.history import history_csv
from bot.core.records import UserStats

CHART_NAME = "stats.png"
HISTORY_NAME = "reviews.csv"


def chart_png(stats: UserStats) -> bytes:
    """A small bar chart of reviews (and correct ones) per day over the last 30 days."""
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 2.2), dpi=100)
    ax = fig.add_subplot()
    days = [d.day.strftime("%d %b") for d in stats.last_30_days]
    ax.bar(days, [d.reviews for d in stats.last_30_days], color="#99aab5", label="reviews")
    ax.bar(days, [d.correct for d in stats.last_30_days], color="#57f287", label="correct")
    ax.set_title("Last 30 days", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="upper left")
    ax.set_xticks(range(0, len(days), 5), [days[i] for i in range(0, len(days), 5)])
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def stats_embed(stats: UserStats) -> discord.Embed:
    """Accuracy, streak, cards due and seen."""
    embed = discord.Embed(title="Your progress", colour=embeds.BLUE)
    embed.add_field(name="Accuracy", value=embeds.bar(stats.accuracy), inline=False)
    embed.add_field(name="Reviews", value=f"{stats.reviews} ({stats.correct} correct)")
    embed.add_field(name="Streak", value=f"{stats.streak_days} day(s)")
    embed.add_field(name="Due now", value=str(stats.due_now))
    embed.add_field(name="Cards seen", value=str(stats.cards_seen))
    embed.set_image(url=f"attachment://{CHART_NAME}")
    return embed


class ForgetButton(
    Guarded,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"ft:forget:(?P<owner>[0-9]{1,20})",
):
    """Confirms /forget-me: deletes every record of its owner."""

    def __init__(self, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Yes, delete all my progress",
                style=discord.ButtonStyle.danger,
                custom_id=f"ft:forget:{owner_id}",
            )
        )
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from its custom id."""
        return cls(int(match["owner"]))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the person who asked can confirm."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "Only the person who asked can confirm.", ephemeral=True
        )
        return False

    async def act(self, interaction: discord.Interaction) -> None:
        """Delete, then say how much was deleted."""
        await interaction.response.defer()
        deleted = await asyncio.to_thread(app(interaction).progress.forget, str(self.owner_id))
        text = f"Done: I deleted all {deleted} records of your progress. Nothing about you is left."
        await interaction.edit_original_response(
            embed=embeds.notice(text, colour=embeds.GREEN), view=None
        )


class ProgressCog(commands.Cog):
    """Stats, the leaderboard and forgetting."""

    @app_commands.command(name="stats")
    @app_commands.describe(export="Also send your whole review history as a CSV file")
    async def stats(self, interaction: discord.Interaction, export: bool = False) -> None:
        """Your accuracy, streak, cards due, and a chart of the last 30 days."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot = app(interaction)
        user, place = str(interaction.user.id), guild_scope(interaction)

        def build() -> tuple[UserStats, list[discord.File]]:
            got = bot.tutor.stats(user, now=bot.now(), tz=UTC, guild_id=place)
            files = [discord.File(io.BytesIO(chart_png(got)), filename=CHART_NAME)]
            if export:
                entries = bot.progress.review_history(user)
                cards = bot.tutor.cards_by_id({e.card_id for e in entries}, place)
                text = history_csv(entries, cards)
                files.append(discord.File(io.BytesIO(text.encode("utf-8")), filename=HISTORY_NAME))
            return got, files

        got, files = await asyncio.to_thread(build)
        await interaction.followup.send(embed=stats_embed(got), files=files, ephemeral=True)

    @app_commands.command(name="leaderboard")
    @app_commands.guild_only()
    @app_commands.describe(days="Count reviews from this many past days (default 30)")
    async def leaderboard(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30
    ) -> None:
        """This server's top learners by score."""
        bot = app(interaction)
        guild, now = str(interaction.guild_id), bot.now()
        rows = await asyncio.to_thread(lambda: bot.progress.leaderboard(guild, now=now, days=days))
        lines = [
            f"**{i}.** <@{row.user_id}>: {row.score:.1f} points, {row.correct}/{row.reviews} correct"
            for i, row in enumerate(rows, 1)
        ]
        text = "\n".join(lines) or "Nobody has answered a card here yet: try /quiz."
        embed = discord.Embed(
            title=f"Leaderboard, last {days} days", description=text, colour=embeds.BLUE
        )
        await interaction.response.send_message(embed=embed)

    @app_commands.command(name="forget-me")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        """Delete all of your progress (asks for confirmation first)."""
        view = discord.ui.View(timeout=None)
        view.add_item(ForgetButton(interaction.user.id))
        text = (
            "This deletes your whole history: every review, schedule and saved answer, in every "
            "server. It cannot be undone. Dismiss this message to keep everything."
        )
        await interaction.response.send_message(
            embed=embeds.notice(text, colour=embeds.RED), view=view, ephemeral=True
        )


async def setup(bot: commands.Bot) -> None:
    """Register /stats, /leaderboard and /forget-me with its persistent button."""
    bot.add_dynamic_items(ForgetButton)
    await bot.add_cog(ProgressCog())
