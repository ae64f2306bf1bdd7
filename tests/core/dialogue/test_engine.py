"""The dialogue's moves, given each reply's point state: order, three turns, help, final result."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.core.cards import Card
from bot.core.dialogue import engine
from bot.core.dialogue.state import Dialogue
from bot.core.grading import Grade
from bot.core.hints import max_score_for

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
POINTS = [
    "Negative sampling reduces the computational cost of training.",
    "It samples a few random negative words for each positive pair.",
    "The model learns to output 1 for real pairs and 0 for sampled ones.",
]
CARD = Card(deck="d", question="What is negative sampling?", answer=" ".join(POINTS))


def _begin(covered: list[int], contradicted: list[int] = (), score: float = 0.4) -> Dialogue:  # type: ignore[assignment]
    grade = Grade(
        score,
        "partial" if covered else "incorrect",
        [POINTS[i] for i in covered],
        [p for i, p in enumerate(POINTS) if i not in covered],
        [],
        [POINTS[i] for i in contradicted],
    )
    found = engine.begin(
        CARD, POINTS, "It is sampling. It picks the words at random.", grade, user_id="u", now=T0
    )
    assert found is not None
    return found


def test_a_correct_answer_needs_no_dialogue() -> None:
    grade = Grade(0.9, "correct", POINTS, [], [])
    assert engine.begin(CARD, POINTS, "x", grade, user_id="u", now=T0) is None


def test_contradicted_points_come_first_then_missed_in_order() -> None:
    d = _begin(covered=[0], contradicted=[2])
    assert d.queue == (2, 1)
    d, turns = engine.opening(d, CARD, T0)
    assert [t.step for t in turns] == ["feedback", "hint"]
    assert "1 of 3" in turns[0].text and turns[0].verdict == "partial"
    assert turns[1].point == 2 and turns[1].text.startswith("You said “")


def test_hint_then_prompt_then_assertion_then_the_next_point() -> None:
    d, _ = engine.opening(_begin(covered=[0]), CARD, T0)
    d, turns = engine.reply(d, CARD, "no idea", "missed", T0)
    assert [(t.step, t.verdict) for t in turns] == [("feedback", "missed"), ("prompt", None)]
    d, turns = engine.reply(d, CARD, "still no idea", "missed", T0)
    assert [t.step for t in turns] == ["feedback", "assertion", "hint"]
    assert POINTS[1] in turns[1].text and turns[2].point == 2
    assert d.outcomes == ((1, "told"),) and d.help_used == 3  # hint, prompt, next hint


def test_a_covering_reply_is_confirmed_and_the_dialogue_moves_on() -> None:
    d, _ = engine.opening(_begin(covered=[0]), CARD, T0)
    d, turns = engine.reply(d, CARD, "random negatives per positive pair", "covered", T0)
    assert [(t.step, t.verdict) for t in turns] == [("feedback", "covered"), ("hint", None)]
    d, _ = engine.reply(d, CARD, "?", "missed", T0)  # now on the prompt of point 2
    assert d.key is not None
    d, turns = engine.reply(d, CARD, f"it is {d.key}", "missed", T0)  # filling the blank counts
    assert [t.step for t in turns] == ["feedback"] and d.finished
    assert d.outcomes == ((1, "hint"), (2, "prompt"))


def test_at_most_three_tutor_turns_per_point() -> None:
    d, turns = engine.opening(_begin(covered=[]), CARD, T0)
    said = [t for t in turns if t.point is not None and t.step != "feedback"]
    while not d.finished:
        d, turns = engine.reply(d, CARD, "no", "missed", T0)
        said += [t for t in turns if t.step != "feedback"]
    for point in range(3):
        assert [t.step for t in said if t.point == point] == ["hint", "prompt", "assertion"]


def test_the_final_result_reflects_the_help_used() -> None:
    d, _ = engine.opening(_begin(covered=[0, 1], score=0.45), CARD, T0)
    d, _ = engine.reply(d, CARD, "1 for real pairs, 0 for sampled", "covered", T0)
    final = engine.final_grade(d, max_score_for(d.help_used))
    assert final.verdict == "correct" and final.score == 0.75  # all said, one hint
    told, _ = engine.tell(engine.opening(_begin(covered=[0, 1], score=0.45), CARD, T0)[0], CARD, T0)
    final = engine.final_grade(told, max_score_for(told.help_used))
    assert final.verdict == "partial" and final.missed == [POINTS[2]]
    nothing, _ = engine.opening(_begin(covered=[], score=0.1), CARD, T0)
    final = engine.final_grade(nothing.left(T0), max_score_for(nothing.help_used))
    assert final.verdict == "incorrect" and final.score == 0.1


def test_round_trips_through_json() -> None:
    d, _ = engine.opening(_begin(covered=[0], contradicted=[2]), CARD, T0)
    d, _ = engine.reply(d, CARD, "no", "missed", T0)
    again = Dialogue.from_dict(json.loads(json.dumps(d.to_dict())))
    assert again == d


def test_working_through_never_scores_below_the_answer_itself() -> None:
    d, _ = engine.opening(_begin(covered=[0], score=0.45), CARD, T0)
    while not d.finished:  # every point needs its hint and its prompt
        d, _ = engine.reply(d, CARD, "no", "missed", T0)
        if d.step == 2 and not d.finished:
            d, _ = engine.reply(d, CARD, "covered now", "covered", T0)
    final = engine.final_grade(d, max_score_for(d.help_used))
    assert max_score_for(d.help_used) == 0.25
    assert final.score == 0.45 and final.verdict == "partial"
