"""Chat with the tutor: /tutor conversations in DMs or private threads, questions by mention.

`_cog` holds the command and the message listener, `_flow` what each conversation step
does, `_limits` the per-person flood limiter. How a message is read (command, question or
answer) and the conversation state are in `bot.core.chat`; the table is in
`bot.infra.conversations`.
"""

from __future__ import annotations

import asyncio

from discord.ext import commands

from bot.app.chat._cog import ChatCog
from bot.app.chat._flow import Tutoring
from bot.app.client import FlashtutorBot

__all__ = ["ChatCog", "Tutoring", "setup"]


async def setup(bot: commands.Bot) -> None:
    """Open the conversation store and register /tutor and the listener (`load_extension`)."""
    if not isinstance(bot, FlashtutorBot):
        raise TypeError("the chat feature needs the FlashtutorBot")
    store = await asyncio.to_thread(lambda: bot.services.conversations)
    await bot.add_cog(ChatCog(bot, Tutoring(bot, store)))
