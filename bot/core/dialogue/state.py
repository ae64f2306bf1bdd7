"""A dialogue's state, and the turns the tutor says: plain values that survive a restart.

`Dialogue` is everything needed to continue working through one answer's missed and
contradicted points: the answer and its grade (recorded only when the dialogue ends, with
the final result), the points to work through in order, where we are (which point, which
step) and the help used so far. It is frozen and round-trips through `to_dict`/`from_dict`,
so a front end keeps it wherever it keeps its own state (the chat's conversation row, the
terminal's memory), or the Tutor keeps it in the store (`kept`: the quiz's attempt row).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from bot.core.grading import Grade
from bot.core.limits import MAX_EXPLAINED_ANSWER_CHARS
from bot.core.records import ReviewResult

Step = Literal["question", "hint", "prompt", "assertion", "feedback", "done"]
"""What a tutor turn is (the scriptable tutor's `step` field)."""
Outcome = Literal["hint", "prompt", "told", "skipped"]
"""How a worked point ended: covered after a hint, after a prompt, stated by the tutor, or left."""
LEARNER_OUTCOMES: frozenset[str] = frozenset(("hint", "prompt"))
"""Outcomes where the learner said the point themselves."""


@dataclass(frozen=True, slots=True)
class TutorTurn:
    """One thing the tutor says: its text, its step, the point (0-based) and any verdict."""

    text: str
    step: Step
    card_id: str
    point: int | None = None
    verdict: str | None = None
    """For feedback: the answer's verdict or the reply's point state; for done: the final verdict."""

    def to_dict(self) -> dict[str, Any]:
        """The scriptable tutor's output line: text, card, point, step, verdict."""
        return {
            "text": self.text,
            "card": self.card_id,
            "point": self.point,
            "step": self.step,
            "verdict": self.verdict,
        }


def grade_to_dict(grade: Grade) -> dict[str, Any]:
    """A grade with its contradicted points (`Grade.to_dict` keeps the CLI's five keys)."""
    return {**grade.to_dict(), "contradicted": list(grade.contradicted), "said": list(grade.said)}


def grade_from_dict(data: dict[str, Any]) -> Grade:
    """Rebuild a grade from `grade_to_dict` (or `Grade.to_dict`) output."""
    return Grade(
        float(data["score"]),
        data["verdict"],
        list(data.get("covered", [])),
        list(data.get("missed", [])),
        list(data.get("reasons", [])),
        list(data.get("contradicted", [])),
        list(data.get("said", [])),
    )


@dataclass(frozen=True, slots=True)
class Dialogue:
    """Working through the points an answer missed or contradicted, one at a time."""

    card_id: str
    user_id: str
    answer: str
    grade: Grade
    """The answer's own grade (what it covered, missed and contradicted)."""
    points: tuple[str, ...]
    """The card's key points when the dialogue began (indices stay valid if the card changes)."""
    queue: tuple[int, ...]
    """Points to work through: contradicted ones first, then missed ones, each in card order."""
    started_at: datetime
    last_active: datetime
    guild_id: str | None = None
    place: str = ""
    hints_before: int = 0
    """Hints taken before answering (they lower the score on offer too)."""
    position: int = 0
    """Index into `queue` of the point being worked on."""
    step: int = 0
    """Turns given on the current point: 0 none yet, 1 after the hint, 2 after the prompt."""
    key: str | None = None
    """The term blanked in the current prompt."""
    help_used: int = 0
    """Hints and prompts given in this dialogue."""
    outcomes: tuple[tuple[int, Outcome], ...] = ()
    contradicted: tuple[int, ...] = field(default=())
    """Points the answer contradicted (addressed first, quoting the learner)."""
    kept: bool = False
    """Kept in the store as the person's quiz attempt at the card (the quiz's Work through
    it), rather than by the front end (the chat's conversation, the terminal's memory)."""

    @property
    def current(self) -> int | None:
        """The point being worked on, or None when every point has been worked through."""
        return self.queue[self.position] if self.position < len(self.queue) else None

    @property
    def finished(self) -> bool:
        """Whether every point has been worked through."""
        return self.current is None

    def covered_by_learner(self) -> list[int]:
        """Points the learner said: in the answer itself, or in a reply during the dialogue."""
        initially = [i for i in range(len(self.points)) if i not in self.queue]
        later = [i for i, how in self.outcomes if how in LEARNER_OUTCOMES]
        return sorted({*initially, *later})

    def advanced(self, outcome: Outcome, now: datetime) -> Dialogue:
        """The current point ended with `outcome`; the next one is up (nothing said yet)."""
        point = self.current
        assert point is not None, "no point left to advance from"
        return replace(
            self,
            position=self.position + 1,
            step=0,
            key=None,
            outcomes=(*self.outcomes, (point, outcome)),
            last_active=now,
        )

    def left(self, now: datetime) -> Dialogue:
        """The rest is skipped: every point not yet worked through ends as "skipped"."""
        rest = tuple((p, "skipped") for p in self.queue[self.position :])
        return replace(
            self,
            position=len(self.queue),
            step=0,
            key=None,
            outcomes=(*self.outcomes, *rest),  # type: ignore[arg-type]
            last_active=now,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (datetimes as ISO strings); round-trips through `from_dict`."""
        return {
            "card_id": self.card_id,
            "user_id": self.user_id,
            "answer": self.answer,
            "grade": grade_to_dict(self.grade),
            "points": list(self.points),
            "queue": list(self.queue),
            "started_at": self.started_at.isoformat(),
            "last_active": self.last_active.isoformat(),
            "guild_id": self.guild_id,
            "place": self.place,
            "hints_before": self.hints_before,
            "position": self.position,
            "step": self.step,
            "key": self.key,
            "help_used": self.help_used,
            "outcomes": [[p, how] for p, how in self.outcomes],
            "contradicted": list(self.contradicted),
            "kept": self.kept,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dialogue:
        """Rebuild a dialogue from `to_dict` output."""
        return cls(
            card_id=str(data["card_id"]),
            user_id=str(data["user_id"]),
            answer=str(data["answer"])[:MAX_EXPLAINED_ANSWER_CHARS],
            grade=grade_from_dict(data["grade"]),
            points=tuple(str(p) for p in data["points"]),
            queue=tuple(int(i) for i in data["queue"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            last_active=datetime.fromisoformat(data["last_active"]),
            guild_id=data.get("guild_id"),
            place=str(data.get("place", "")),
            hints_before=int(data.get("hints_before", 0)),
            position=int(data.get("position", 0)),
            step=int(data.get("step", 0)),
            key=data.get("key"),
            help_used=int(data.get("help_used", 0)),
            outcomes=tuple((int(p), how) for p, how in data.get("outcomes", [])),
            contradicted=tuple(int(i) for i in data.get("contradicted", [])),
            kept=bool(data.get("kept", False)),
        )


@dataclass(frozen=True, slots=True)
class Answered:
    """What an answer, or a reply in its dialogue, led to: one result type for every front end.

    `turns` is what the tutor says next. While `dialogue` is open nothing is recorded yet
    (`review` and `final` are None); once it ends (or when there was nothing to work through)
    `final` is the result recorded and `review` what recording it did to the schedule.
    """

    card_id: str
    grade: Grade
    """The answer's own grade."""
    turns: tuple[TutorTurn, ...]
    dialogue: Dialogue | None = None
    review: ReviewResult | None = None
    final: Grade | None = None
    help_used: int = 0
    """Hints (before answering) plus dialogue hints and prompts: what lowered the score on offer."""

    @property
    def open(self) -> bool:
        """Whether a dialogue goes on (the tutor waits for a reply)."""
        return self.dialogue is not None
