"""Daily quiz pushes: /daily, the scheduler that ticks, and the paced sender.

`_cog` holds the commands and the loop, `_scheduler` one tick (claim, intent, send,
outcome), `_sender` pacing and retries, `_render` how a push looks. The rules of time
(slots, DST, catch-up) are in `bot.core.daily`; the service over the tables is `bot.core.subscriptions.DailyPushes`.
"""

from __future__ import annotations

from discord.ext import commands

from bot.app.client import FlashtutorBot
from bot.app.daily._cog import DailyCog, take_notice
from bot.app.daily._render import dm_messages
from bot.app.daily._scheduler import DailyScheduler, TickReport
from bot.app.daily._sender import (
    DEFAULT_IN_FLIGHT,
    DEFAULT_RATE,
    DeliveryError,
    PacedSender,
    RateLimitWatch,
    TokenBucket,
)

__all__ = [
    "DEFAULT_IN_FLIGHT",
    "DEFAULT_RATE",
    "DailyCog",
    "DailyScheduler",
    "DeliveryError",
    "PacedSender",
    "RateLimitWatch",
    "TickReport",
    "TokenBucket",
    "dm_messages",
    "setup",
    "take_notice",
]


async def setup(bot: commands.Bot) -> None:
    """Register /daily and start the push loop (called by `load_extension`)."""
    if not isinstance(bot, FlashtutorBot):
        raise TypeError("the daily feature needs the FlashtutorBot")
    await bot.add_cog(DailyCog(bot))
