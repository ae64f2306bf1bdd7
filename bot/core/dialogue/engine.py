"""The dialogue's moves: open on a graded answer, take a reply, tell, move on, finish.

Pure functions of a `Dialogue` and the card; the grading of a reply is done by the caller
(`Tutor.reply`, with `Grader.grade_point` against the current point only) and passed in as
its point state. Per point the tutor says at most three things — hint, prompt, assertion —
and moves on at once after a reply that covers the point or after the assertion.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.core.cards import Card
from bot.core.dialogue import templates
from bot.core.dialogue.state import Dialogue, Outcome, TutorTurn
from bot.core.grading import Grade, PointState
from bot.core.limits import MAX_EXPLAINED_ANSWER_CHARS

CORRECT_AT = 0.5
"""A dialogue ends correct only when the learner said every point and this much is on offer."""
VERDICT_WORDS = {"correct": "Correct", "partial": "Partly right", "incorrect": "Not quite"}


def begin(
    card: Card,
    points: list[str],
    answer: str,
    grade: Grade,
    *,
    user_id: str,
    now: datetime,
    guild_id: str | None = None,
    place: str = "",
    hints_before: int = 0,
) -> Dialogue | None:
    """A dialogue over what the answer missed or contradicted; None when there is nothing to do."""
    covered = set(grade.covered)
    against = set(grade.contradicted)
    if grade.verdict == "correct" and not against:
        return None
    contradicted = [i for i, p in enumerate(points) if p in against]
    missed = [i for i, p in enumerate(points) if p not in covered and p not in against]
    queue = (*contradicted, *missed)
    if not queue:
        return None
    return Dialogue(
        card_id=card.card_id,
        user_id=user_id,
        answer=answer[:MAX_EXPLAINED_ANSWER_CHARS],
        grade=grade,
        points=tuple(points),
        queue=queue,
        started_at=now,
        last_active=now,
        guild_id=guild_id,
        place=place,
        hints_before=hints_before,
        contradicted=tuple(contradicted),
    )


def opening(
    dialogue: Dialogue, card: Card, now: datetime, *, hint: bool = True
) -> tuple[Dialogue, list[TutorTurn]]:
    """The feedback on the answer, then the first point's hint (unless `hint` is False: a
    dialogue offered, which begins when the learner asks, with `say_next`)."""
    grade = dialogue.grade
    total = len(dialogue.points)
    left = len(dialogue.queue)
    label = VERDICT_WORDS.get(grade.verdict, grade.verdict)
    got = total - left
    if got:
        rest = "the one left" if left == 1 else f"the other {left}"
        said = f"You covered {got} of {total} points; let's work through {rest}."
    elif left == 1:
        said = "Let's work through it."
    else:
        said = f"Let's work through it, one point at a time ({left} points)."
    text = f"{label} ({round(grade.score * 100)}%). {said}"
    feedback = TutorTurn(text, "feedback", card.card_id, verdict=grade.verdict)
    if not hint:
        return dialogue, [feedback]
    dialogue, turns = say_next(dialogue, card, now)
    return dialogue, [feedback, *turns]


def say_next(dialogue: Dialogue, card: Card, now: datetime) -> tuple[Dialogue, list[TutorTurn]]:
    """The next turn on the current point (hint, prompt or assertion); after an assertion, the
    next point's hint too. No turn when every point has been worked through."""
    point = dialogue.current
    if point is None:
        return dialogue, []
    if dialogue.step >= 2:
        return tell(dialogue, card, now)
    others = [p for i, p in enumerate(dialogue.points) if i != point]
    _, key = templates.prompt(dialogue.points[point], card, others)
    ahead = _said(dialogue, now, step=dialogue.step + 1, key=key if dialogue.step == 1 else None)
    turn = current_turn(ahead, card)
    assert turn is not None
    return ahead, [turn]


def current_turn(dialogue: Dialogue, card: Card) -> TutorTurn | None:
    """What the tutor last asked on the current point, said again (nothing changes)."""
    point = dialogue.current
    if point is None or dialogue.step == 0:
        return None
    text = dialogue.points[point]
    if dialogue.step == 1:
        quote = None
        if point in dialogue.contradicted:
            quote = templates.quote_of(dialogue.answer, text) or None
        more = bool(dialogue.position) or len(dialogue.queue) < len(dialogue.points)
        said = templates.hint(text, card, quote=quote, more=more)
        return TutorTurn(said, "hint", card.card_id, point=point)
    others = [p for i, p in enumerate(dialogue.points) if i != point]
    said, _ = templates.prompt(text, card, others)
    return TutorTurn(said, "prompt", card.card_id, point=point)


