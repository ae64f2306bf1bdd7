"""What every grounded LLM service shares: the card in the prompt, the check, the result.

`Grounded` holds the model, the embedder, the prompts and the `Checker`; it builds the card
part of every prompt (the same first lines for every per-card template, so the model's
prompt cache reuses them), streams a reply through the check (`stream_checked`), and says
when enough of it survived. `ExplainResult` is what every service ends with.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from bot.core.cards import Card
from bot.core.explainer.checked import Outcome, checked, in_thread
from bot.core.explainer.compose import plan
from bot.core.explainer.grounding import (
    SUPPORT_THRESHOLD,
    Checker,
    Support,
    Verdict,
)
from bot.core.explainer.learner import AnswerParts
from bot.core.grading import split_key_points
from bot.core.limits import MAX_EXPLAINED_ANSWER_CHARS
from bot.core.ports import LLM, Embedder, Message
from bot.core.prompts import CARD_FIELDS, TEMPLATES, TURNS, Prompts
from bot.core.text import clip, neutralize_mentions, plain, split_sentences

if TYPE_CHECKING:
    from bot.core.grading import Grade

log = logging.getLogger(__name__)

RELEVANCE_THRESHOLD = 0.45
"""Cosine between a question and a card (question or whole text) to answer from that card.

Calibrated on the seed deck (MiniLM): 16 paraphrased on-topic questions scored 0.34-0.95
(14 above 0.45), 16 off-topic ones 0.02-0.44, the highest being near-misses such as
"How do I make a token in a board game?" (0.43) and "What is a vector in physics?" (0.44).
"""
MIN_KEPT_FRACTION = 0.5
MAX_OUTPUT_CHARS = 1200
MAX_FIELD_CHARS = 700

_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_ANSWER_TAG = re.compile(r"</?\s*answer\s*>", re.IGNORECASE)

Step = Literal["hint", "prompt", "assertion"]


@dataclass(frozen=True, slots=True)
class ExplainResult:
    """The checked outcome; its text is what was streamed, unless it is the fallback.

    `fallback` is True when the text did not come from the model (model off, busy, timed out,
    broken, too little grounded, or no relevant card); `reason` then says which.
    """

    text: str
    fallback: bool
    dropped: list[str] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    reason: str = ""
    written: int = 0
    """Sentences shown that the model wrote or finished (and the check kept)."""
    templated: int = 0
    """Sentences the model was asked to finish but whose ending failed: the template was shown."""


Chunk = str | ExplainResult


def prose(text: str) -> str:
    """Text without fenced code (unless code is all there is), clipped for a tight prompt."""
    without = _FENCE.sub(" ", text).strip()
    return clip(without or text.strip(), MAX_FIELD_CHARS)


def untrusted(answer: str) -> str:
    """The learner's text as prompt data: tags it carries are stripped so it cannot close ours."""
    text = clip(_ANSWER_TAG.sub(" ", plain(answer)).strip(), MAX_EXPLAINED_ANSWER_CHARS)
    return text or "(empty)"


def fallback_text(
    card: Card, grade: Grade | None = None, *, reason: str = "", parts: AnswerParts | None = None
) -> str:
    """Feedback without the model: why, what was right and wrong (quoted), the reference, missed.

    With `parts`, the learner's credited and wrong claims are answered in the tutor's own
    sentences (`compose.plan` templates); the reference and the missed points follow.
    """
    why = {
        "busy": "The tutor is busy, so the explanation is unavailable right now.",
        "ungrounded": "No explanation could be checked against the card, so here is the card.",
        "nothing to finish": "Nothing in your answer needed correcting; here is the card.",
    }.get(reason, "The explanation is unavailable right now.")
    lines = [why]
    if parts is not None:
        said = [p.template for p in plan(parts, max_model=len(parts.wrong)) if p.kind != "missing"]
        lines += ["", *said] if said else []
    lines += ["", "Reference answer:", clip(card.answer.strip(), MAX_OUTPUT_CHARS)]
    if grade is not None and grade.missed:
        lines += ["", "What your answer missed:"]
        lines += [f"- {clip(point, 300)}" for point in grade.missed]
    return neutralize_mentions("\n".join(lines))


