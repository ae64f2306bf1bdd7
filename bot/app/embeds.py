"""How tutor results look in Discord: embeds built from cards, grades and explanations.

Every string that came from a deck, a person or the LLM passes `safe()` (mentions defused,
clipped to the embed field's limit) even though the client also sends `AllowedMentions.none()`:
a ping must be impossible twice over, and Discord rejects an embed past its limits.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.core.cards import Card
from bot.core.grading import Grade
from bot.core.hints import max_score_for
from bot.core.latex import math_to_text
from bot.core.text import clip, neutralize_mentions

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_MAX = 1024
EMBED_TOTAL_MAX = 6000
FOOTER_MAX = 2048

BLUE = discord.Colour.blurple()
GREEN = discord.Colour.green()
ORANGE = discord.Colour.orange()
RED = discord.Colour.red()
GREY = discord.Colour.light_grey()

VERDICTS = {
    "correct": ("Correct", GREEN),
    "partial": ("Partly right", ORANGE),
    "incorrect": ("Not quite", RED),
}


def safe(text: str, limit: int) -> str:
    """Text fit for an embed part: mentions defused, then clipped to `limit` characters."""
    return clip(neutralize_mentions(text.strip()), limit)


def bar(score: float, width: int = 10) -> str:
    """A score as a bar of blocks, e.g. `███████░░░ 70%`."""
    score = min(1.0, max(0.0, score))
    filled = round(score * width)
    return "█" * filled + "░" * (width - filled) + f" {round(score * 100)}%"


def _bullets(items: Sequence[str], mark: str, limit: int = FIELD_MAX) -> str:
    lines = [f"{mark} {neutralize_mentions(clip(i.strip(), 300))}" for i in items if i.strip()]
    return clip("\n".join(lines), limit) or "—"


def readable(text: str) -> str:
    """Card text as a person reads it in an embed field: math as plain text (`a/b`, `x²`);
    a question keeps its LaTeX, since its rendered picture comes with it."""
    return math_to_text(text)


def card_label(card: Card) -> str:
    """A short name for a card: its title, else its question."""
    return clip((card.title or card.question).strip(), 100)


def question_embed(
    card: Card, *, reason: str, hints: Sequence[str] = (), public: bool = False
) -> discord.Embed:
    """The question a quiz message asks, with any hints revealed so far."""
    embed = discord.Embed(
        title=safe(card.title or "Question", TITLE_MAX),
        description=safe(card.question, DESCRIPTION_MAX - 200),
        colour=BLUE,
    )
    if hints:
        embed.add_field(name="Hints", value=_bullets(hints, "💡"), inline=False)
        embed.add_field(
            name="Score on offer", value=bar(max_score_for(len(hints))).split()[-1], inline=True
        )
    how = "Everyone answers privately with **Answer**." if public else "Answer in your own words."
    why = {"due": "due for review", "new": "new card", "practice": "practice"}.get(reason, reason)
    embed.set_footer(text=safe(f"{card.deck} · {why} · {how.replace('**', '')}", FOOTER_MAX))
    return embed


def graded_embed(
    card: Card, grade: Grade, *, hints_used: int = 0, to_work_through: int = 0
) -> discord.Embed:
    """The graded result: score bar, verdict, what was covered and missed, the reference.

    With points `to_work_through` (a dialogue follows), what was missed and the reference
    stay hidden: the dialogue leads the learner to them.
    """
    title, colour = VERDICTS.get(grade.verdict, (grade.verdict.title(), GREY))
    embed = discord.Embed(
        title=title,
        description=safe(f"{bar(grade.score)}\n**Q:** {card.question}", 1500),
        colour=colour,
    )
    if grade.covered:
        embed.add_field(name="You covered", value=_bullets(grade.covered, "✅"), inline=False)
    if grade.contradicted:
        wrong = _bullets(grade.corrections(reveal=not to_work_through), "✗")
        embed.add_field(name="You got wrong", value=wrong, inline=False)
    if to_work_through:
        left = f"{to_work_through} point{'s' if to_work_through > 1 else ''}, one at a time"
        embed.add_field(name="Still to work through", value=left, inline=False)
    elif grade.missed:
        embed.add_field(name="You missed", value=_bullets(grade.missed, "❌"), inline=False)
    if grade.reasons:
        embed.add_field(name="Notes", value=_bullets(grade.reasons, "•", 600), inline=False)
    if not to_work_through:
        embed.add_field(
            name="Reference answer", value=safe(readable(card.answer), FIELD_MAX), inline=False
        )
    footer = f"{card.deck} · hints used: {hints_used}" if hints_used else card.deck
    embed.set_footer(text=safe(footer, FOOTER_MAX))
    return embed


def explanation_embed(
    text: str, *, done: bool, fallback: bool = False, budget: int = 0
) -> discord.Embed:
    """The explanation, while it streams (`done=False`) and once checked.

    `budget` is what the other embeds of the message leave of Discord's 6000-character total.
    """
    limit = DESCRIPTION_MAX if budget <= 0 else max(100, min(DESCRIPTION_MAX, budget - 100))
    body = text.strip() or "…"
    if not done:
        body += " ▍"
    title = "Explanation" if done else "Explaining…"
    if done and fallback:
        title = "Explanation (from the card)"
    embed = discord.Embed(title=title, description=safe(body, limit), colour=GREY)
    if done and not fallback:
        embed.set_footer(text="Checked against the card: unsupported sentences were removed.")
    return embed


def revealed_embed(card: Card, *, skipped: bool) -> discord.Embed:
    """The answer shown after Skip or Reveal."""
    embed = discord.Embed(
        title=safe(("Skipped: " if skipped else "Answer: ") + (card.title or "card"), TITLE_MAX),
        description=safe(f"**Q:** {card.question}", 1500),
        colour=GREY,
    )
    embed.add_field(
        name="Reference answer", value=safe(readable(card.answer), FIELD_MAX), inline=False
    )
    embed.set_footer(text=safe(f"{card.deck} · it will come back soon", FOOTER_MAX))
    return embed


def answer_text_embed(question: str, text: str, *, done: bool) -> discord.Embed:
    """An /ask answer, while streaming and when done."""
    body = text.strip() or "…"
    if not done:
        body += " ▍"
    return discord.Embed(
        title=safe(question, TITLE_MAX),
        description=safe(body, DESCRIPTION_MAX),
        colour=BLUE if done else GREY,
    )


def notice(text: str, *, colour: discord.Colour = GREY) -> discord.Embed:
    """A one-line message in an embed."""
    return discord.Embed(description=safe(text, DESCRIPTION_MAX), colour=colour)
