"""What each quiz step does: pick and post a card, grade an answer, stream an explanation.

Every step answers its interaction exactly once (a response, or a defer followed by
follow-ups and edits); every Tutor call that embeds, searches or touches the database runs
in a worker thread, so the event loop keeps acknowledging other people's clicks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

import discord

from bot.app import embeds
from bot.app.card_images import card_attachments
from bot.app.client import app, guild_scope
from bot.app.quiz import buttons
from bot.app.quiz._modals import AnswerModal
from bot.app.quiz.state import QuizState
from bot.app.streaming import relay
from bot.core.cards import Card
from bot.core.records import QuizSession
from bot.errors import CardNotFound, InputError

log = logging.getLogger(__name__)


async def start_quiz(
    interaction: discord.Interaction,
    *,
    topic: str | None,
    deck: str | None,
    public: bool,
) -> None:
    """The /quiz command: remember the options, then post the first card."""
    await interaction.response.defer(ephemeral=not public, thinking=True)
    bot = app(interaction)
    session = await asyncio.to_thread(
        bot.progress.open_quiz,
        user_id=str(interaction.user.id),
        guild_id=guild_scope(interaction),
        topic=topic,
        deck=deck,
        public=public,
        now=bot.now(),
    )
    await post_question(interaction, session, public=public)


async def post_question(
    interaction: discord.Interaction,
    session: QuizSession,
    *,
    public: bool = False,
    exclude: Collection[str] = (),
) -> None:
    """Pick the next card for the person and post it (the interaction is already deferred)."""
    bot = app(interaction)
    pick = await asyncio.to_thread(
        bot.tutor.next_card,
        str(interaction.user.id),
        now=bot.now(),
        guild_id=guild_scope(interaction),
        topic=session.topic,
        deck=session.deck,
        exclude=exclude,
    )
    if pick is None:
        where = f" on “{session.topic}”" if session.topic else ""
        where += f" in deck “{session.deck}”" if session.deck else ""
        text = f"I found no cards{where}. See /topics for what there is."
        await interaction.followup.send(embed=embeds.notice(text), ephemeral=True)
        return
    bot.prewarm(pick.card)
    # A new asking: what the store kept of the person's earlier attempt at the card ends.
    await asyncio.to_thread(bot.tutor.asking, str(interaction.user.id), pick.card, now=bot.now())
    state = QuizState(pick.card.card_id, interaction.user.id, session.id, 0, public)
    pictures = await asyncio.to_thread(card_attachments, bot.tutor, pick.card)
    await interaction.followup.send(
        embed=pictures.apply(embeds.question_embed(pick.card, reason=pick.reason, public=public)),
        files=pictures.files,
        view=buttons.question_view(state),
        ephemeral=not public,
    )


async def load_card(interaction: discord.Interaction, card_id: str) -> Card:
    """The card a button refers to, if it is still visible here (CardNotFound otherwise).

    Usually a dictionary read, done on the loop: a button that must answer with a modal or
    an edit (no defer possible) should not queue behind grading in the thread pool.
    """
    tutor = app(interaction).tutor
    scope = guild_scope(interaction)
    try:
        card = tutor.card_in_memory(card_id, scope)
        if card is None:  # the catalogue is not loaded yet (just started, or decks changed)
            card = await asyncio.to_thread(tutor.card, card_id, scope)
        return card
    except CardNotFound:
        raise CardNotFound(
            "That card is no longer available here (its deck was changed or removed): "
            "start a new /quiz."
        ) from None


async def open_answer(interaction: discord.Interaction, state: QuizState) -> None:
    """Open a modal for this person's answer (in a study group, their own copy)."""
    mine = state.for_person(interaction.user.id)
    card = await load_card(interaction, mine.card_id)
    await interaction.response.send_modal(AnswerModal(mine, card))
    app(interaction).prewarm(card)


async def show_hint(interaction: discord.Interaction, state: QuizState) -> None:
    """Reveal one more key point; the score on offer drops (no thread: it answers at once)."""
    bot = app(interaction)
    card = await load_card(interaction, state.card_id)
    hints = [h for i in range(state.hints + 1) if (h := bot.tutor.hint(card, i)) is not None]
    if len(hints) <= state.hints:
        await interaction.response.send_message(
            embed=embeds.notice("No more hints for this card: give it your best answer."),
            ephemeral=True,
        )
        return
    mine = state.for_person(interaction.user.id).with_hints(len(hints))
    embed = embeds.question_embed(card, reason="practice", hints=hints)
    if state.public:  # the group's message stays as it is; the hint is the clicker's alone
        await interaction.response.send_message(
            embed=embed, view=buttons.question_view(mine), ephemeral=True
        )
    else:
        await interaction.response.edit_message(embed=embed, view=buttons.question_view(mine))
    # Kept per person and card, so an answer from any message (the public one's buttons say
    # 0 hints for everyone) is charged for it.
    await asyncio.to_thread(
        bot.tutor.hinted, str(interaction.user.id), card, len(hints), now=bot.now()
    )


