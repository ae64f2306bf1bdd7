"""The model's features: how one answer aligns with one reference, from cached vectors.

Sentence-level cosine (answer with reference, with the question, and both with the
question's words removed); key-point coverage (for each point, the best cosine with any
sentence of the answer, averaged with the share of the point's own content words that the
answer aligns to: same stem, or word cosine at least `ALIGNED`); a BERTScore-like greedy
word alignment (soft recall, exact recall, soft precision); the share of the answer's words
new relative to the question, the length ratio and a negation-mismatch flag.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.core.grading.guards import Answer
from bot.core.grading.params import FEATURES
from bot.core.grading.points import Reference
from bot.core.words import stem

Vector = npt.NDArray[np.float32]
ALIGNED = 0.6
"""Two words are aligned when their embeddings are this close (or they share a stem)."""


@dataclass(frozen=True, slots=True)
class Alignment:
    """One (reference, answer) pair's features and, per key point, how it is matched."""

    row: npt.NDArray[np.float64]  # the model's features, in `FEATURES` order
    coverage: npt.NDArray[np.float64]  # per key point, 0..1
    unit_sims: npt.NDArray[np.float64]  # (points, units): cosine of each point with each unit


def units_of(ans: Answer) -> tuple[str, ...]:
    """The answer's units that points are matched against: the whole answer, then sentences."""
    return (ans.text, *ans.units) if ans.text else ()


def texts_to_embed(ref: Reference, ans: Answer) -> tuple[str, ...]:
    """Every text whose vector `align` reads."""
    return (
        ref.question,
        ref.reference,
        ref.demoted,
        *ref.points,
        *ref.novel,
        ans.text,
        ans.demoted,
        *ans.units,
        *ans.novel,
    )


def align(ref: Reference, ans: Answer, vec: dict[str, Vector]) -> Alignment:
    """Features and per-point coverage of one prepared pair."""
    n = len(ref.points)
    if not ans.text or not n:
        return Alignment(np.zeros(len(FEATURES)), np.zeros(n), np.zeros((n, 0)))
    a = vec[ans.text]
    cos_ar = float(a @ vec[ref.reference])
    cos_aq = float(a @ vec[ref.question]) if ref.question else 0.0
    cos_dem = float(vec[ans.demoted] @ vec[ref.demoted]) if ans.demoted and ref.demoted else 0.0
    units = np.stack([a, *(vec[u] for u in ans.units)])
    points = np.stack([vec[p] for p in ref.points])
    unit_sims = (points @ units.T).astype(np.float64)
    sentence_sim = unit_sims.max(axis=1)

    recall_soft = recall_exact = precision = 0.0
    word_best = np.zeros(len(ref.novel))
    if ref.novel:
        exact = np.array([stem(w) in ans.stems for w in ref.novel], dtype=np.float64)
        recall_exact = float(exact.mean())
        word_best = exact
        if ans.novel:
            sims = np.stack([vec[w] for w in ref.novel]) @ np.stack([vec[w] for w in ans.novel]).T
            word_best = np.maximum(exact, sims.max(axis=1))
            hit = np.array([stem(w) in ref.stems for w in ans.novel], dtype=np.float64)
            precision = float(np.maximum(hit, sims.max(axis=0)).mean())
        recall_soft = float(word_best.mean())
    # A key point is covered when some sentence of the answer says the same thing AND its
    # own content words (those the question does not give away) are matched.
    coverage = np.array(
        [
            0.5 * (sim + float((word_best[list(idx)] >= ALIGNED).mean())) if idx else sim
            for sim, idx in zip(sentence_sim, ref.point_words, strict=True)
        ]
    )
    novel_fraction = len(ans.novel) / max(1, len(set(map(stem, ans.content))))
    length = math.log((1 + len(ans.content)) / (1 + len(ref.stems)))
    row = np.array(
        [
            cos_ar,
            cos_aq,
            cos_dem,
            float(coverage.mean()),
            float(coverage.min()),
            recall_soft,
            recall_exact,
            precision,
            novel_fraction,
            length,
            float(ans.negated != ref.negated),
        ]
    )
    return Alignment(row, coverage, unit_sims)
