"""The cross-encoder's part of the grading model: fitting `PairParams` honestly.

The cross-encoder (`bot/infra/models/crossenc.onnx`) was trained on SemEval-2013 training
(sciEntsBank and Beetle) minus the questions its provenance record lists as held out. Its
probabilities on its own training answers are overconfident, so the stacked model is fitted
only on rows it never saw: the SciEntsBank training answers of its held-out questions, and
Mohler 2011 (not in its training data at all). Mohler rows carry an indicator feature, as in
the embedding model, kept as `extra["pair_mohler_offset"]`.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.grading import GraderParams
from bot.core.grading.params import PairParams, logit
from bot.core.ports import PairScorer
from bot.eval.grading.metrics import best_threshold, fit_logistic

STACK_MOHLER_WEIGHT = 1.0
"""Mohler rows' weight in the stacked fit (the SemEval held-out rows are far fewer)."""


def held_out_questions(record_file: Path) -> set[str]:
    """SciEntsBank question ids the cross-encoder's training held out (its dev questions)."""
    record = json.loads(record_file.read_text("utf-8"))
    names = record.get("data", {}).get("dev_questions_held_out", [])
    return {n.split(":", 1)[1] for n in names if n.startswith("sciEntsBank:")}


def stack_rows(base: npt.NDArray[np.float64], pairs: npt.NDArray[np.float64]) -> np.ndarray:
    """The stacked model's inputs (`PAIR_FEATURES`)."""
    return np.column_stack([logit(base), logit(pairs[:, 0]), logit(pairs[:, 1])])


def fit_pair(
    semeval: tuple[np.ndarray, np.ndarray, np.ndarray],
    mohler: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[PairParams, float]:
    """Fit `PairParams` on (base probability, pair probabilities, gold) of SemEval and Mohler.

    Returns the parameters on the SemEval scale and the Mohler offset. The cuts are the
    macro-F1-best on the SemEval rows; partial is half of correct, as for the base model.
    """
    xs, xm = stack_rows(semeval[0], semeval[1]), stack_rows(mohler[0], mohler[1])
    x = np.vstack([np.hstack([xs, np.zeros((len(xs), 1))]), np.hstack([xm, np.ones((len(xm), 1))])])
    y = np.concatenate([semeval[2], mohler[2]])
    weight = np.concatenate([np.ones(len(xs)), np.full(len(xm), STACK_MOHLER_WEIGHT)])
    mean, scale, w, b = fit_logistic(x, y, weight, l2=1.0)
    raw = w / scale
    bias = float(b - (w * mean / scale).sum())
    pair = PairParams(weights=tuple(float(v) for v in raw[:-1]), bias=bias)
    cut = best_threshold(pair.probability(semeval[0], semeval[1]), semeval[2])
    return replace(pair, correct_at=cut, partial_at=round(cut / 2, 3)), float(raw[-1])


POINT_CONTRA_AT = 1.01
"""The veto's threshold (`PairParams.point_contra_at`), chosen by `bot.eval.grading.veto`."""
POINT_CORRECT_AT = 1.01
"""Overruling the word rules (`PairParams.point_correct_at`), chosen the same way."""


def per_point_on() -> bool:
    """Whether the shipped thresholds ask the cross-encoder about key points at all."""
    return min(POINT_CONTRA_AT, POINT_CORRECT_AT) <= 1.0


def with_pair(params: GraderParams, pair: PairParams, offset: float) -> GraderParams:
    """`params` with the stacked part, its Mohler offset and the per-point thresholds."""
    pair = replace(pair, point_contra_at=POINT_CONTRA_AT, point_correct_at=POINT_CORRECT_AT)
    return replace(params, pair=pair, extra={**params.extra, "pair_mohler_offset": offset})


def identity_pair(params: GraderParams) -> PairParams:
    """A stacked part that leaves the embedding model's score and cuts as they are."""
    return PairParams(
        weights=(1.0, 0.0, 0.0),
        bias=0.0,
        correct_at=params.correct_at,
        partial_at=params.partial_at,
    )


def mohler_profile_pair(params: GraderParams) -> GraderParams:
    """The stacked model on Mohler's scale: the offset goes on the stack, not the base model."""
    if params.pair is None:
        return params
    offset = float(params.extra.get("pair_mohler_offset", 0.0))
    return replace(params, pair=replace(params.pair, bias=params.pair.bias + offset))


class CachedPairScorer:
    """Wraps a pair scorer with a pickle file of its outputs, so evaluations score once."""

    def __init__(self, inner: PairScorer, path: Path | None) -> None:
        self.name = inner.name
        self._inner = inner
        self._path = path
        self._rows: dict[tuple[str, str, str], np.ndarray] = {}
        if path is not None and path.is_file():
            with path.open("rb") as handle:
                self._rows = pickle.load(handle)  # our own cache file, written below
        self._dirty = False

    def score(self, items: Sequence[tuple[str, str, str]]) -> npt.NDArray[np.float32]:
        """(n, 3) probabilities, computing only the triples not cached yet."""
        missing = [t for t in dict.fromkeys(items) if t not in self._rows]
        if missing:
            for key, row in zip(missing, self._inner.score(missing), strict=True):
                self._rows[key] = row
            self._dirty = True
        if not items:
            return np.zeros((0, 3), dtype=np.float32)
        return np.stack([self._rows[t] for t in items]).astype(np.float32)

    def save(self) -> None:
        """Write the cache file (atomically) if anything new was scored."""
        if self._path is None or not self._dirty:
            return
        tmp = self._path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(self._rows, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(self._path)
        self._dirty = False


def describe(pair: PairParams) -> dict[str, Any]:
    """The stacked part's weights, named, for the calibration report."""
    names = ("base_logit", "pair_logit_correct", "pair_logit_contradictory")
    return {n: round(w, 4) for n, w in zip(names, pair.weights, strict=True)}
