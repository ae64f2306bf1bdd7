"""What grading returns: a verdict with its feedback, and one key point's state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["correct", "partial", "incorrect"]
PointState = Literal["covered", "missed", "contradicted"]
"""What an answer does with one key point of the reference."""


@dataclass(frozen=True, slots=True)
class Grade:
    """The outcome of grading one answer: a 0..1 score, a verdict and the feedback lists."""

    score: float
    verdict: Verdict
    covered: list[str]
    missed: list[str]
    reasons: list[str]
    contradicted: list[str] = field(default_factory=list)
    """Key points the answer asserts the opposite of (or a different fact in place of)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with exactly the keys score, verdict, covered, missed, reasons."""
        return {
            "score": round(float(self.score), 4),
            "verdict": self.verdict,
            "covered": list(self.covered),
            "missed": list(self.missed),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class PointGrade:
    """A reply graded against one key point only (the tutor's dialogue works point by point)."""

    point: str
    state: PointState
    score: float
    reasons: list[str]
