"""Grounded explanations of a learner's answer, streamed only once checked.

`explain` tells the model what the learner got right, got wrong and left out (decided by the
grader and `learner.analyse`, quoted in the learner's own words), streams its reply through
the grounding check sentence by sentence (`checked`), and ends with one `ExplainResult`
whose text is exactly what was streamed, or the fallback text when too little survived. The
LLM never sees or changes the grade beyond reading it, and the learner's answer reaches it
only as quoted data. `ask` and `tutor_turn` live in `asking` and `turns`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from bot.core.cards import Card
from bot.core.explainer.asking import ask as ask_from_cards
from bot.core.explainer.base import (
    Chunk,
    ExplainResult,
    Grounded,
    Step,
    fallback_text,
    quote,
    untrusted,
)
from bot.core.explainer.checked import Outcome
from bot.core.explainer.grounding import Support
from bot.core.explainer.learner import AnswerParts, analyse
from bot.core.explainer.turns import tutor_turn as phrase_turn
from bot.core.grading import split_key_points
from bot.core.text import clip
from bot.errors import Busy, ModelUnavailable

if TYPE_CHECKING:
    from bot.core.grading import Grade

log = logging.getLogger(__name__)


class Explainer(Grounded):
    """Explains answers, answers questions and phrases dialogue steps, all checked."""

    def parts(self, card: Card, answer: str, grade: Grade) -> AnswerParts:
        """What the learner got right, wrong and left out, in their words and the card's."""
        return analyse(self.embedder, untrusted(answer), split_key_points(card.answer), grade)

    def explain_messages(
        self, card: Card, answer: str, grade: Grade, parts: AnswerParts | None = None
    ) -> list[dict[str, str]]:
        """Chat messages for an explanation: fixed system text, then the card, answer last."""
        fields, _ = self.card_fields(card)
        parts = parts if parts is not None else self.parts(card, answer, grade)
        right = "; ".join(quote(c.quote) for c in parts.right) or "nothing"
        wrong = "; ".join(
            f"{quote(c.quote)}; the card says: {clip(c.point, 300)}" for c in parts.wrong
        )
        missing = " ".join(clip(p, 300) for p in parts.missing) or "nothing"
        user = self.prompts.render_explain(
            **fields,
            answer=untrusted(answer),
            right=right,
            wrong=wrong or "nothing",
            missing=missing,
        )
        return self.messages(user)

    def prewarm(self, card: Card) -> None:
        """Let the model evaluate the card part of the prompt while the answer is being typed."""
        if self.llm is not None:
            self.llm.prewarm(self.messages(self.card_prefix(card)))

    # -- the services ------------------------------------------------------------------------

    async def explain(self, card: Card, answer: str, grade: Grade) -> AsyncIterator[Chunk]:
        """Stream a checked explanation of `answer`, then the `ExplainResult`."""
        if self.llm is None:
            yield ExplainResult(fallback_text(card, grade), fallback=True, reason="llm off")
            return
        # Matching the answer to the card embeds text: off the event loop.
        parts, support = await asyncio.to_thread(self._prepare, card, answer, grade)
        outcome = Outcome()
        try:
            messages = self.explain_messages(card, answer, grade, parts)
            async for piece in self.stream_checked(messages, support, outcome):
                yield piece
        except Busy:
            text = fallback_text(card, grade, reason="busy", parts=parts)
            yield ExplainResult(text, True, outcome.dropped, [card.card_id], "busy")
            return
        except ModelUnavailable as exc:
            log.warning("explanation fell back to the reference answer: %s", exc)
            text = fallback_text(card, grade, parts=parts)
            yield ExplainResult(text, True, outcome.dropped, [card.card_id], str(exc))
            return
        if not self.enough(outcome):
            text = fallback_text(card, grade, reason="ungrounded", parts=parts)
            yield ExplainResult(text, True, outcome.dropped, [card.card_id], "ungrounded")
            return
        yield ExplainResult(outcome.text, False, outcome.dropped, [card.card_id])

    def _prepare(self, card: Card, answer: str, grade: Grade) -> tuple[AnswerParts, Support]:
        parts = self.parts(card, answer, grade)
        support = self.checker.support(
            self.support_sentences(card, grade), untrusted(answer), right=parts.credited
        )
        return parts, support

    async def ask(self, question: str, hits: Sequence[tuple[Card, float]]) -> AsyncIterator[Chunk]:
        """Answer `question` from the relevant `hits` only, citing the cards used."""
        async for chunk in ask_from_cards(self, question, hits):
            yield chunk

    async def tutor_turn(
        self,
        card: Card,
        point: str,
        step: Step,
        reply: str | None,
        template: str,
        *,
        timeout: float | None = None,
    ) -> AsyncIterator[Chunk]:
        """One dialogue step about key `point`, phrased by the LLM and checked, else `template`.

        Yields checked text, then an `ExplainResult` (text = what was shown, or `template`
        when the model is off, busy, slower than `timeout`, or its text failed the check).
        """
        async for chunk in phrase_turn(self, card, point, step, reply, template, timeout=timeout):
            yield chunk
