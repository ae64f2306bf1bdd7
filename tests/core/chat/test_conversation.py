"""The conversation state machine: steps, bounds, idling, JSON round trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.core.chat.conversation import IDLE_AFTER, MAX_TURNS, RECENT_CARDS, Conversation, Phase
from bot.core.grading import Grade

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


# --- the state ---------------------------------------------------------------------------


def _conv() -> Conversation:
    return Conversation(
        user_id="42", place="dm", channel_id="900", started_at=T0, last_active=T0, guild_id="7"
    )


def test_steps_through_a_card() -> None:
    conv = _conv().asking("c1", T0)
    assert conv.phase is Phase.ASKING and conv.card_id == "c1" and conv.hints_used == 0
    conv = conv.hinted(T0).hinted(T0 + timedelta(seconds=5))
    assert conv.hints_used == 2
    grade = Grade(0.5, "partial", ["a"], ["b"], [])
    conv = conv.graded("my answer " * 500, grade, T0 + timedelta(minutes=1))
    assert conv.phase is Phase.GRADED and conv.answered == 1 and conv.correct == 0
    assert conv.last_answer is not None and len(conv.last_answer) == 1000
    assert conv.grade() == grade
    conv = conv.asking("c2", T0 + timedelta(minutes=2))
    assert conv.hints_used == 0 and conv.grade() is None and conv.recent_cards == ("c1", "c2")
    correct = conv.graded("x", Grade(0.9, "correct", [], [], []), T0)
    assert correct.correct == 1 and correct.answered == 2


def test_turns_and_recent_cards_are_bounded() -> None:
    conv = _conv()
    for i in range(MAX_TURNS + 4):
        conv = conv.said("person" if i % 2 else "tutor", f"turn {i} " + "z" * 400)
    assert len(conv.turns) == MAX_TURNS
    assert conv.turns[-1].text.startswith(f"turn {MAX_TURNS + 3}")
    assert all(len(t.text) <= 300 for t in conv.turns)
    for i in range(RECENT_CARDS + 3):
        conv = conv.asking(f"c{i}", T0)
    assert len(conv.recent_cards) == RECENT_CARDS


def test_other_people_are_noticed_once() -> None:
    conv = _conv().noticed("7").noticed("7").noticed("8")
    assert conv.ignored == ("7", "8")


def test_idle_after_thirty_minutes() -> None:
    conv = _conv().touched(T0)
    assert not conv.idle(T0 + IDLE_AFTER - timedelta(seconds=1))
    assert conv.idle(T0 + IDLE_AFTER)


def test_round_trips_through_json() -> None:
    conv = (
        _conv()
        .asking("c1", T0)
        .said("tutor", "What is X?")
        .said("person", "an answer")
        .graded("an answer", Grade(0.7, "partial", ["p"], ["q"], ["r"]), T0)
        .noticed("99")
    )
    again = Conversation.from_dict(json.loads(json.dumps(conv.to_dict())))
    assert again == conv
    assert again.phase is Phase.GRADED and again.grade() == conv.grade()
