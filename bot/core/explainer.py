"""Grounded explanations and answers from the LLM, checked sentence by sentence.

Streaming and checking pull in opposite directions, so both happen: `explain` and `ask`
yield text pieces as the model writes them (for live display), then one final
`ExplainResult` whose `text` is the checked version that front ends show in place of the
streamed draft. Each sentence the model wrote is kept only if it is close (by embedding
similarity) to a sentence of the card; if too little survives, the result falls back to the
reference answer and the missed points. The LLM never sees or changes the grade object
beyond reading its lists, and the student's answer reaches it only as quoted data.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bot.core.cards import Card
from bot.core.grading import content_words, split_key_points, stem
from bot.core.limits import MAX_EXPLAINED_ANSWER_CHARS
from bot.core.ports import LLM, Embedder, Message
from bot.core.prompts import Prompts
from bot.core.text import MentionGuard, clip, neutralize_mentions, plain, split_sentences
from bot.errors import Busy, InputError, ModelUnavailable

if TYPE_CHECKING:
    from bot.core.grading import Grade

log = logging.getLogger(__name__)

SUPPORT_THRESHOLD = 0.65
"""Cosine (MiniLM) a generated sentence needs with some card sentence to count as grounded.

Calibrated on the default model's explanations of the seed-deck answer replay: every
sentence that came from the card scored 0.66 or more; those below 0.65 were outside
knowledge or the student's own claim (0.43-0.62).
"""
RELEVANCE_THRESHOLD = 0.45
"""Cosine between a question and a card (question or whole text) to answer from that card.

Calibrated on the seed deck (MiniLM): 16 paraphrased on-topic questions scored 0.34-0.95
(14 above 0.45), 16 off-topic ones 0.02-0.44, the highest being near-misses such as
"How do I make a token in a board game?" (0.43) and "What is a vector in physics?" (0.44).
"""
ECHO_MARGIN = 0.05
"""A sentence this much closer to the student's answer than to the card is an echo: dropped."""
MIN_KEPT_FRACTION = 0.5
MAX_OUTPUT_CHARS = 1200
MAX_FIELD_CHARS = 700
MAX_ASK_CARDS = 2
MAX_ASK_CARD_CHARS = 450

