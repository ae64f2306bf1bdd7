"""Answering a card: grade, record, remember — and the dialogue on what the answer missed.

The `Tutor` inherits these methods (`Tutor(Answering)`); every front end calls them on it.
An answer that misses or contradicts points opens a dialogue (hint, prompt, assertion per
point, see `bot.core.dialogue`); the review is recorded once, when the dialogue ends, with
the final result, in one store transaction with the answer kept for a later explanation.

Quiz attempts (`attempt=True`, the quiz): what a person did to a card between clicks is
kept in the store per (person, card), never only in a message's custom id, because a public
quiz message's buttons are the same for everyone:

- hints: an answer is charged the higher of the hints its button carries and the hints the
  person was shown (`hinted`);
- the reference seen (Reveal, Skip, or an answer's result): a further answer to the card is
  refused until the attempt expires (when the card is due again, within `SEEN_FOR`);
- a dialogue on the answer is kept there between clicks (`kept`), each step saved in the
  transaction that takes it, and an idle one is closed by `close_idle_attempts`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.cards import Card
from bot.core.chat.conversation import IDLE_AFTER
from bot.core.dialogue import engine
from bot.core.dialogue.state import Answered, Dialogue, TutorTurn
from bot.core.grading import Grade, Grader
from bot.core.hints import max_score_for
from bot.core.limits import MAX_ANSWER_CHARS
from bot.core.ports import ProgressLog
from bot.core.records import QuizAttempt, ReviewResult
from bot.errors import CardNotFound, InputError

HINTS_FOR = timedelta(hours=6)
"""Hints a person was shown count against their answer for this long."""
SEEN_FOR = timedelta(hours=1)
"""After seeing a card's reference, a person's answers to it are refused at most this long
(less when the card is due again sooner: then answering it is the review it asks for)."""
KEPT_IDLE = IDLE_AFTER
"""A kept dialogue with no click for this long is closed (recording what was reached)."""

SEEN = (
    "You have already seen the answer to this card (Reveal, Skip or your result), so an answer "
    "now would not be a fair test: it comes back for review soon."
)
WORKING = (
    "You are already working through your answer to this card: carry on under your result "
    "(Work through it), or press Skip there."
)
STALE = "That step is already over: carry on from your latest message."


def check_answer(answer: str) -> str:
    """An answer fit to grade, or InputError saying what is wrong with it."""
    if len(answer) > MAX_ANSWER_CHARS:
        raise InputError(
            f"That answer is too long ({len(answer)} characters; the limit is {MAX_ANSWER_CHARS})."
        )
    return answer


class Answering:
    """Grade, record and remember answers; the dialogue that follows; quiz attempts."""

    progress: ProgressLog
    grader: Grader

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
        counts (see the module) and a dialogue is kept in the store and only offered: its
        first hint comes with `more`.
        """
        if attempt:
            hints_used = max(hints_used, self._charged(user_id, card, now))
        grade = self.grade(card, answer, hints_used)
        opened = None
        if dialogue:
            opened = engine.begin(
                card,
                self.grader.key_points(card.answer),
                answer,
                grade,
                user_id=user_id,
                now=now,
                guild_id=guild_id,
                place=place,
                hints_before=hints_used,
            )
        if opened is not None:
            opened = replace(opened, kept=attempt)
            opened, turns = engine.opening(opened, card, now, hint=not attempt)
            if attempt:
                self._keep(opened, now)
            return Answered(
                card.card_id, grade, tuple(turns), dialogue=opened, help_used=hints_used
            )
        with self.progress.atomic():  # the review and the answer kept: both, or neither
            review = self.review(
                user_id, card, grade, now=now, guild_id=guild_id, place=place, hints_used=hints_used
            )
            self._remember(user_id, card, answer, hints_used, now)
            if attempt:
                self._seen(user_id, card.card_id, review, now)
        label = engine.VERDICT_WORDS.get(grade.verdict, grade.verdict)
        said = TutorTurn(
            f"{label} ({round(grade.score * 100)}%).", "done", card.card_id, verdict=grade.verdict
        )
        return Answered(
            card.card_id, grade, (said,), review=review, final=grade, help_used=hints_used
        )

    def reply(self, dialogue: Dialogue, card: Card, text: str, *, now: datetime) -> Answered:
        """A reply in a dialogue, graded against the point being worked on only."""
        point = dialogue.current
        if point is None:
            return self._close(dialogue, dialogue, card, [], now=now, stopped=False)
        if self.grader.key_points(card.answer) != list(dialogue.points):
            # The card was edited mid-dialogue: its points no longer line up, so stop here.
            return self.end(dialogue, card, now=now)
        graded = self.grader.grade_point(card.question, card.answer, point, check_answer(text))
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

    # --- quiz attempts --------------------------------------------------------------------

    def hinted(self, user_id: str, card: Card, hints: int, *, now: datetime) -> int:
        """`user_id` was shown `hints` hints of `card`: kept (the higher count wins) for their
        answer to be charged, whichever message they answer from. Returns the count kept."""
        with self.progress.atomic():
            held = self.progress.attempt(user_id, card.card_id)
            if held is not None and held.live(now):
                kept = replace(held, hints_used=max(hints, held.hints_used), updated_at=now)
            else:
                kept = QuizAttempt(user_id, card.card_id, hints, False, None, now, now + HINTS_FOR)
            self.progress.save_attempt(kept)
            return kept.hints_used

    def kept_dialogue(self, user_id: str, card_id: str) -> Dialogue | None:
        """The dialogue kept on a person's answer to a card (the quiz's), or None."""
        held = self.progress.attempt(user_id, card_id)
        if held is None or held.dialogue is None:
            return None
        return Dialogue.from_dict(held.dialogue)

    def asking(self, user_id: str, card: Card, *, now: datetime) -> None:
        """The card is put to the person anew (a new quiz question): their earlier attempt at
        it ends — a dialogue left open is recorded as reached — and hints start afresh."""
        kept = self.kept_dialogue(user_id, card.card_id)
        if kept is not None:
            self.end(kept, card, now=now)
        self.progress.clear_attempt(user_id, card.card_id)

    def close_idle_attempts(self, now: datetime, limit: int = 100) -> int:
        """Close kept dialogues idle past their expiry (recording what each reached) and drop
        expired attempts; returns how many dialogues were closed."""
        closed = 0
        for held in self.progress.expired_attempts(now, limit):
            assert held.dialogue is not None
            dialogue = Dialogue.from_dict(held.dialogue)
            try:
                card = self.card(dialogue.card_id, dialogue.guild_id)
            except CardNotFound:  # the deck is gone: nothing left to record against
                self.progress.clear_attempt(held.user_id, held.card_id)
                continue
            try:
                self.end(dialogue, card, now=now)
            except InputError:  # a click closed it meanwhile
                continue
            closed += 1
        self.progress.purge_attempts(now)
        return closed

    def _charged(self, user_id: str, card: Card, now: datetime) -> int:
        # The hints to charge an answer, or why it may not be graded now.
        held = self.progress.attempt(user_id, card.card_id)
        if held is None:
            return 0
        if held.dialogue is not None:
            if held.live(now):
                raise InputError(WORKING)
            self.end(Dialogue.from_dict(held.dialogue), card, now=now)  # idle: close it first
            return 0
        if not held.live(now):
            return 0
        if held.revealed:
            raise InputError(SEEN)
        return held.hints_used

    def _seen(self, user_id: str, card_id: str, review: ReviewResult, now: datetime) -> None:
        until = min(review.due, now + SEEN_FOR)
        self.progress.save_attempt(QuizAttempt(user_id, card_id, 0, True, None, now, until))

    def _keep(self, dialogue: Dialogue, now: datetime) -> None:
        self.progress.save_attempt(
            QuizAttempt(
                dialogue.user_id,
                dialogue.card_id,
                dialogue.hints_before,
                False,
                dialogue.to_dict(),
                now,
                now + KEPT_IDLE,
            )
        )

    def _check_kept(self, before: Dialogue) -> None:
        # Two clicks on the same step (a double submit, an old message): only the first counts.
        if not before.kept:
            return
        held = self.progress.attempt(before.user_id, before.card_id)
        now_kept = Dialogue.from_dict(held.dialogue) if held and held.dialogue else None
        if now_kept is None or (now_kept.position, now_kept.step, now_kept.help_used) != (
            before.position,
            before.step,
            before.help_used,
        ):
            raise InputError(STALE)

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
            if dialogue.kept:
                self._seen(dialogue.user_id, card.card_id, review, now)
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
