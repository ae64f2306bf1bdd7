"""Grounded explanations of a learner's answer, streamed only once checked.

`explain` answers the learner's answer in the sentences `compose.plan` lays out from the
grader's verdicts and the learner's own words (`learner.analyse`): right (quoted, the tutor's
sentence), wrong (quoted, then the card's fact) and missing. The tutor writes the start of
each wrong and missing sentence and the model finishes it (a prefilled reply, one short
request per sentence, the card's prompt prefix cached); each finished sentence passes the
grounding check before it is streamed, and one that fails is replaced by its template (the
card's own point). The result is the model's when at least one of its sentences was kept,
else the fallback text. The LLM never sees or changes the grade beyond reading it, and the
learner's answer reaches it only as quoted data. `ask` and `tutor_turn` live in `asking`
and `turns`.
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
    untrusted,
)
from bot.core.explainer.checked import first_end
from bot.core.explainer.compose import Planned, plan, quote
from bot.core.explainer.grounding import Support, Verdict, clean_output
from bot.core.explainer.learner import AnswerParts, analyse
from bot.core.explainer.turns import hint_prefix
from bot.core.explainer.turns import tutor_turn as phrase_turn
from bot.core.grading import content_words, split_key_points
from bot.core.text import clip, neutralize_mentions
from bot.errors import Busy, ModelUnavailable

if TYPE_CHECKING:
    from bot.core.grading import Grade

log = logging.getLogger(__name__)

SENTENCE_MAX_TOKENS = 72
"""Tokens the model may use to finish one sentence (a key point is rarely longer)."""


class Explainer(Grounded):
    """Explains answers, answers questions and phrases dialogue steps, all checked."""

    def parts(self, card: Card, answer: str, grade: Grade) -> AnswerParts:
        """What the learner got right, wrong and left out, in their words and the card's."""
        points = split_key_points(card.answer)
        return analyse(self.embedder, untrusted(answer), points, grade, card.question)

    def explain_messages(
        self, card: Card, answer: str, grade: Grade, parts: AnswerParts | None = None
    ) -> list[dict[str, str]]:
        """Chat messages for an explanation: fixed system text, then the card, answer last."""
        fields, _ = self.card_fields(card)
        parts = parts if parts is not None else self.parts(card, answer, grade)
        planned = plan(parts)
        right = "; ".join(quote(c.quote) for c in parts.right) or "nothing"
        wrong = " ".join(
            f"{quote(c.quote)}; the card says: {clip(c.point, 300)}" for c in parts.wrong
        )
        missing = " ".join(clip(p.point, 300) for p in planned if p.kind == "missing")
        missing = missing or "nothing"
        user = self.prompts.render_explain(
            **fields,
            answer=untrusted(answer),
            right=right,
            wrong=wrong or "nothing",
            missing=missing,
        )
        return self.messages(user)

    def prewarm(self, card: Card, point: str | None = None) -> None:
        """Let the model evaluate the card part of the prompt while the answer is being typed.

        With `point` (the key point the dialogue will hint at next), the hint prompt up to
        the learner's reply: only the reply is left to evaluate when it comes.
        """
        if self.llm is not None:
            prefix = hint_prefix(self, card, point) if point is not None else None
            self.llm.prewarm(self.messages(prefix or self.card_prefix(card)))

    # -- the services ------------------------------------------------------------------------

    async def explain(self, card: Card, answer: str, grade: Grade) -> AsyncIterator[Chunk]:
        """Stream a checked explanation of `answer`, then the `ExplainResult`."""
        if self.llm is None:
            yield ExplainResult(fallback_text(card, grade), fallback=True, reason="llm off")
            return
        # Matching the answer to the card embeds text: off the event loop.
        parts, support = await asyncio.to_thread(self._prepare, card, answer, grade)
        messages = self.explain_messages(card, answer, grade, parts)
        shown: list[str] = []
        dropped: list[str] = []
        written = templated = 0
        failure = ""
        for planned in plan(parts):
            text = planned.template
            if planned.lead and not failure:
                try:
                    verdict = await self._finish(messages, shown, planned, support)
                except Busy:
                    failure = "busy"
                except ModelUnavailable as exc:
                    log.warning("explanation fell back to its templates: %s", exc)
                    failure = str(exc) or "unavailable"
                else:
                    if verdict.kept:
                        text, written = verdict.sentence, written + 1
                    else:
                        dropped.append(verdict.sentence)
                        templated += 1
            if failure and not written:
                break  # nothing of the model's shown yet: the fallback text says why
            shown.append(text)
            yield neutralize_mentions(text if len(shown) == 1 else " " + text)
        cited = [card.card_id]
        if not written:
            reason = failure or ("ungrounded" if templated else "nothing to finish")
            why = "busy" if failure == "busy" else "ungrounded" if templated else reason
            text = fallback_text(card, grade, reason=why, parts=parts)
            yield ExplainResult(text, True, dropped, cited, reason, 0, templated)
            return
        text = neutralize_mentions(" ".join(shown))
        yield ExplainResult(text, False, dropped, cited, failure, written, templated)

    async def _finish(
        self, messages: list[dict[str, str]], shown: list[str], planned: Planned, support: Support
    ) -> Verdict:
        """The model's ending of `planned.lead` (after the sentences `shown`), checked."""
        assert self.llm is not None
        reply = " ".join([*shown, planned.lead])
        convo = [*messages, {"role": "assistant", "content": reply}]
        text, count, ended = "", 0, False
        pieces = self.llm.stream(convo, max_tokens=SENTENCE_MAX_TOKENS)
        try:
            async for piece in pieces:
                text, count = text + piece, count + 1
                cut = first_end(text)
                if cut is not None:
                    text, ended = text[:cut], True
                    break
            else:
                ended = count < SENTENCE_MAX_TOKENS  # the model ended it, not the token limit
        finally:
            aclose = getattr(pieces, "aclose", None)
            if aclose is not None:
                await aclose()
        sentence = clean_output(" ".join((planned.lead + text).split()))
        own = clean_output(" ".join(text.split())).lstrip(" :")
        if not ended or len(content_words(own)) < 2:
            return Verdict(sentence, False, "unfinished")

        def check() -> Verdict:
            # The sentence as shown, and the model's words on their own: the tutor's start
            # (a quote, the first words of a point) must not carry an ending that rests on
            # nothing.
            whole = self.checker.decide([sentence], support)[0]
            alone = self.checker.decide([own], support)[0]
            return whole if not whole.kept or alone.kept else Verdict(sentence, False, alone.why)

        return await asyncio.to_thread(check)

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
