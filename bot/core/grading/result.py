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
    said: list[str] = field(default_factory=list)
    """For each contradicted point, in order, the part of the answer that contradicts it."""

    def corrections(self, limit: int = 160, *, reveal: bool = True) -> list[str]:
        """One line per contradicted point: "you said …; the card says …" (for any front end).

        `reveal` False leaves out what the card says (a dialogue will lead the learner to it).
        """
        lines = []
        for k, point in enumerate(self.contradicted):
            said = _clip(self.said[k], limit) if k < len(self.said) else ""
            card = _clip(point, limit)
            if not reveal:
                lines.append(f"you said “{said}”, which the card contradicts" if said else "")
            elif said:
                lines.append(f"you said “{said}”; the card says “{card}”")
            else:
                lines.append(f"the card says “{card}”")
        return [line for line in lines if line]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: score, verdict, covered, missed, contradicted, reasons."""
        return {
            "score": round(float(self.score), 4),
            "verdict": self.verdict,
            "covered": list(self.covered),
            "missed": list(self.missed),
            "contradicted": list(self.contradicted),
            "reasons": list(self.reasons),
        }


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class PointGrade:
    """A reply graded against one key point only (the tutor's dialogue works point by point)."""

    point: str
    state: PointState
    score: float
    reasons: list[str]
