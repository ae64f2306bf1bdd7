"""The quiz's persistent buttons: `DynamicItem`s whose state is their custom id.

Registered once in `setup_hook` (see `ITEMS`), they work on any quiz message ever posted,
including messages from before a restart. On a public (study-group) question anyone may
press Answer, Hint, Skip or Reveal, each for themselves; every other button answers only
the person it was made for.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Self

import discord

from bot.app.errors import Guarded
from bot.app.quiz import _flow
from bot.app.quiz._modals import AnswerModal
from bot.app.quiz._state import QuizState, template

log = logging.getLogger(__name__)

NOT_YOURS = "This quiz belongs to someone else: start your own with /quiz."


class _QuizButton(Guarded):
    """Shared parts of the quiz buttons: state from the custom id, the owner check."""

    state: QuizState
    open_to_all = False
    """True for buttons that anyone may press on a public question."""
    face: ClassVar[tuple[str, str, discord.ButtonStyle, str]]
    """(action, label, style, emoji): the action is also the button's custom-id template key."""

    def __init__(self, state: QuizState) -> None:
        action, label, style, emoji = self.face
        button = discord.ui.Button[Any](
            label=label, style=style, emoji=emoji, custom_id=state.custom_id(action)
        )
        super().__init__(button)  # type: ignore[call-arg]  # DynamicItem, later in the MRO
        self.state = state

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from its custom id."""
        return cls(QuizState.from_match(match))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the quiz's owner, except on public questions for the shared buttons."""
        if self.state.public and self.open_to_all:
            return True
        if interaction.user.id == self.state.owner_id:
            return True
        try:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
        except discord.HTTPException:
            log.debug("could not refuse a click on someone else's quiz", exc_info=True)
        return False


class AnswerButton(
    _QuizButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=template("ans")
):
    """Opens the answer modal."""

    open_to_all = True

    face = ("ans", "Answer", discord.ButtonStyle.primary, "✍️")

    async def act(self, interaction: discord.Interaction) -> None:
        """Open a modal for this person's answer (in a study group, their own copy)."""
        mine = self.state.for_person(interaction.user.id)
        card = await _flow.load_card(interaction, mine.card_id)
        await interaction.response.send_modal(AnswerModal(mine, card))
        _flow.app(interaction).prewarm(card)


class HintButton(
    _QuizButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=template("hint")
):
    """Reveals one more key point; the score on offer drops."""

    open_to_all = True

    face = ("hint", "Hint", discord.ButtonStyle.secondary, "💡")

    async def act(self, interaction: discord.Interaction) -> None:
        """Show the next hint."""
        await _flow.show_hint(interaction, self.state)


class SkipButton(
    _QuizButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=template("skip")
):
    """Skips the card: it comes back soon."""

    open_to_all = True

    face = ("skip", "Skip", discord.ButtonStyle.secondary, "⏭️")

    async def act(self, interaction: discord.Interaction) -> None:
        """Record a skip and show the answer."""
        await _flow.skip_card(interaction, self.state, skipped=True)


class RevealButton(
    _QuizButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=template("rev")
):
    """Shows the reference answer (counted like a skip)."""

    open_to_all = True

    face = ("rev", "Reveal", discord.ButtonStyle.secondary, "👁️")

    async def act(self, interaction: discord.Interaction) -> None:
        """Record the reveal and show the answer."""
        await _flow.skip_card(interaction, self.state, skipped=False)


class ExplainButton(
    _QuizButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=template("exp")
):
    """Streams an explanation of what the answer missed."""

    face = ("exp", "Explain", discord.ButtonStyle.primary, "🧠")

    async def act(self, interaction: discord.Interaction) -> None:
        """Stream the explanation into this message."""
        await _flow.explain(interaction, self.state)


class NextButton(
    _QuizButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=template("next")
):
    """Asks the next card of the same quiz."""

    face = ("next", "Next", discord.ButtonStyle.success, "➡️")

    async def act(self, interaction: discord.Interaction) -> None:
        """Post the next card."""
        await _flow.next_card(interaction, self.state)


ITEMS = (AnswerButton, HintButton, SkipButton, RevealButton, ExplainButton, NextButton)
"""Every persistent quiz button, for `add_dynamic_items`."""


def _view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def question_view(state: QuizState) -> discord.ui.View:
    """Answer, Hint, Skip, Reveal."""
    return _view(AnswerButton(state), HintButton(state), SkipButton(state), RevealButton(state))


def result_view(state: QuizState, *, explain: bool) -> discord.ui.View:
    """Explain (until pressed) and Next, under a graded answer."""
    return _view(ExplainButton(state), NextButton(state)) if explain else _view(NextButton(state))


def revealed_view(state: QuizState) -> discord.ui.View:
    """Next, under a skipped or revealed card."""
    return _view(NextButton(state))
