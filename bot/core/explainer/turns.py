"""Dialogue steps phrased by the LLM: a hint, a fill-in prompt, an assertion, about one point.

The dialogue engine (bot.core.chat) decides which step comes next and builds a template for
it; this module asks the model to phrase the step from the card, checks it like any other
model text, and falls back to the template when the model is off, busy, slow, or wrote
something the check refuses. A hint may not use its point's distinguishing words (the
content words of the point the question does not already give away); a prompt keeps its
blank and may not contain the blanked words; an assertion must rest on the card.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator

import numpy as np

from bot.core.cards import Card
from bot.core.explainer.base import Chunk, ExplainResult, Grounded, Step, untrusted
from bot.core.explainer.checked import Outcome
from bot.core.explainer.grounding import Support, root, roots
from bot.core.grading import content_words
from bot.core.text import neutralize_mentions
from bot.errors import Busy, ModelUnavailable

log = logging.getLogger(__name__)

TURN_TIMEOUT_S = 12.0
"""Longest a phrased step may take (queueing included) before its template is used instead."""
TURN_MAX_TOKENS = 64
HINT_THRESHOLD = 0.4
"""A hint asks *about* the point without its words, so it sits further from the card."""

_BLANK = re.compile(r"_{3,}|\.{4,}|…{2,}")


def distinguishing_words(question: str, point: str) -> list[str]:
    """The point's content words that the question does not already give (what a hint hides).

    Every one of them, general words too ("involves"): a hint is checked against all, by
    root (the first letters of the stem), which is stricter than comparing stems.
    """
    given = roots(question)
    seen: set[str] = set()
    out: list[str] = []
    for word in content_words(point):
        r = root(word)
        if r in given or r in seen:
            continue
        seen.add(r)
        out.append(word)
    return out


def blanked_words(point: str, template: str) -> list[str]:
    """Words of `point` that the prompt template leaves out (the blank's answer)."""
    kept = roots(_BLANK.sub(" ", template))
    return [w for w in dict.fromkeys(content_words(point)) if root(w) not in kept]


def _point_number(explainer: Grounded, card: Card, point: str) -> int:
    _, points = explainer.card_fields(card)
    if point in points:
        return points.index(point) + 1
    if not points:
        return 1
    v = explainer.embedder.embed([point, *points])
    return int(np.argmax(v[1:] @ v[0])) + 1


def hint_prefix(explainer: Grounded, card: Card, point: str) -> str | None:
    """The hint prompt about `point` up to the learner's reply: what a prewarm can evaluate.

    None when `point` is not one of the card's key points as written.
    """
    fields, points = explainer.card_fields(card)
    if point not in points:
        return None
    avoid = ", ".join(distinguishing_words(card.question, point)) or "(none)"
    number = str(points.index(point) + 1)
    user = explainer.prompts.render("hint", **fields, number=number, avoid=avoid, reply="\x00")
    return user.split("\x00", 1)[0]


async def tutor_turn(
    explainer: Grounded,
    card: Card,
    point: str,
    step: Step,
    reply: str | None,
    template: str,
    *,
    timeout: float | None = None,
) -> AsyncIterator[Chunk]:
    """See `Explainer.tutor_turn`."""
    fallback = neutralize_mentions(template.strip())

    def plain(reason: str, outcome: Outcome | None = None) -> ExplainResult:
        dropped = outcome.dropped if outcome is not None else []
        return ExplainResult(fallback, True, dropped, [card.card_id], reason)

    if explainer.llm is None:
        yield plain("llm off")
        return
    fields, _ = explainer.card_fields(card)
    said = untrusted(reply or "")
    avoid: list[str] = []
    if step == "hint":
        avoid = distinguishing_words(card.question, point)
        forbidden = {root(w) for w in avoid}
        sentences = [card.question, point, *explainer.support_sentences(card)]
        threshold = HINT_THRESHOLD
    elif step == "prompt":
        forbidden = {root(w) for w in blanked_words(point, template)}
        sentences = [_BLANK.sub("something", template), point, card.question]
        threshold = explainer.support_threshold
    else:
        forbidden = set()
        sentences = [point, *explainer.support_sentences(card)]
        threshold = explainer.support_threshold

    def prepare() -> tuple[int, Support]:
        number = _point_number(explainer, card, point)
        support = explainer.checker.support(
            sentences, said if reply else "", forbidden=forbidden, threshold=threshold
        )
        return number, support

    number, support = await asyncio.to_thread(prepare)
    extra = {
        "hint": {"avoid": ", ".join(avoid) or "(none)", "reply": said},
        "prompt": {"template": template.strip()},
        "assertion": {"reply": said},
    }[step]
    user = explainer.prompts.render(step, **fields, number=str(number), **extra)
    outcome = Outcome()
    limit = TURN_TIMEOUT_S if timeout is None else timeout
    try:
        async for piece in explainer.stream_checked(
            explainer.messages(user),
            support,
            outcome,
            max_tokens=TURN_MAX_TOKENS,
            timeout=limit,
        ):
            yield piece
    except Busy:
        yield plain("busy", outcome)
        return
    except ModelUnavailable as exc:  # slow, missing or broken: the template still works
        log.info("tutor %s fell back to its template: %s", step, exc)
        yield plain(str(exc), outcome)
        return
    text = outcome.text
    if not explainer.enough(outcome):
        yield plain("ungrounded", outcome)
    elif step == "hint" and "?" not in text:
        yield plain("not a question", outcome)
    elif step == "prompt" and not _BLANK.search(text):
        yield plain("no blank", outcome)
    else:
        yield ExplainResult(text, False, outcome.dropped, [card.card_id])
