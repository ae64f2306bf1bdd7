"""The calibrated grading model: its features, logistic weights and verdict thresholds.

The parameters ship in `model.json` beside this module, written by
`python -m bot.eval.asag calibrate`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.errors import ConfigError

FEATURES = (
    "cos_answer_reference",
    "cos_answer_question",
    "cos_demoted",
    "keypoint_mean",
    "keypoint_min",
    "word_recall_soft",
    "word_recall_exact",
    "word_precision_soft",
    "novel_fraction",
    "log_length_ratio",
    "negation_mismatch",
)

PAIR_FEATURES = ("base_logit", "pair_logit_correct", "pair_logit_contradictory")
"""The stacked model's inputs when a `PairScorer` is given: the model above, as a logit, and
the cross-encoder's P(correct) and P(contradictory) for the answer against the whole
reference, as logits."""


def logit(p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """log(p / (1 - p)), with p kept off 0 and 1."""
    q = np.clip(p, 1e-4, 1 - 1e-4)
    return np.asarray(np.log(q / (1 - q)), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class PairParams:
    """The cross-encoder's part: a logistic model over `PAIR_FEATURES`, and its own cuts.

    Fitted on rows the cross-encoder never trained on (`python -m bot.eval.asag calibrate`).
    """

    weights: tuple[float, ...] = (1.0, 0.0, 0.0)
    bias: float = 0.0
    correct_at: float = 0.5
    partial_at: float = 0.25
    point_contra_at: float = 1.01
    """The veto: a key point is `contradicted` when the cross-encoder gives (question, point,
    answer) at least this P(contradictory), and more than P(correct). Above 1: off."""
    point_correct_at: float = 1.01
    """The word rules' contradiction of a point is overruled when the cross-encoder gives
    (question, point, answer) at least this P(correct). Above 1: off."""

    def probability(
        self, base: npt.NDArray[np.float64], pairs: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """Score from the base model's probabilities and (n, 3) cross-encoder probabilities."""
        x = np.column_stack([logit(base), logit(pairs[:, 0]), logit(pairs[:, 1])])
        z = x @ np.asarray(self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


@dataclass(frozen=True, slots=True)
class GraderParams:
    """Calibrated model: standardisation, logistic weights and verdict thresholds."""

    features: tuple[str, ...] = FEATURES
    mean: tuple[float, ...] = (0.0,) * len(FEATURES)
    scale: tuple[float, ...] = (1.0,) * len(FEATURES)
    weights: tuple[float, ...] = (0.0, 0.0, 0.0, 4.0) + (0.0,) * (len(FEATURES) - 4)
    bias: float = -2.4
    correct_at: float = 0.5
    partial_at: float = 0.25
    cover_at: float = 0.55
    min_covered: float = 0.5
    """`correct` needs at least this share of the key points covered."""
    about_at: float = 0.5
    """An answer sentence this close to a key point talks about it (and can contradict it)."""
    neighbour_margin: float = 0.1
    """Another card that scores this much above the card itself is what the answer answers."""
    foreign_at: float = 0.34
    """`correct` is ruled out when this share of the answer's words belong to other cards only."""
    pair: PairParams | None = None
    """How the cross-encoder's probabilities join the score (None: not calibrated for one)."""
    provenance: str = "uncalibrated defaults"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, as stored in model.json."""
        data = asdict(self)
        data["features"] = list(self.features)
        if self.pair is None:
            data.pop("pair")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GraderParams:
        """Rebuild from `to_dict` output; the feature list must match this code's features."""
        features = tuple(data["features"])
        if features != FEATURES:
            raise ConfigError(
                f"grading model features {features} do not match this version's {FEATURES};"
                " re-run `python -m bot.eval.asag calibrate`"
            )
        return cls(
            features=features,
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]),
            weights=tuple(float(v) for v in data["weights"]),
            bias=float(data["bias"]),
            correct_at=float(data["correct_at"]),
            partial_at=float(data["partial_at"]),
            cover_at=float(data["cover_at"]),
            min_covered=float(data.get("min_covered", 0.5)),
            about_at=float(data.get("about_at", 0.5)),
            neighbour_margin=float(data.get("neighbour_margin", 0.1)),
            foreign_at=float(data.get("foreign_at", 0.34)),
            pair=None if not data.get("pair") else _pair_params(data["pair"]),
            provenance=str(data.get("provenance", "")),
            extra=dict(data.get("extra", {})),
        )

    @classmethod
    def bundled(cls) -> GraderParams:
        """The calibrated parameters shipped in `bot/core/grading/model.json`."""
        text = resources.files("bot.core.grading").joinpath("model.json").read_text("utf-8")
        return cls.from_dict(json.loads(text))

    def logits(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The logistic model's logits over rows of raw feature values."""
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return np.asarray(z @ np.asarray(self.weights) + self.bias, dtype=np.float64)

    def probability(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Logistic model over rows of raw feature values."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(x), -30.0, 30.0)))


def _pair_params(data: dict[str, Any]) -> PairParams:
    weights = tuple(float(v) for v in data["weights"])
    if len(weights) != len(PAIR_FEATURES):
        raise ConfigError(f"grading model's pair weights {weights} do not match {PAIR_FEATURES}")
    return PairParams(
        weights=weights,
        bias=float(data["bias"]),
        correct_at=float(data["correct_at"]),
        partial_at=float(data["partial_at"]),
        point_contra_at=float(data.get("point_contra_at", 1.01)),
        point_correct_at=float(data.get("point_correct_at", 1.01)),
    )
