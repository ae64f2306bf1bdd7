"""The quiz feature: /quiz, its persistent buttons and the answer modal.

`_cog` holds the command (and the steps the buttons call), `buttons` the persistent buttons,
`_modals` the modals, `_flow` what each step does, `_work` the Work-through-it dialogue and
`state` the button state that lives in custom ids. `buttons` and `state` are public: the daily quiz posts the same buttons.
"""

from __future__ import annotations

from typing import cast

from discord.ext import commands

from bot.app.client import FlashtutorBot
from bot.app.quiz._cog import QuizCog
from bot.app.quiz.buttons import ITEMS


async def setup(bot: commands.Bot) -> None:
    """Register the command and the persistent buttons (called by `load_extension`)."""
    bot.add_dynamic_items(*ITEMS)
    await bot.add_cog(QuizCog(cast(FlashtutorBot, bot)))