async def skip_card(interaction: discord.Interaction, state: QuizState, *, skipped: bool) -> None:
    """Skip or reveal: show the answer at once, then record it (the card comes back soon)."""
    bot = app(interaction)
    card = await load_card(interaction, state.card_id)
    embed = embeds.revealed_embed(card, skipped=skipped)
    view = buttons.revealed_view(state.for_person(interaction.user.id))
    if state.public:
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
    else:
        await interaction.response.edit_message(embed=embed, view=view)
    await asyncio.to_thread(
        bot.tutor.skip,
        str(interaction.user.id),
        card,
        now=bot.now(),
        guild_id=guild_scope(interaction),
        place="discord",
        attempt=True,
    )


async def grade_answer(interaction: discord.Interaction, state: QuizState, answer: str) -> None:
    """Grade a submitted answer, record it, and post the result privately."""
    if not answer.strip():
        raise InputError("Your answer was empty: press Answer and write something.")
    await interaction.response.defer(ephemeral=True, thinking=True)
    bot = app(interaction)
    card = await load_card(interaction, state.card_id)
    user = str(interaction.user.id)

    result = await asyncio.to_thread(
        bot.tutor.answer,
        user,
        card,
        answer,
        now=bot.now(),
        guild_id=guild_scope(interaction),
        place="discord",
        hints_used=state.hints,
        attempt=True,
    )
    mine = state.for_person(interaction.user.id).with_hints(min(9, result.help_used))
    # With points to work through, what was missed and the reference wait: Work through it
    # leads there, Explain shows them (and the dialogue on offer ends, recorded as graded).
    left = len(result.dialogue.queue) if result.dialogue is not None else 0
    embed = embeds.graded_embed(
        card, result.grade, hints_used=result.help_used, to_work_through=left
    )
    await interaction.followup.send(
        embed=embed, view=buttons.result_view(mine, explain=True, work=bool(left)), ephemeral=True
    )


async def explain(interaction: discord.Interaction, state: QuizState) -> None:
    """Stream the LLM's explanation into the result message, then show the checked text."""
    await interaction.response.defer()
    bot = app(interaction)
    card = await load_card(interaction, state.card_id)
    user = str(interaction.user.id)
    # Explaining ends a dialogue still on offer (or under way): what it reached is recorded;
    # and it shows the reference, so this person's answers to the card wait a while.
    await asyncio.to_thread(bot.tutor.settle, user, card, now=bot.now())
    await asyncio.to_thread(bot.tutor.shown_answer, user, card, now=bot.now())
    saved = await asyncio.to_thread(bot.progress.last_answer, user, card.card_id)
    if saved is None:
        raise InputError(
            "I no longer have your answer to this card: answer it again to get an explanation."
        )
    answer, hints = saved.answer, saved.hints_used
    grade = await asyncio.to_thread(bot.tutor.grade, card, answer, hints)
    graded = embeds.graded_embed(card, grade, hints_used=hints)
    budget = embeds.EMBED_TOTAL_MAX - len(graded)
    view = buttons.result_view(state, explain=False)

    async def show(text: str, *, done: bool, fallback: bool = False) -> None:
        part = embeds.explanation_embed(text, done=done, fallback=fallback, budget=budget)
        await interaction.edit_original_response(embeds=[graded, part], view=view)

    await show("", done=False)
    result = await relay(
        bot.tutor.explain(card, answer, grade), lambda text: show(text, done=False)
    )
    await show(result.text, done=True, fallback=result.fallback)


async def next_card(interaction: discord.Interaction, state: QuizState) -> None:
    """Post the next card with the quiz's topic and deck (privately)."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    bot = app(interaction)
    try:  # moving on ends a dialogue left on the last card (what it reached is recorded)
        card = await load_card(interaction, state.card_id)
        await asyncio.to_thread(bot.tutor.settle, str(interaction.user.id), card, now=bot.now())
    except CardNotFound:
        pass
    session = await asyncio.to_thread(bot.progress.quiz_session, state.session_id)
    if session is None:  # forgotten or unknown: keep going without a topic
        session = QuizSession(
            state.session_id, str(interaction.user.id), guild_scope(interaction), None, None, False
        )
    await post_question(interaction, session, public=False, exclude={state.card_id})
