"""The Tutor: the one service every front end (CLI, Discord) calls.

It picks the next card (due cards first, then relevant new ones), grades answers, records
reviews for spaced repetition, gives hints, and streams explanations and grounded answers.
Its collaborators are the protocols of `bot.core.ports`, so the core never imports Chroma, SQLite or llama.cpp.
Answering and the dialogue that follows an answer are its methods from `bot.core.answering`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.core.answering import Answering, check_answer
from bot.core.cards import GLOBAL_SCOPE, Card
from bot.core.chat.reading import Signals
from bot.core.explainer import Chunk, Explainer, Step
from bot.core.grading import Grade, Grader
from bot.core.hints import max_score_for
from bot.core.latex import math_to_text
from bot.core.limits import MAX_QUESTION_CHARS
from bot.core.neighbours import neighbours
from bot.core.ports import CardSource, MediaStore, ProgressLog
from bot.core.records import ReviewResult, UserStats
from bot.errors import CardNotFound, InputError

MAX_HINTS = 3
TOPIC_MIN_SIMILARITY = 0.25
"""A card is on a topic when the search similarity reaches this."""


@dataclass(frozen=True, slots=True)
class Pick:
    """The card chosen to ask next, and why (for the person: "due", "new", "practice")."""

    card: Card
    reason: str


def scopes_for(guild_id: str | None) -> tuple[str, ...]:
    """Decks visible from a place: the shipped decks, plus a server's own uploads."""
    return (GLOBAL_SCOPE, guild_id) if guild_id else (GLOBAL_SCOPE,)


