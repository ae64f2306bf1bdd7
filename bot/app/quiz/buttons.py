"""The quiz's persistent buttons: `DynamicItem`s whose state is their custom id.

Registered once in `setup_hook` (see `ITEMS`), they work on any quiz message ever posted,
including messages from before a restart. On a public (study-group) question anyone may
press Answer, Hint, Skip or Reveal, each for themselves; every other button answers only
the person it was made for.

A public module: the daily quiz posts these same buttons. A click is handed to the quiz's
steps (`QuizSteps`, implemented by the quiz cog and looked up on the bot), so this module
needs nothing from the flow that builds messages with it.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import discord
from discord.ext import commands

from bot.app.errors import Guarded
from bot.app.quiz.state import QuizState, WorkState, template, work_template
from bot.errors import FlashtutorError

log = logging.getLogger(__name__)

NOT_YOURS = "This quiz belongs to someone else: start your own with /quiz."
STEPS_COG = "QuizCog"
"""The name of the cog that implements `QuizSteps` (the quiz cog)."""


@runtime_checkable
class QuizSteps(Protocol):
    """What the quiz does when one of its buttons is pressed."""

    async def open_answer(self, interaction: discord.Interaction, state: QuizState) -> None:
        """Open the answer modal for the person who pressed Answer."""

    async def show_hint(self, interaction: discord.Interaction, state: QuizState) -> None:
        """Show one more hint."""

    async def skip_card(
        self, interaction: discord.Interaction, state: QuizState, *, skipped: bool
    ) -> None:
        """Skip (or reveal) the card and show its answer."""

    async def explain(self, interaction: discord.Interaction, state: QuizState) -> None:
        """Stream an explanation of the graded answer."""

    async def next_card(self, interaction: discord.Interaction, state: QuizState) -> None:
        """Post the next card of the same quiz."""

    async def work_through(self, interaction: discord.Interaction, state: QuizState) -> None:
        """Begin (or resume) working through the answer's missed points, privately."""

    async def open_reply(self, interaction: discord.Interaction, work: WorkState) -> None:
        """Open the reply modal for the dialogue's current step."""

    async def tell(self, interaction: discord.Interaction, work: WorkState) -> None:
        """ "Just tell me": state the current point and go on."""

    async def leave(self, interaction: discord.Interaction, work: WorkState) -> None:
        """Leave the dialogue: record what was reached."""


def steps(interaction: discord.Interaction) -> QuizSteps:
    """The quiz steps of the bot this click arrived at (the loaded quiz cog)."""
    client = interaction.client
    # BotBase: commands.Bot and commands.AutoShardedBot (the sharded bot) alike.
    cog = client.get_cog(STEPS_COG) if isinstance(client, commands.bot.BotBase) else None
    if not isinstance(cog, QuizSteps):
        raise FlashtutorError("The quiz is not available on this bot right now.")
    return cog


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
        await steps(interaction).open_answer(interaction, self.state)


class HintButton(
    _QuizButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=template("hint")
):
    """Reveals one more key point; the score on offer drops."""

    open_to_all = True

    face = ("hint", "Hint", discord.ButtonStyle.secondary, "💡")

    async def act(self, interaction: discord.Interaction) -> None:
        """Show the next hint."""
        await steps(interaction).show_hint(interaction, self.state)


class SkipButton(
    _QuizButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=template("skip")
):
    """Skips the card: it comes back soon."""

    open_to_all = True

    face = ("skip", "Skip", discord.ButtonStyle.secondary, "⏭️")

    async def act(self, interaction: discord.Interaction) -> None:
        """Record a skip and show the answer."""
        await steps(interaction).skip_card(interaction, self.state, skipped=True)


class RevealButton(
    _QuizButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=template("rev")
):
    """Shows the reference answer (counted like a skip)."""

    open_to_all = True

    face = ("rev", "Reveal", discord.ButtonStyle.secondary, "👁️")

    async def act(self, interaction: discord.Interaction) -> None:
        """Record the reveal and show the answer."""
        await steps(interaction).skip_card(interaction, self.state, skipped=False)