def _said(dialogue: Dialogue, now: datetime, *, step: int, key: str | None = None) -> Dialogue:
    return replace(dialogue, step=step, key=key, help_used=dialogue.help_used + 1, last_active=now)


def tell(dialogue: Dialogue, card: Card, now: datetime) -> tuple[Dialogue, list[TutorTurn]]:
    """State the current point (the assertion), then go on to the next point."""
    point = dialogue.current
    if point is None:
        return dialogue, []
    turn = TutorTurn(
        templates.assertion(dialogue.points[point], card), "assertion", card.card_id, point=point
    )
    dialogue, following = say_next(dialogue.advanced("told", now), card, now)
    return dialogue, [turn, *following]


def reply(
    dialogue: Dialogue, card: Card, text: str, state: PointState, now: datetime
) -> tuple[Dialogue, list[TutorTurn]]:
    """Take a reply graded against the current point: confirm and move on, or say more."""
    point = dialogue.current
    if point is None:
        return dialogue, []
    filled = dialogue.step == 2 and templates.fills_blank(text, dialogue.key)
    covered = state == "covered" or (filled and state != "contradicted")
    if covered:
        outcome: Outcome = "hint" if dialogue.step <= 1 else "prompt"
        said = templates.confirmation(dialogue.points[point])
        turn = TutorTurn(said, "feedback", card.card_id, point=point, verdict="covered")
        dialogue, following = say_next(dialogue.advanced(outcome, now), card, now)
        return dialogue, [turn, *following]
    verdict = "contradicted" if state == "contradicted" else "missed"
    turn = TutorTurn(
        templates.not_yet(state == "contradicted"), "feedback", card.card_id, point, verdict
    )
    dialogue, following = say_next(dialogue, card, now)
    return dialogue, [turn, *following]


def final_grade(dialogue: Dialogue, score_on_offer: float) -> Grade:
    """The result recorded when the dialogue ends: what the learner said, capped by the help used.

    The share of points the learner said (in the answer or in a reply) counts up to what the
    help left on offer; the answer's own score is the floor, so working through a dialogue
    never costs more than skipping it would. The verdict is correct only when the learner
    said every point with at least `CORRECT_AT` on offer. A dialogue left before the tutor
    said anything (offered, never begun) records the answer's own grade.
    """
    if dialogue.help_used == 0 and not any(how != "skipped" for _, how in dialogue.outcomes):
        return dialogue.grade
    mine = dialogue.covered_by_learner()
    share = len(mine) / max(1, len(dialogue.points))
    score = max(dialogue.grade.score, min(score_on_offer, share))
    if len(mine) == len(dialogue.points) and score >= CORRECT_AT:
        verdict = "correct"
    elif mine or dialogue.grade.verdict == "partial":
        verdict = "partial"
    else:
        verdict = "incorrect"
    told = sum(1 for _, how in dialogue.outcomes if how == "told")
    reasons = [
        f"worked through {len(dialogue.queue)} point(s) with {dialogue.help_used} hint(s) "
        "and prompt(s), which lowered the score on offer"
    ]
    if told:
        reasons.append(f"{told} point(s) stated by the tutor")
    return Grade(
        score=round(score, 4),
        verdict=verdict,  # type: ignore[arg-type]
        covered=[dialogue.points[i] for i in mine],
        missed=[p for i, p in enumerate(dialogue.points) if i not in mine],
        reasons=reasons,
    )


def closing(dialogue: Dialogue, final: Grade, card: Card, *, stopped: bool) -> TutorTurn:
    """The last turn: how it went and what was recorded."""
    mine = len(final.covered)
    total = len(dialogue.points)
    if stopped:
        head = "Stopped here."
    elif mine == total:
        head = "That's every point, well done."
    else:
        head = f"That's every point: you said {mine} of {total} yourself."
    label = VERDICT_WORDS.get(final.verdict, final.verdict).lower()
    text = f"{head} Recorded as {label} ({round(final.score * 100)}%)."
    return TutorTurn(text, "done", card.card_id, verdict=final.verdict)