class Tutor(Answering):
    """Quiz, grade, schedule and explain, for any front end."""

    def __init__(
        self,
        *,
        cards: CardSource,
        progress: ProgressLog,
        grader: Grader,
        explainer: Explainer,
        media: MediaStore | None = None,
    ) -> None:
        self.cards = cards
        self.progress = progress
        self.grader = grader
        self.explainer = explainer
        self.media = media

    # --- choosing cards -----------------------------------------------------------------

    def card(self, card_id: str, guild_id: str | None = None) -> Card:
        """A card visible from this place (CardNotFound otherwise)."""
        return self.cards.get(card_id, scopes_for(guild_id))

    def card_in_memory(self, card_id: str, guild_id: str | None = None) -> Card | None:
        """Like `card` without I/O or waiting, safe on the event loop: None when the card
        catalogue is not in memory yet (then use `card` in a worker thread)."""
        return self.cards.get_cached(card_id, scopes_for(guild_id))

    def on_topic(
        self, topic: str, guild_id: str | None = None, deck: str | None = None
    ) -> list[Card]:
        """Cards relevant to `topic`, most relevant first."""
        hits = self.cards.search(topic, k=25, scopes=scopes_for(guild_id), deck=deck)
        return [h.card for h in hits if h.similarity >= TOPIC_MIN_SIMILARITY]

    def next_card(
        self,
        user_id: str,
        *,
        now: datetime,
        guild_id: str | None = None,
        topic: str | None = None,
        deck: str | None = None,
        exclude: Collection[str] = (),
    ) -> Pick | None:
        """Due cards first (most overdue), then new cards relevant to the topic, then practice."""
        topic = (topic or "").strip() or None
        pool = (
            self.on_topic(topic, guild_id, deck)
            if topic
            else self.cards.cards(scopes_for(guild_id), deck)
        )
        pool = [c for c in pool if c.card_id not in exclude]
        if not pool:
            return None
        by_id = {c.card_id: c for c in pool}
        due = self.progress.due_card_ids(user_id, now, among=list(by_id), limit=len(by_id))
        if due:
            return Pick(by_id[due[0]], "due")
        seen = self.progress.seen_card_ids(user_id)
        fresh = [c for c in pool if c.card_id not in seen]
        if fresh:
            return Pick(fresh[0], "new")
        return Pick(pool[0], "practice")

    # --- answering ----------------------------------------------------------------------

    def cards_by_id(self, card_ids: Collection[str], guild_id: str | None) -> dict[str, Card]:
        """The cards among `card_ids` that are visible from this place, by id."""
        found: dict[str, Card] = {}
        for card_id in card_ids:
            try:
                found[card_id] = self.cards.get(card_id, scopes_for(guild_id))
            except CardNotFound:
                continue
        return found

    def card_images(self, card: Card) -> list[tuple[str, bytes]]:
        """The images a card shows (from its Anki package), as (name, bytes); I/O."""
        if self.media is None:
            return []
        found = ((name, self.media.read(name)) for name in card.media)
        return [(name, data) for name, data in found if data is not None]

    def hint(self, card: Card, hints_used: int) -> str | None:
        """The next key point to reveal, or None when no more hints are available."""
        points = self.grader.key_points(math_to_text(card.answer))
        if hints_used >= min(MAX_HINTS, len(points)):
            return None
        return points[hints_used]

    def grade(self, card: Card, answer: str, hints_used: int = 0) -> Grade:
        """Grade an answer (not recorded): math as readable text (`a/b`, `x²`, as people type
        it), beside the cards of the scope the answer fits best (`bot.core.neighbours`)."""
        answer = check_answer(answer)
        q, r = math_to_text(card.question), math_to_text(card.answer)
        near = [
            (math_to_text(nq), math_to_text(nr)) for nq, nr in neighbours(self.cards, card, answer)
        ]
        return self.grader.grade(q, r, answer, max_score=max_score_for(hints_used), neighbours=near)

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
        return self.progress.record_review(
            user_id=user_id,
            card_id=card.card_id,
            score=grade.score,
            verdict=grade.verdict,
            now=now,
            guild_id=guild_id,
            place=place,
            hints_used=hints_used,
        )

    def skip(
        self,
        user_id: str,
        card: Card,
        *,
        now: datetime,
        guild_id: str | None = None,
        place: str = "",
        attempt: bool = False,
    ) -> ReviewResult:
        """Record a skipped or revealed card: it comes back soon.

        With `attempt` (the quiz) the person has now seen the reference, so their answers to
        the card are refused for a while; a dialogue kept on their answer ends instead (what
        it reached is recorded, not a skip).
        """
        if attempt and (kept := self.kept_dialogue(user_id, card.card_id)) is not None:
            ended = self.end(kept, card, now=now)
            assert ended.review is not None
            return ended.review
        with self.progress.atomic():
            review = self.progress.record_review(
                user_id=user_id,
                card_id=card.card_id,
                score=0.0,
                verdict="skipped",
                now=now,
                guild_id=guild_id,
                place=place,
                skipped=True,
            )
            if attempt:
                self._seen(user_id, card.card_id, review, now)
        return review

    # --- reading a message ---------------------------------------------------------------

    def signals(self, text: str, pending: Card | None, guild_id: str | None = None) -> Signals:
        """Similarity of `text` to the pending card and to the closest other card (blocking)."""
        hits = self.cards.search(text, k=4, scopes=scopes_for(guild_id))
        others = [h.card for h in hits if pending is None or h.card.card_id != pending.card_id][:3]
        cards = ([pending] if pending is not None else []) + others
        scores = self.explainer.relevance(text, cards) if cards else []
        offset = 1 if pending is not None else 0
        rest = scores[offset:]
        best = max(range(len(rest)), key=rest.__getitem__) if rest else None
        return Signals(
            pending=scores[0] if pending is not None else None,
            other=rest[best] if best is not None else 0.0,
            other_card_id=others[best].card_id if best is not None else None,
        )

    # --- explaining ---------------------------------------------------------------------

    def explain(self, card: Card, answer: str, grade: Grade) -> AsyncIterator[Chunk]:
        """Stream an explanation of what the answer missed; ends with an ExplainResult."""
        return self.explainer.explain(card, answer, grade)

    def prewarm(self, card: Card, point: str | None = None) -> None:
        """Let the LLM read the card (and the hint at `point`) while the person types."""
        self.explainer.prewarm(card, point)

    def tutor_turn(
        self,
        card: Card,
        point: str,
        step: Step,
        reply: str | None,
        template: str,
        *,
        timeout: float | None = None,
    ) -> AsyncIterator[Chunk]:
        """A dialogue step about `point`, LLM-phrased and checked, else `template` (streams)."""
        return self.explainer.tutor_turn(card, point, step, reply, template, timeout=timeout)

    def ask(self, question: str, guild_id: str | None = None) -> AsyncIterator[Chunk]:
        """Stream an answer grounded in the most relevant cards; ends with an ExplainResult."""
        question = question.strip()
        if not question:
            raise InputError("Ask a question: the text was empty.")
        if len(question) > MAX_QUESTION_CHARS:
            raise InputError(f"That question is too long (limit {MAX_QUESTION_CHARS} characters).")
        hits = self.cards.search(question, k=3, scopes=scopes_for(guild_id))
        return self.explainer.ask(question, [(h.card, h.similarity) for h in hits])

    # --- progress -----------------------------------------------------------------------

    def stats(
        self, user_id: str, *, now: datetime, tz: tzinfo, guild_id: str | None = None
    ) -> UserStats:
        """A person's accuracy, streak, cards due and 30-day history, over visible cards."""
        visible = [c.card_id for c in self.cards.cards(scopes_for(guild_id))]
        return self.progress.stats(user_id, now, tz, among=visible)

    def visible_cards(self, guild_id: str | None = None) -> list[Card]:
        """Every card visible from this place (the shipped decks and a server's own)."""
        return self.cards.cards(scopes_for(guild_id))

    def topics(self, guild_id: str | None = None) -> list[tuple[str, str, int]]:
        """(scope, deck, card count) for every deck visible here."""
        counts: dict[tuple[str, str], int] = {}
        for card in self.cards.cards(scopes_for(guild_id)):
            counts[(card.scope, card.deck)] = counts.get((card.scope, card.deck), 0) + 1
        return [(scope, deck, n) for (scope, deck), n in sorted(counts.items())]
