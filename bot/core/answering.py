"""Answering a card: grade, record, remember — and the dialogue on what the answer missed.

The `Tutor` inherits these methods (`Tutor(Answering)`); every front end calls them on it.
An answer that misses or contradicts points opens a dialogue (hint, prompt, assertion per
point, see `bot.core.dialogue`); the review is recorded once, when the dialogue ends, with
the final result, in one store transaction with the answer kept for a later explanation.

With `attempt=True` (the quiz) the person's attempt at the card counts (hints shown,
reference seen: `bot.core.attempts`); the answer is recorded at once (stats, streaks and a
study group's tally see it) and a dialogue on it is offered and kept in the store between
clicks (`Dialogue.kept`), each step saved in the transaction that takes it; when it ends,
that same review gets the final result (still one review, rescheduled as if it had been that
result).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.attempts import STALE, QuizAttempts
from bot.core.cards import Card
from bot.core.dialogue import engine
from bot.core.dialogue.state import Answered, Dialogue, TutorTurn
from bot.core.grading import Grade, Grader
from bot.core.hints import max_score_for
from bot.core.latex import math_to_text
from bot.core.limits import MAX_ANSWER_CHARS
from bot.core.neighbours import neighbours
from bot.core.ports import CardSource, ProgressLog
from bot.core.records import ReviewResult
from bot.errors import InputError


def check_answer(answer: str) -> str:
    """An answer fit to grade, or InputError saying what is wrong with it."""
    if len(answer) > MAX_ANSWER_CHARS:
        raise InputError(
            f"That answer is too long ({len(answer)} characters; the limit is {MAX_ANSWER_CHARS})."
        )
    return answer


class Answering(QuizAttempts):
    """Grade, record and remember answers; the dialogue that follows; quiz attempts."""

    progress: ProgressLog
    grader: Grader
    cards: CardSource

    if TYPE_CHECKING:  # defined by the Tutor

        def card(self, card_id: str, guild_id: str | None = None) -> Card:
            """A card visible from this place."""
            ...

        def grade(self, card: Card, answer: str, hints_used: int = 0) -> Grade:
            """Grade an answer (nothing is recorded)."""
            ...

        def review(
            self,
            user_id: str,
            card: Card,
            grade: Grade,
            *,
            now: datetime,
            guild_id: str | None = None,
            place: str = "",
            hints_used: int = 0,
        ) -> ReviewResult:
            """Record a graded answer for spaced repetition."""
            ...

    def answer(
        self,
        user_id: str,
        card: Card,
        answer: str,
        *,
        now: datetime,
        guild_id: str | None = None,
        place: str = "",
        hints_used: int = 0,
        dialogue: bool = True,
        attempt: bool = False,
    ) -> Answered:
        """Grade an answer; record it, or open a dialogue on what it missed or contradicted.

        With a dialogue the review is recorded once, when the dialogue ends (`reply`, `tell`,
        `more`, `end`), with the final result; without one (a correct answer, or `dialogue`
        False) it is recorded now. With `attempt` (the quiz) the person's attempt at the card
        counts (see the module), the answer is recorded now, and a dialogue is kept in the
        store and only offered: its first hint comes with `more`, and its end amends the
        review with the final result.
        """
        if attempt:
            hints_used = max(hints_used, self._charged(user_id, card, now))
        grade = self.grade(card, answer, hints_used)
        opened = None
        if dialogue:
            opened = engine.begin(
                card,
                self.grader.key_points(math_to_text(card.answer)),
                answer,
                grade,
                user_id=user_id,
                now=now,
                guild_id=guild_id,
                place=place,
                hints_before=hints_used,
            )
        if opened is not None and not attempt:
            opened, turns = engine.opening(opened, card, now)
            return Answered(
                card.card_id, grade, tuple(turns), dialogue=opened, help_used=hints_used
            )
        label = engine.VERDICT_WORDS.get(grade.verdict, grade.verdict)
        said = [
            TutorTurn(
                f"{label} ({round(grade.score * 100)}%).",
                "done",
                card.card_id,
                verdict=grade.verdict,
            )
        ]
        if opened is not None:  # the quiz: recorded now, the dialogue offered and kept
            opened, said = engine.opening(replace(opened, kept=True), card, now, hint=False)
        with self.progress.atomic():  # the review and the answer kept: both, or neither
            review = self.review(
                user_id, card, grade, now=now, guild_id=guild_id, place=place, hints_used=hints_used
            )
            self._remember(user_id, card, answer, hints_used, now)
            if opened is not None:
                self._keep(opened, now)
            elif attempt:
                self._seen(user_id, card.card_id, review, now)
        return Answered(
            card.card_id,
            grade,
            tuple(said),
            dialogue=opened,
            review=review,
            final=grade,
            help_used=hints_used,
        )

    def reply(self, dialogue: Dialogue, card: Card, text: str, *, now: datetime) -> Answered:
        """A reply in a dialogue, graded against the point being worked on only."""
        point = dialogue.current
        if point is None:
            return self._close(dialogue, dialogue, card, [], now=now, stopped=False)
        if self.grader.key_points(math_to_text(card.answer)) != list(dialogue.points):
            # The card was edited mid-dialogue: its points no longer line up, so stop here.
            return self.end(dialogue, card, now=now)
        text = check_answer(text)
        # The deck's cards nearest the reply: a reply that fits one of them (or another key
        # point of this card) better than its own point is not credited for it.
        near = [(math_to_text(q), math_to_text(r)) for q, r in neighbours(self.cards, card, text)]
        graded = self.grader.grade_point(
            math_to_text(card.question), math_to_text(card.answer), point, text, neighbours=near
        )
        after, turns = engine.reply(dialogue, card, text, graded.state, now)
        return self._went_on(dialogue, after, card, turns, now=now)

    def tell(self, dialogue: Dialogue, card: Card, *, now: datetime) -> Answered:
        """ "Just tell me": state the current point, then go on to the next."""
        after, turns = engine.tell(dialogue, card, now)
        return self._went_on(dialogue, after, card, turns, now=now)

    def more(self, dialogue: Dialogue, card: Card, *, now: datetime) -> Answered:
        """More help on the current point ("hint" in a dialogue): the next step at once."""
        after, turns = engine.say_next(dialogue, card, now)
        return self._went_on(dialogue, after, card, turns, now=now)

    def where(self, dialogue: Dialogue, card: Card) -> TutorTurn | None:
        """The hint or prompt the dialogue waits on, said again ("back to …", after a restart)."""
        return engine.current_turn(dialogue, card)

    def end(self, dialogue: Dialogue, card: Card, *, now: datetime) -> Answered:
        """Leave the dialogue ("skip", "stop", idle): record what was reached."""
        return self._close(dialogue, dialogue.left(now), card, [], now=now, stopped=True)

    # --- moving on and closing ------------------------------------------------------------

    def _went_on(
        self,
        before: Dialogue,
        dialogue: Dialogue,
        card: Card,
        turns: list[TutorTurn],
        *,
        now: datetime,
    ) -> Answered:
        if dialogue.finished:
            return self._close(before, dialogue, card, turns, now=now, stopped=False)
        if dialogue.kept:
            with self.progress.atomic():
                self._check_kept(before)
                self._keep(dialogue, now)
        help_used = dialogue.hints_before + dialogue.help_used
        return Answered(
            card.card_id, dialogue.grade, tuple(turns), dialogue=dialogue, help_used=help_used
        )

    def _close(
        self,
        before: Dialogue,
        dialogue: Dialogue,
        card: Card,
        turns: list[TutorTurn],
        *,
        now: datetime,
        stopped: bool,
    ) -> Answered:
        help_used = dialogue.hints_before + dialogue.help_used
        final = engine.final_grade(dialogue, max_score_for(help_used))
        with self.progress.atomic():  # the review, the answer kept and the attempt: all or none
            self._check_kept(before)
            if dialogue.kept:  # recorded when answered: that review now gets the final result
                amended = self.progress.amend_review(
                    user_id=dialogue.user_id,
                    card_id=card.card_id,
                    reviewed_at=dialogue.started_at,
                    score=final.score,
                    verdict=final.verdict,
                    hints_used=help_used,
                )
                if amended is None:
                    raise InputError(STALE)
                review = amended
                self._seen(dialogue.user_id, card.card_id, review, now)
            else:
                review = self.review(
                    dialogue.user_id,
                    card,
                    final,
                    now=now,
                    guild_id=dialogue.guild_id,
                    place=dialogue.place,
                    hints_used=help_used,
                )
                self._remember(dialogue.user_id, card, dialogue.answer, dialogue.hints_before, now)
        done = engine.closing(dialogue, final, card, stopped=stopped)
        return Answered(
            card.card_id,
            dialogue.grade,
            (*turns, done),
            review=review,
            final=final,
            help_used=help_used,
        )

    def _remember(
        self, user_id: str, card: Card, answer: str, hints_used: int, now: datetime
    ) -> None:
        # The answer itself, for an explanation asked for later ("explain", the Explain button).
        self.progress.save_answer(
            user_id=user_id, card_id=card.card_id, answer=answer, hints_used=hints_used, now=now
        )
