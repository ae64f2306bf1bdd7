"""Pure parts of the Discord app: button state, embeds within Discord's limits, safe file names."""

from __future__ import annotations

import re

import discord
from hypothesis import given
from hypothesis import strategies as st

from bot.app import embeds
from bot.app.decks import upload_report
from bot.app.quiz.buttons import ITEMS
from bot.app.quiz.state import QuizState, WorkState, template
from bot.core.cards import Card
from bot.core.decks import parse_deck_bytes
from bot.core.grading import Grade

HUGE = "word " * 5000


def big_card() -> Card:
    return Card(deck="d" * 200, question=HUGE, answer=HUGE, title=HUGE, background=HUGE)


def total(*parts: discord.Embed) -> int:
    return sum(len(p) for p in parts)


@given(
    owner=st.integers(0, 2**64 - 1),
    session=st.integers(0, 10**18 - 1),
    hints=st.integers(0, 9),
    public=st.booleans(),
)
def test_quiz_state_round_trips_through_every_custom_id(
    owner: int, session: int, hints: int, public: bool
) -> None:
    state = QuizState("0123456789abcdef", owner, session, hints, public)
    for action in ("ans", "hint", "skip", "rev", "exp", "next", "modal"):
        custom_id = state.custom_id(action)
        assert len(custom_id) <= 100
        match = re.fullmatch(template(action), custom_id)
        assert match is not None
        assert QuizState.from_match(match) == state


def test_each_button_template_matches_only_its_own_action() -> None:
    quiz = QuizState("0123456789abcdef", 42, 7)
    work = WorkState("0123456789abcdef", 42, 7, position=1, step=2)
    actions = [item.face[0] for item in ITEMS]
    assert len(set(actions)) == len(actions), actions
    # Every custom id any button can carry: each action as a quiz id and as a step id.
    ids = {
        (a, kind): state.custom_id(a)
        for a in actions
        for kind, state in (("quiz", quiz), ("work", work))
    }
    for item in ITEMS:
        pattern = item.__discord_ui_compiled_template__
        own = [key for key, custom_id in ids.items() if pattern.fullmatch(custom_id)]
        assert len(own) == 1, (item.__name__, own)
        assert own[0][0] == item.face[0], (item.__name__, own)


def test_embeds_stay_within_discord_limits_for_huge_cards() -> None:
    card = big_card()
    grade = Grade(
        score=0.4, verdict="partial", covered=[HUGE] * 5, missed=[HUGE] * 5, reasons=[HUGE]
    )
    graded = embeds.graded_embed(card, grade, hints_used=2)
    question = embeds.question_embed(card, reason="new", hints=[HUGE] * 3, public=True)
    revealed = embeds.revealed_embed(card, skipped=True)
    for embed in (graded, question, revealed):
        assert len(embed) <= embeds.EMBED_TOTAL_MAX
        assert len(embed.title or "") <= embeds.TITLE_MAX
        assert len(embed.description or "") <= embeds.DESCRIPTION_MAX
        assert all(len(f.value or "") <= embeds.FIELD_MAX for f in embed.fields)
    explanation = embeds.explanation_embed(
        HUGE, done=True, budget=embeds.EMBED_TOTAL_MAX - len(graded)
    )
    assert total(graded, explanation) <= embeds.EMBED_TOTAL_MAX


def test_mentions_are_defused_in_everything_shown() -> None:
    card = Card(deck="x", question="Who is @everyone and <@123>?", answer="<@&5> and @here")
    shown = embeds.question_embed(card, reason="new").description or ""
    answer = embeds.revealed_embed(card, skipped=False).fields[0].value or ""
    for text in (shown, answer):
        assert (
            "@everyone" not in text
            and "<@123>" not in text
            and "<@&5>" not in text
            and "@here" not in text
        )


def test_score_bar() -> None:
    assert embeds.bar(0.0) == "░" * 10 + " 0%"
    assert embeds.bar(0.7) == "█" * 7 + "░" * 3 + " 70%"
    assert embeds.bar(1.5) == "█" * 10 + " 100%"


def test_upload_report_lists_each_bad_card_by_line() -> None:
    deck = parse_deck_bytes(
        b":p one?\n??x\nA\nx??\n---\n:p two?\n---\n:p three?\n", filename="d.md", scope="1"
    )
    text = upload_report(deck, added=1, updated=0)
    assert "Deck **d**: 1 cards ready (1 new, 0 changed)." in text
    assert [line for line in text.splitlines() if line.startswith("- line ")] == [
        f"- line {i.line}: {i.reason}" for i in deck.issues
    ]
