"""Grade latency for typical answers, as a person meets it.

A running tutor has graded each card before, so the reference answer's vectors are cached;
what a new answer costs is embedding the answer's sentences and words plus the features. The
cold figure (first answer to a card since start-up) is reported beside it. Each answer is
graded as the tutor grades it: against its card and the `NEIGHBOURS` other cards it fits
best (chosen off the clock here; the tutor's index search for them is timed by the query
bench).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial
from typing import Any

from bot.bench.stats import ms, percentile, timed
from bot.core.cards import Card
from bot.core.grading import Grader, split_key_points
from bot.core.neighbours import NEIGHBOURS
from bot.core.ports import PairScorer
from bot.infra.embedder import Embedder

_WORDS = re.compile(r"\S+")


def typical_answers(cards: Sequence[Card]) -> list[tuple[Card, str]]:
    """Three answers per card, the kinds people type: one key point, a half, a wrong one."""
    out: list[tuple[Card, str]] = []
    for i, card in enumerate(cards):
        points = split_key_points(card.answer) or [card.answer]
        half = " ".join(_WORDS.findall(card.answer)[:18])
        other = split_key_points(cards[(i + 5) % len(cards)].answer) or [card.question]
        out += [(card, points[0]), (card, f"I think {half.lower()}"), (card, other[-1])]
    return out


def _neighbours(
    embedder: Embedder, cards: Sequence[Card], answers: Sequence[tuple[Card, str]]
) -> list[list[tuple[str, str]]]:
    """For each answer, the other cards whose reference it is closest to."""
    refs = embedder.embed([c.answer for c in cards], 32)
    vecs = embedder.embed([a for _, a in answers], 32)
    out: list[list[tuple[str, str]]] = []
    for (card, _), vec in zip(answers, vecs, strict=True):
        order = [i for i in (-(refs @ vec)).argsort() if cards[i] is not card][:NEIGHBOURS]
        out.append([(cards[i].question, cards[i].answer) for i in order])
    return out


def bench_grade(
    embedder: Embedder,
    cards: Sequence[Card],
    *,
    rounds: int = 2,
    pair_scorer: PairScorer | None = None,
) -> dict[str, Any]:
    """p50/p99 of `Grader.grade` with warm references, and p50 with cold ones.

    With `pair_scorer` (the settings' cross-encoder, as `flashtutor run` grades) the grader
    stacks it and runs its veto; the cross-encoder has no cache, so each grade pays for it.
    """
    answers = typical_answers(cards)
    near = _neighbours(embedder, cards, answers)
    warm: list[float] = []
    cold: list[float] = []
    for _ in range(rounds):
        # A fresh cache each round: answers are new to it.
        grader = Grader(embedder, pair_scorer=pair_scorer)
        for card in cards:
            _, t = timed(grader.grade, card.question, card.answer, "no idea at all")
            cold.append(t)
        for (card, answer), others in zip(answers, near, strict=True):
            grade = partial(grader.grade, neighbours=others)
            _, t = timed(grade, card.question, card.answer, answer)
            warm.append(t)
    return {
        "grade_pair_scorer": pair_scorer.name if pair_scorer is not None else "none",
        "grade_samples": len(warm),
        "grade_neighbours": NEIGHBOURS,
        "grade_p50_ms": ms(percentile(warm, 50)),
        "grade_p99_ms": ms(percentile(warm, 99)),
        "grade_cold_p50_ms": ms(percentile(cold, 50)),
    }