_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_ANSWER_TAG = re.compile(r"</?\s*answer\s*>", re.IGNORECASE)
_MARKER = re.compile(r"\[\s*card\s*:\s*([0-9a-fA-F]{4,16})\s*\]")
_MARKDOWN = re.compile(r"(\*\*|__|`|^#+\s*)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class ExplainResult:
    """The checked outcome that replaces the streamed draft.

    `fallback` is True when the text did not come from the model (model off, busy, timed out,
    broken, too little grounded, or no relevant card); `reason` then says which.
    """

    text: str
    fallback: bool
    dropped: list[str] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    reason: str = ""


Chunk = str | ExplainResult


def _prose(text: str) -> str:
    """Text without fenced code (unless code is all there is), clipped for a tight prompt."""
    without = _FENCE.sub(" ", text).strip()
    return clip(without or text.strip(), MAX_FIELD_CHARS)


def _bullets(items: Sequence[str]) -> str:
    return "; ".join(clip(i.strip(), 200) for i in items if i.strip()) or "(nothing)"


def _untrusted(answer: str) -> str:
    # The answer is data inside <answer> tags: strip tags it carries so it cannot close them.
    return (
        clip(_ANSWER_TAG.sub(" ", plain(answer)).strip(), MAX_EXPLAINED_ANSWER_CHARS) or "(empty)"
    )


def _root(word: str) -> str:
    # Stem, then keep six letters: "contextual" and "contextualized" share a root.
    return stem(word)[:6]


def _clean_output(sentence: str) -> str:
    return _MARKDOWN.sub("", sentence).strip()


def fallback_text(card: Card, grade: Grade | None = None, *, reason: str = "") -> str:
    """Explanation-free feedback: says why, then the reference answer and the missed points."""
    why = {
        "busy": "The tutor is busy, so the explanation is unavailable right now.",
        "ungrounded": "No explanation could be checked against the card, so here is the card.",
    }.get(reason, "The explanation is unavailable right now.")
    lines = [why, "", "Reference answer:", clip(card.answer.strip(), MAX_OUTPUT_CHARS)]
    if grade is not None and grade.missed:
        lines += ["", "What your answer missed:"]
        lines += [f"- {clip(point, 300)}" for point in grade.missed]
    return neutralize_mentions("\n".join(lines))


class Explainer:
    """Builds prompts from cards, streams the LLM, and keeps only grounded sentences."""

    def __init__(
        self,
        llm: LLM | None,
        embedder: Embedder,
        prompts: Prompts,
        *,
        support_threshold: float = SUPPORT_THRESHOLD,
        relevance_threshold: float = RELEVANCE_THRESHOLD,
        min_kept_fraction: float = MIN_KEPT_FRACTION,
    ) -> None:
        self.llm = llm
        self.embedder = embedder
        self.prompts = prompts
        self.support_threshold = support_threshold
        self.relevance_threshold = relevance_threshold
        self.min_kept_fraction = min_kept_fraction
        self._card_vectors: dict[tuple[str, str], npt.NDArray[np.float32]] = {}

    # -- prompts -----------------------------------------------------------------------------

    def _card_fields(self, card: Card) -> tuple[dict[str, str], list[str]]:
        points = split_key_points(card.answer)
        numbered = " ".join(f"({i}) {clip(p, 300)}" for i, p in enumerate(points, 1))
        fields = {
            "question": clip(card.question.strip(), MAX_FIELD_CHARS),
            "reference": clip(numbered, 2 * MAX_FIELD_CHARS) or _prose(card.answer),
            "background": _prose(card.background) or "(none)",
        }
        return fields, points

    @staticmethod
    def _refer(items: Sequence[str], points: Sequence[str]) -> str:
        # Key points are named by number: the prompt after the cached card prefix stays a
        # few dozen tokens, which is what sets the time to the first token.
        refs = [f"({points.index(i) + 1})" if i in points else clip(i.strip(), 200) for i in items]
        return ", ".join(r for r in refs if r) or "none"

    def explain_messages(self, card: Card, answer: str, grade: Grade) -> list[dict[str, str]]:
        """Chat messages for an explanation: fixed system text, then the card, answer last.

        The order is what makes llama.cpp's prompt-prefix cache pay off: a second answer to
        the same card (or one after `prewarm`) re-evaluates only the grade and the answer.
        """
        fields, points = self._card_fields(card)
        user = self.prompts.render_explain(
            **fields,
            covered=self._refer(grade.covered, points),
            missed=self._refer(grade.missed, points),
            answer=_untrusted(answer),
        )
        return [
            {"role": "system", "content": self.prompts.system},
            {"role": "user", "content": user},
        ]

    def prewarm(self, card: Card) -> None:
        """Let the model evaluate the card part of the prompt while the answer is being typed."""
        if self.llm is None:
            return
        marker = "\x00"
        fields, _ = self._card_fields(card)
        full = self.prompts.render_explain(**fields, covered=marker, missed=marker, answer=marker)
        prefix = full.split(marker, 1)[0]
        # Cut at a line end: a token boundary in both this prompt and the real one.
        prefix = prefix[: prefix.rfind("\n") + 1] or prefix
        self.llm.prewarm(
            [
                {"role": "system", "content": self.prompts.system},
                {"role": "user", "content": prefix},
            ]
        )

    def ask_messages(self, question: str, cards: Sequence[Card]) -> list[dict[str, str]]:
        """Chat messages for a question answered from `cards`, each labelled with its id."""
        blocks = [
            f"- {(c.title or c.question).strip()}: {clip(_prose(c.answer), MAX_ASK_CARD_CHARS)}"
            for c in cards
        ]
        user = self.prompts.render_ask(question=_untrusted(question), cards="\n".join(blocks))
        return [
            {"role": "system", "content": self.prompts.system},
            {"role": "user", "content": user},
        ]

    # -- grounding ---------------------------------------------------------------------------

    def support_sentences(self, card: Card, grade: Grade | None = None) -> list[str]:
        """The card sentences (and grade points) that generated sentences may rest on."""
        pieces = [card.title, card.question, *split_sentences(_FENCE.sub(" ", card.answer))]
        pieces += split_sentences(card.background)
        if grade is not None:
            pieces += [*grade.covered, *grade.missed]
        return [p.strip() for p in pieces if p and p.strip()]

    def check(
        self, text: str, support: Sequence[str], untrusted: str = ""
    ) -> tuple[list[str], list[str], list[int]]:
        """Split `text` into sentences; return (kept, dropped, index of best support per kept).

        A sentence is kept when some support sentence is close enough to it (embedding
        cosine), it is not closer to the `untrusted` student answer than to the card, and it
        uses no content word that only the student's answer brought in. The last two catch
        the model restating a wrong answer, which similarity to the card alone lets through.
        """
        sentences = [s for s in (_clean_output(x) for x in split_sentences(text)) if s]
        if not sentences or not support:
            return [], sentences, []
        bare = [_MARKER.sub("", s).strip() or s for s in sentences]
        extra = [untrusted] if untrusted.strip() else []
        vectors = self.embedder.embed([*bare, *support, *extra])
        n = len(bare)
        sims = vectors[:n] @ vectors[n : n + len(support)].T
        echo = vectors[:n] @ vectors[-1] if extra else np.full(n, -1.0, dtype=np.float32)
        card_words = {_root(w) for piece in support for w in content_words(piece)}
        foreign = {_root(w) for w in content_words(untrusted)} - card_words
        kept: list[str] = []
        dropped: list[str] = []
        best: list[int] = []
        for i, sentence in enumerate(sentences):
            j = int(np.argmax(sims[i]))
            grounded = float(sims[i, j])
            imported = foreign & {_root(w) for w in content_words(bare[i])}
            if (
                grounded >= self.support_threshold
                and float(echo[i]) <= grounded + ECHO_MARGIN
                and not imported
            ):
                kept.append(sentence)
                best.append(j)
            else:
                dropped.append(sentence)
        return kept, dropped, best

    def relevance(self, question: str, cards: Sequence[Card]) -> list[float]:
        """How relevant each card is to `question` (cosine; best of its question and full text)."""
        if not cards:
            return []
        missing = [c for c in cards if (c.card_id, c.content_hash) not in self._card_vectors]
        if missing:
            texts: list[str] = []
            for c in missing:
                texts += [c.question, f"{c.title}. {c.question} {_prose(c.answer)}"]
            v = self.embedder.embed(texts)
            if len(self._card_vectors) > 4096:  # a bounded cache: cards change rarely
                self._card_vectors.clear()
            for i, c in enumerate(missing):
                self._card_vectors[(c.card_id, c.content_hash)] = v[2 * i : 2 * i + 2]
        q = self.embedder.embed([question])[0]
        return [float(np.max(self._card_vectors[(c.card_id, c.content_hash)] @ q)) for c in cards]

    # -- the two services --------------------------------------------------------------------

    async def _generate(self, messages: Sequence[Message], draft: list[str]) -> AsyncIterator[str]:
        """Stream from the LLM into `draft`, neutralising mentions on the way out."""
        assert self.llm is not None
        guard = MentionGuard()
        stream = self.llm.stream(messages)
        try:
            async for piece in stream:
                draft.append(piece)
                safe = guard.feed(piece)
                if safe:
                    yield safe
            tail = guard.flush()
            if tail:
                yield tail
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()

    async def explain(self, card: Card, answer: str, grade: Grade) -> AsyncIterator[Chunk]:
        """Stream an explanation of what `answer` missed, then the checked `ExplainResult`."""
        if self.llm is None:
            yield ExplainResult(fallback_text(card, grade), fallback=True, reason="llm off")
            return
        draft: list[str] = []
        try:
            async for piece in self._generate(self.explain_messages(card, answer, grade), draft):
                yield piece
        except Busy:
            yield ExplainResult(fallback_text(card, grade, reason="busy"), True, reason="busy")
            return
        except ModelUnavailable as exc:
            log.warning("explanation fell back to the reference answer: %s", exc)
            yield ExplainResult(fallback_text(card, grade), fallback=True, reason=str(exc))
            return
        # The grounding check embeds text: keep it off the event loop.
        yield await asyncio.to_thread(
            self._grounded_explanation, card, answer, grade, "".join(draft)
        )

    def _grounded_explanation(
        self, card: Card, answer: str, grade: Grade, text: str
    ) -> ExplainResult:
        kept, dropped, _ = self.check(text, self.support_sentences(card, grade), _untrusted(answer))
        total = len(kept) + len(dropped)
        if not kept or len(kept) < self.min_kept_fraction * total:
            return ExplainResult(
                fallback_text(card, grade, reason="ungrounded"),
                fallback=True,
                dropped=dropped,
                cited=[card.card_id],
                reason="ungrounded",
            )
        body = neutralize_mentions(clip(" ".join(kept), MAX_OUTPUT_CHARS))
        return ExplainResult(body, fallback=False, dropped=dropped, cited=[card.card_id])

    async def ask(self, question: str, hits: Sequence[tuple[Card, float]]) -> AsyncIterator[Chunk]:
        """Answer `question` from the relevant `hits` only, citing the cards used.

        The hits are re-scored here with the embedder, so the decision to decline does not
        depend on how the index scales its scores.
        """
        if not question.strip():
            raise InputError("ask a question (the text was empty)")
        cards = [card for card, _ in hits]
        scores = await asyncio.to_thread(self.relevance, question, cards)
        ranked = sorted(zip(cards, scores, strict=True), key=lambda cs: -cs[1])
        relevant = [c for c, s in ranked if s >= self.relevance_threshold][:MAX_ASK_CARDS]
        if not relevant:
            yield ExplainResult(
                "None of the cards cover that, so I won't guess. Try asking about a topic "
                "from the decks.",
                fallback=True,
                reason="no relevant card",
            )
            return
        if self.llm is None:
            yield self._card_answer(relevant[0], "llm off")
            return
        draft: list[str] = []
        try:
            async for piece in self._generate(self.ask_messages(question, relevant), draft):
                yield piece
        except Busy:
            yield self._card_answer(relevant[0], "busy")
            return
        except ModelUnavailable as exc:
            log.warning("answer fell back to the closest card: %s", exc)
            yield self._card_answer(relevant[0], str(exc))
            return
        yield await asyncio.to_thread(self._grounded_answer, relevant, "".join(draft))

    def _card_answer(self, card: Card, reason: str) -> ExplainResult:
        text = f'From the card "{card.title or card.question}" [card:{card.card_id[:8]}]:\n'
        text += clip(card.answer.strip(), MAX_OUTPUT_CHARS)
        return ExplainResult(neutralize_mentions(text), True, cited=[card.card_id], reason=reason)

    def _grounded_answer(self, cards: Sequence[Card], text: str) -> ExplainResult:
        support: list[str] = []
        owner: list[int] = []
        for i, card in enumerate(cards):
            pieces = self.support_sentences(card)
            support += pieces
            owner += [i] * len(pieces)
        kept, dropped, best = self.check(text, support)
        total = len(kept) + len(dropped)
        if not kept or len(kept) < self.min_kept_fraction * total:
            result = self._card_answer(cards[0], "ungrounded")
            return ExplainResult(result.text, True, dropped, result.cited, "ungrounded")
        by_prefix = {c.card_id[:8]: i for i, c in enumerate(cards)}
        used: list[int] = []
        lines: list[str] = []
        marks: list[int] = []
        for sentence, j in zip(kept, best, strict=True):
            named = [
                by_prefix[m[:8].lower()]
                for m in _MARKER.findall(sentence)
                if m[:8].lower() in by_prefix
            ]
            source = named[0] if named else owner[j]
            if source not in used:
                used.append(source)
            lines.append(_MARKER.sub("", sentence).strip())
            marks.append(source)
        if len(used) > 1:  # with one source the Sources line says it all
            lines = [
                f"{line} [card:{cards[m].card_id[:8]}]"
                for line, m in zip(lines, marks, strict=True)
            ]
        sources = "; ".join(
            f"[card:{cards[i].card_id[:8]}] {cards[i].title or cards[i].question}" for i in used
        )
        body = clip(" ".join(lines), MAX_OUTPUT_CHARS) + f"\nSources: {sources}"
        return ExplainResult(
            neutralize_mentions(body), False, dropped, [cards[i].card_id for i in used]
        )