class Grounded:
    """The model, the embedder, the prompts and the check, shared by every service."""

    def __init__(
        self,
        llm: LLM | None,
        embedder: Embedder,
        prompts: Prompts,
        *,
        support_threshold: float = SUPPORT_THRESHOLD,
        relevance_threshold: float | None = None,
        min_kept_fraction: float = MIN_KEPT_FRACTION,
    ) -> None:
        self.llm = llm
        self.embedder = embedder
        self.prompts = prompts
        self.checker = Checker(embedder, threshold=support_threshold)
        self.relevance_threshold = (
            RELEVANCE_THRESHOLD if relevance_threshold is None else relevance_threshold
        )
        self.min_kept_fraction = min_kept_fraction
        self._card_vectors: dict[tuple[str, str], npt.NDArray[np.float32]] = {}

    @property
    def support_threshold(self) -> float:
        """Cosine a sentence needs with the card to be kept."""
        return self.checker.threshold

    # -- prompts -----------------------------------------------------------------------------

    def card_fields(self, card: Card) -> tuple[dict[str, str], list[str]]:
        """The card part of every per-card prompt, and the card's key points."""
        points = split_key_points(card.answer)
        numbered = " ".join(f"({i}) {clip(p, 300)}" for i, p in enumerate(points, 1))
        fields = {
            "question": clip(card.question.strip(), MAX_FIELD_CHARS),
            "reference": clip(numbered, 2 * MAX_FIELD_CHARS) or prose(card.answer),
            "background": prose(card.background) or "(none)",
        }
        return fields, points

    def messages(self, user: str) -> list[dict[str, str]]:
        """The system text, then `user`."""
        return [
            {"role": "system", "content": self.prompts.system},
            {"role": "user", "content": user},
        ]

    def card_prefix(self, card: Card) -> str:
        """The first lines of every per-card prompt (up to the line that depends on the learner)."""
        fields, _ = self.card_fields(card)
        rendered = []
        for name in ("explain", *TURNS):
            blanks = {f: "\x00" for f in TEMPLATES[f"{name}.txt"] - CARD_FIELDS}
            rendered.append(self.prompts.render(name, **fields, **blanks).split("\x00", 1)[0])
        # What every per-card prompt shares, cut at a line end: a token boundary in all.
        prefix = os.path.commonprefix(rendered)  # noqa: RUF071 (characters are meant)
        return prefix[: prefix.rfind("\n") + 1] or prefix

    # -- grounding ---------------------------------------------------------------------------

    def support_sentences(self, card: Card, grade: Grade | None = None) -> list[str]:
        """The card sentences (and grade points) that generated sentences may rest on."""
        pieces = [card.title, card.question, *split_sentences(_FENCE.sub(" ", card.answer))]
        pieces += split_sentences(card.background)
        if grade is not None:
            pieces += [*grade.covered, *grade.missed, *grade.contradicted]
        return [p.strip() for p in pieces if p and p.strip()]

    def check(
        self, text: str, support: Sequence[str], learner: str = ""
    ) -> tuple[list[str], list[str], list[int]]:
        """Split `text` into sentences; return (kept, dropped, index of best support per kept).

        See `bot.core.explainer.grounding`: a sentence rests on the card, does not restate
        the learner, imports none of their words unless it quotes them to confirm a credited
        point or to correct them with the card's fact.
        """
        return self.checker.check(text, support, learner)

    # -- streaming through the check ---------------------------------------------------------

    async def stream_checked(
        self,
        messages: Sequence[Message],
        support: Support,
        outcome: Outcome,
        *,
        max_tokens: int | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[str]:
        """Stream the LLM's reply to `messages`, yielding only sentences `support` keeps."""
        assert self.llm is not None

        def decide(sentences: Sequence[str], final: bool) -> list[Verdict]:
            return self.checker.decide(sentences, support, final=final)

        pieces = self.llm.stream(messages, max_tokens=max_tokens, timeout=timeout)
        async for text in checked(pieces, in_thread(decide), outcome, max_chars=MAX_OUTPUT_CHARS):
            yield text

    def enough(self, outcome: Outcome) -> bool:
        """Whether enough of what the model wrote was kept to show it (else: fallback)."""
        return bool(outcome.kept) and len(outcome.kept) >= self.min_kept_fraction * outcome.total

    def relevance(self, question: str, cards: Sequence[Card]) -> list[float]:
        """How relevant each card is to `question` (cosine; best of its question and full text)."""
        if not cards:
            return []
        missing = [c for c in cards if (c.card_id, c.content_hash) not in self._card_vectors]
        if missing:
            texts: list[str] = []
            for c in missing:
                texts += [c.question, f"{c.title}. {c.question} {prose(c.answer)}"]
            v = self.embedder.embed(texts)
            if len(self._card_vectors) > 4096:  # a bounded cache: cards change rarely
                self._card_vectors.clear()
            for i, c in enumerate(missing):
                self._card_vectors[(c.card_id, c.content_hash)] = v[2 * i : 2 * i + 2]
        q = self.embedder.embed([question])[0]
        return [float(np.max(self._card_vectors[(c.card_id, c.content_hash)] @ q)) for c in cards]