class ExplainButton(
    _QuizButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=template("exp")
):
    """Streams an explanation of what the answer missed."""

    face = ("exp", "Explain", discord.ButtonStyle.primary, "🧠")

    async def act(self, interaction: discord.Interaction) -> None:
        """Stream the explanation into this message."""
        await steps(interaction).explain(interaction, self.state)


class NextButton(
    _QuizButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=template("next")
):
    """Asks the next card of the same quiz."""

    face = ("next", "Next", discord.ButtonStyle.success, "➡️")

    async def act(self, interaction: discord.Interaction) -> None:
        """Post the next card."""
        await steps(interaction).next_card(interaction, self.state)


class WorkButton(
    _QuizButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=template("work")
):
    """Works through what the answer missed, one point at a time, in private messages."""

    face = ("work", "Work through it", discord.ButtonStyle.success, "🧩")

    async def act(self, interaction: discord.Interaction) -> None:
        """Begin (or resume) the dialogue."""
        await steps(interaction).work_through(interaction, self.state)


class _StepButton(Guarded):
    """Shared parts of a dialogue step's buttons: state from the custom id, owner only."""

    work: WorkState
    face: ClassVar[tuple[str, str, discord.ButtonStyle, str]]

    def __init__(self, work: WorkState) -> None:
        action, label, style, emoji = self.face
        button = discord.ui.Button[Any](
            label=label, style=style, emoji=emoji, custom_id=work.custom_id(action)
        )
        super().__init__(button)  # type: ignore[call-arg]  # DynamicItem, later in the MRO
        self.work = work

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from its custom id."""
        return cls(WorkState.from_match(match))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the person whose dialogue it is (the messages are theirs alone anyway)."""
        if interaction.user.id == self.work.owner_id:
            return True
        try:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
        except discord.HTTPException:
            log.debug("could not refuse a click on someone else's dialogue", exc_info=True)
        return False


class ReplyButton(
    _StepButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=work_template("wr")
):
    """Opens the reply modal for the hint or prompt."""

    face = ("wr", "Reply", discord.ButtonStyle.primary, "✍️")

    async def act(self, interaction: discord.Interaction) -> None:
        """Open the modal."""
        await steps(interaction).open_reply(interaction, self.work)


class TellButton(
    _StepButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=work_template("wt")
):
    """ "Just tell me": the point stated, then the next one."""

    face = ("wt", "Just tell me", discord.ButtonStyle.secondary, "📖")

    async def act(self, interaction: discord.Interaction) -> None:
        """State the point."""
        await steps(interaction).tell(interaction, self.work)


class LeaveButton(
    _StepButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=work_template("ws")
):
    """Leaves the dialogue; what was reached is recorded."""

    face = ("ws", "Skip", discord.ButtonStyle.secondary, "⏭️")

    async def act(self, interaction: discord.Interaction) -> None:
        """Record what was reached and show the reference."""
        await steps(interaction).leave(interaction, self.work)


ITEMS = (
    AnswerButton,
    HintButton,
    SkipButton,
    RevealButton,
    ExplainButton,
    NextButton,
    WorkButton,
    ReplyButton,
    TellButton,
    LeaveButton,
)
"""Every persistent quiz button, for `add_dynamic_items`."""


def _view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def question_view(state: QuizState) -> discord.ui.View:
    """Answer, Hint, Skip, Reveal."""
    return _view(AnswerButton(state), HintButton(state), SkipButton(state), RevealButton(state))


def result_view(state: QuizState, *, explain: bool, work: bool = False) -> discord.ui.View:
    """Work through it (when a dialogue is on offer), Explain (until pressed) and Next."""
    items: list[discord.ui.Item[Any]] = [WorkButton(state)] if work else []
    if explain:
        items.append(ExplainButton(state))
    return _view(*items, NextButton(state))


def step_view(work: WorkState) -> discord.ui.View:
    """Reply, Just tell me and Skip, under a hint or prompt of the dialogue."""
    return _view(ReplyButton(work), TellButton(work), LeaveButton(work))


def revealed_view(state: QuizState) -> discord.ui.View:
    """Next, under a skipped or revealed card."""
    return _view(NextButton(state))
