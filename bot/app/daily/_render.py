"""What a daily push looks like: the quiz's own question embeds and buttons, grouped.

A DM push of up to 20 cards goes out as messages of up to 5 cards: each card is the same
question embed as /quiz with its own row of the quiz's persistent buttons (Answer, Hint,
Skip, Reveal), so answering, grading, Explain and Next are the /quiz flow itself. The
buttons are "public" quiz buttons: a hint or a skip answers privately instead of editing
the shared message, which still holds the other cards.

Every message starts with a small header embed whose footer names the push (day and part):
it is how a push is found again in a channel when its nonce has expired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import discord

from bot.app import embeds
from bot.app.daily._sender import Outgoing
from bot.app.quiz.buttons import AnswerButton, HintButton, RevealButton, SkipButton
from bot.app.quiz.state import QuizState
from bot.core import daily
from bot.core.cards import Card
from bot.core.records import PushRecord, Subscription

MARK = "flashtutor daily"
EMBEDS_BUDGET = 5600
"""Characters for all embeds of one message (Discord allows 6000)."""
CHANNEL_OWNER = 0
"""Owner id of a channel question's buttons: nobody in particular, anyone may answer."""


def marker(day: date, part: int, parts: int) -> str:
    """The footer that identifies one message of one push."""
    return f"{MARK} · {day.isoformat()} · {part + 1}/{parts}"


def _fit(embed: discord.Embed, limit: int) -> discord.Embed:
    # A long question is clipped so that five of them and a header fit one message.
    overflow = len(embed) - limit
    if overflow > 0 and embed.description:
        embed.description = embeds.safe(
            embed.description, max(100, len(embed.description) - overflow)
        )
    return embed


def _card_row(
    view: discord.ui.View, state: QuizState, row: int, number: int | None
) -> discord.ui.View:
    answer = AnswerButton(state)
    if number is not None:
        answer.item.label = f"Answer {number}"
    for item in (answer, HintButton(state), SkipButton(state), RevealButton(state)):
        item.row = row
        view.add_item(item)
    return view


def _summary(reasons: Sequence[str], topic: str | None) -> str:
    due, new = reasons.count("due"), reasons.count("new")
    practice = len(reasons) - due - new
    parts = [f"{due} due for review"] if due else []
    parts += [f"{new} new"] if new else []
    parts += [f"{practice} to practise"] if practice else []
    on = f" on “{topic}”" if topic else ""
    return ", ".join(parts) + on


def dm_messages(
    sub: Subscription, record: PushRecord, cards: Sequence[Card], channel_id: int
) -> list[Outgoing]:
    """The messages of a person's daily quiz (one per 5 cards)."""
    reasons = dict(zip(record.card_ids, record.reasons, strict=False))
    owner = int(sub.user_id or 0)
    parts = daily.split_parts([c.card_id for c in cards])
    by_id = {c.card_id: c for c in cards}
    total = len(cards)
    out: list[Outgoing] = []
    number = 0
    for index, ids in enumerate(parts):
        if index == 0:
            header = discord.Embed(
                title=f"📅 Your daily quiz · {record.local_date:%A %d %B}",
                description=embeds.safe(
                    f"{total} card{'s' if total != 1 else ''}: "
                    f"{_summary([reasons.get(c.card_id, 'new') for c in cards], sub.topic)}. "
                    "Press **Answer** under a card to answer it in your own words.",
                    1000,
                ),
                colour=embeds.BLUE,
            )
        else:
            header = discord.Embed(
                title="📅 Your daily quiz (continued)",
                description=f"Cards {number + 1}–{number + len(ids)} of {total}.",
                colour=embeds.BLUE,
            )
        header.set_footer(text=marker(record.local_date, index, len(parts)))
        limit = (EMBEDS_BUDGET - len(header)) // len(ids)
        view = discord.ui.View(timeout=None)
        items = [header]
        for row, card_id in enumerate(ids):
            number += 1
            card = by_id[card_id]
            embed = embeds.question_embed(card, reason=reasons.get(card_id, "new"))
            embed.title = embeds.safe(f"{number} · {embed.title or 'Question'}", embeds.TITLE_MAX)
            items.append(_fit(embed, limit))
            state = QuizState(card_id, owner, record.session_id, 0, public=True)
            _card_row(view, state, row, number if total > 1 else None)
        nonce = daily.nonce(sub.id, record.local_date, index)
        out.append(Outgoing(channel_id, nonce, items, view))
    return out


@dataclass(frozen=True, slots=True)
class Yesterday:
    """How a channel's previous question went."""

    card: Card | None
    answered: int
    correct: int


def channel_message(
    sub: Subscription, record: PushRecord, card: Card, yesterday: Yesterday | None
) -> Outgoing:
    """A channel's shared daily question, with how the previous one went."""
    header = discord.Embed(
        title=f"📅 Question of the day · {record.local_date:%A %d %B}",
        description=(
            "Everyone answers privately with **Answer**; tomorrow I post the answer and how "
            "many got it right."
        ),
        colour=embeds.BLUE,
    )
    if yesterday is not None and yesterday.card is not None:
        header.add_field(
            name="Yesterday's question",
            value=embeds.safe(yesterday.card.question, 300),
            inline=False,
        )
        header.add_field(
            name="Its answer", value=embeds.safe(yesterday.card.answer, 700), inline=False
        )
        if yesterday.answered:
            went = f"{yesterday.correct} of {yesterday.answered} who answered got it right."
        else:
            went = "Nobody answered it."
        header.add_field(name="How it went", value=went, inline=False)
    header.set_footer(text=marker(record.local_date, 0, 1))
    question = embeds.question_embed(card, reason="new", public=True)
    state = QuizState(card.card_id, CHANNEL_OWNER, record.session_id, 0, public=True)
    view = _card_row(discord.ui.View(timeout=None), state, 0, None)
    nonce = daily.nonce(sub.id, record.local_date, 0)
    return Outgoing(int(sub.channel_id or 0), nonce, [header, _fit(question, 4000)], view)


def notice_message(channel_id: int, nonce: str, title: str, text: str) -> Outgoing:
    """A one-off notice (e.g. to a server's owner), without buttons."""
    embed = discord.Embed(
        title=embeds.safe(title, embeds.TITLE_MAX),
        description=embeds.safe(text, 2000),
        colour=embeds.ORANGE,
    )
    return Outgoing(channel_id, nonce, [embed], None)
