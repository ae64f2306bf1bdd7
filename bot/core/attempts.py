"""Quiz attempts: what a person did to a card between quiz clicks, kept per (person, card).

A public quiz message's buttons are the same for everyone, so nothing one person did may
live only in a custom id. The store keeps, per (person, card) (`QuizAttempt`):

- the hints they were shown (`hinted`): their answer is charged the higher of that and the
  hints its button carries;
- that they saw the reference (Reveal, Skip, a result or explanation showing it): a further
  answer is refused until the attempt expires (when the card is due again, within
  `SEEN_FOR`); a result that only offers its dialogue shows no reference, so a new answer
  is taken then (the dialogue on the first one is dropped, that answer stands as graded);
- the dialogue offered on their answer (`Dialogue.kept`), between clicks, until it ends or
  idles out (`close_idle_attempts`).

The `Tutor` inherits these methods through `bot.core.answering.Answering`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.cards import Card
from bot.core.chat.conversation import IDLE_AFTER
from bot.core.dialogue.state import Answered, Dialogue
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


class QuizAttempts:
    """Hints, reveals and kept dialogues per (person, card), for the quiz."""

    progress: ProgressLog

    if TYPE_CHECKING:  # defined by the Tutor and by Answering

        def card(self, card_id: str, guild_id: str | None = None) -> Card:
            """A card visible from this place."""
            ...

        def end(self, dialogue: Dialogue, card: Card, *, now: datetime) -> Answered:
            """Leave the dialogue: record what was reached."""
            ...

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

    def shown_answer(self, user_id: str, card: Card, *, now: datetime) -> None:
        """The person was shown the card's reference (an explanation): their answers to it are
        refused for `SEEN_FOR`, as after Reveal."""
        self.progress.save_attempt(
            QuizAttempt(user_id, card.card_id, 0, True, None, now, now + SEEN_FOR)
        )

    def kept_dialogue(self, user_id: str, card_id: str) -> Dialogue | None:
        """The dialogue kept on a person's answer to a card (the quiz's), or None."""
        held = self.progress.attempt(user_id, card_id)
        if held is None or held.dialogue is None:
            return None
        return Dialogue.from_dict(held.dialogue)

    def settle(self, user_id: str, card: Card, *, now: datetime) -> Answered | None:
        """End the dialogue kept on the person's answer to the card, if one is (they moved on:
        Explain, Next): what it reached is recorded. None when there was none."""
        kept = self.kept_dialogue(user_id, card.card_id)
        if kept is None:
            return None
        try:
            return self.end(kept, card, now=now)
        except InputError:  # another click closed it meanwhile
            return None

    def asking(self, user_id: str, card: Card, *, now: datetime) -> None:
        """The card is put to the person anew (a new quiz question): their earlier attempt at
        it ends — a dialogue left open is recorded as reached — and hints start afresh."""
        self.settle(user_id, card, now=now)
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
                self._close_idle(dialogue, card)
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
            kept = Dialogue.from_dict(held.dialogue)
            if kept.help_used == 0 and not kept.outcomes:
                # Offered, never begun: that answer stands as graded; this one is a new one,
                # charged the hints the first was.
                self.progress.clear_attempt(user_id, card.card_id)
                return kept.hints_before
            if held.live(now):
                raise InputError(WORKING)
            self._close_idle(kept, card)  # idle: its result as it stood, then look again
            return self._charged(user_id, card, now)
        if not held.live(now):
            return 0
        if held.revealed:
            raise InputError(SEEN)
        return held.hints_used

    def _close_idle(self, dialogue: Dialogue, card: Card) -> Answered:
        # Recorded as of its last step, not of the sweep: the day (and streak) it happened on.
        return self.end(dialogue, card, now=dialogue.last_active)

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
