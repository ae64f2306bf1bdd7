"""Work through it: the dialogue on a quiz answer's missed points, in private follow-ups.

Under a partial or incorrect result, Work through it begins the dialogue (or resumes it:
ephemeral messages vanish when Discord reloads, the dialogue does not). Each hint or prompt
is an ephemeral message with Reply (a modal), Just tell me and Skip; every reply is graded
against that point only. The dialogue is kept in the store (the person's quiz attempt at the
card), each step saved in the transaction that takes it, so a restart loses nothing, and
the review is recorded once, when it ends. Every step defers, then follows up.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import discord

from bot.app import embeds
from bot.app.client import app
from bot.app.quiz import buttons
from bot.app.quiz._modals import ReplyModal
from bot.app.quiz.state import QuizState, WorkState
from bot.app.turns import fit, turns_text
from bot.core.attempts import STALE
from bot.core.cards import Card
from bot.core.dialogue import Answered, Dialogue, TutorTurn
from bot.errors import InputError

REPLY_LINE = "-# Reply in your own words, or press **Just tell me** or **Skip**."
RECORDED = "Your answer to this card is recorded already: press Next for another card."


def _work(dialogue: Dialogue, state: QuizState | WorkState) -> WorkState:
    return WorkState(
        dialogue.card_id, state.owner_id, state.session_id, dialogue.position, dialogue.step
    )


async def _kept(interaction: discord.Interaction, card: Card) -> Dialogue:
    tutor = app(interaction).tutor
    dialogue = await asyncio.to_thread(tutor.kept_dialogue, str(interaction.user.id), card.card_id)
    if dialogue is None:
        raise InputError(RECORDED)
    return dialogue


async def _at_step(interaction: discord.Interaction, work: WorkState, card: Card) -> Dialogue:
    dialogue = await _kept(interaction, card)
    if (dialogue.position, dialogue.step) != (work.position, work.step):
        raise InputError(STALE)
    return dialogue


async def _show(
    interaction: discord.Interaction, card: Card, result: Answered, state: WorkState | QuizState
) -> None:
    """What the tutor says next: the next step with its buttons, or the recorded result."""
    said = turns_text(result.turns)
    if result.dialogue is not None:
        await interaction.followup.send(
            content=fit(f"{said}\n{REPLY_LINE}"),
            view=buttons.step_view(_work(result.dialogue, state)),
            ephemeral=True,
        )
        return
    assert result.final is not None
    quiz = QuizState(card.card_id, state.owner_id, state.session_id, min(9, result.help_used))
    await interaction.followup.send(
        content=fit(said),
        embed=embeds.graded_embed(card, result.final, hints_used=result.help_used),
        view=buttons.result_view(quiz, explain=True),
        ephemeral=True,
    )


async def work_through(interaction: discord.Interaction, state: QuizState, card: Card) -> None:
    """Begin the dialogue with its first hint, or say again the step it waits on."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    bot = app(interaction)
    dialogue = await _kept(interaction, card)
    if dialogue.step == 0 and not dialogue.outcomes:  # offered, not begun: the first hint
        result = await asyncio.to_thread(bot.tutor.more, dialogue, card, now=bot.now())
        left = len(result.dialogue.queue) if result.dialogue else 0
        head = f"{left} point{'s' if left != 1 else ''} to work through, one at a time."
        result = replace(result, turns=(TutorTurn(head, "feedback", card.card_id), *result.turns))
        await _show(interaction, card, result, state)
        return
    turn = bot.tutor.where(dialogue, card)
    said = turns_text([turn]) if turn is not None else "Back to it."
    await interaction.followup.send(
        content=fit(f"Back to it: {said}\n{REPLY_LINE}"),
        view=buttons.step_view(_work(dialogue, state)),
        ephemeral=True,
    )


async def open_reply(interaction: discord.Interaction, work: WorkState, card: Card) -> None:
    """Open the reply modal (the step is checked when the reply arrives)."""
    await interaction.response.send_modal(ReplyModal(work, card))


async def reply(interaction: discord.Interaction, work: WorkState, card: Card, text: str) -> None:
    """A reply to the hint or prompt, graded against its point only."""
    if not text.strip():
        raise InputError("Your reply was empty: press Reply and write something.")
    await interaction.response.defer(ephemeral=True, thinking=True)
    bot = app(interaction)
    dialogue = await _at_step(interaction, work, card)
    result = await asyncio.to_thread(bot.tutor.reply, dialogue, card, text, now=bot.now())
    await _show(interaction, card, result, work)


async def tell(interaction: discord.Interaction, work: WorkState, card: Card) -> None:
    """ "Just tell me": the point stated, then the next one."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    bot = app(interaction)
    dialogue = await _at_step(interaction, work, card)
    result = await asyncio.to_thread(bot.tutor.tell, dialogue, card, now=bot.now())
    await _show(interaction, card, result, work)


async def leave(interaction: discord.Interaction, work: WorkState, card: Card) -> None:
    """Skip the rest: what was reached is recorded and the reference shown."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    bot = app(interaction)
    dialogue = await _at_step(interaction, work, card)
    result = await asyncio.to_thread(bot.tutor.end, dialogue, card, now=bot.now())
    await _show(interaction, card, result, work)
