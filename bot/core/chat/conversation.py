"""A tutoring conversation's state: what it needs to continue after a restart.

`Conversation` holds the pending card, the hints used, the dialogue on the last answer (if
one is open), the last answer and grade, and the last few turns (bounded). It is frozen;
every step returns a new state, and it round-trips through `to_dict`/`from_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from bot.core.dialogue.state import Dialogue, grade_from_dict, grade_to_dict
from bot.core.grading import Grade
from bot.core.limits import MAX_EXPLAINED_ANSWER_CHARS
from bot.core.text import clip

IDLE_AFTER = timedelta(minutes=30)
"""A conversation with no message for this long closes itself."""
MAX_TURNS = 6
"""Turns kept as context for questions (older ones are dropped)."""
TURN_CHARS = 300
MAX_SAVED_ANSWER_CHARS = MAX_EXPLAINED_ANSWER_CHARS
"""The explainer reads at most this much of an answer, so no more is kept."""
RECENT_CARDS = 5
"""Cards asked lately, not asked again at once."""


class Phase(StrEnum):
    """Where a conversation stands: waiting for an answer, in a dialogue on it, or after it."""

    ASKING = "asking"
    DIALOGUE = "dialogue"
    GRADED = "graded"


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of the conversation, clipped."""

    role: Literal["tutor", "person"]
    text: str


@dataclass(frozen=True, slots=True)
class Conversation:
    """Everything needed to continue a conversation, after a restart too."""

    user_id: str
    place: str
    """"dm", or "channel:<id>" for a private thread opened in that channel."""
    channel_id: str
    """Where the conversation happens (the DM channel or the thread)."""
    started_at: datetime
    last_active: datetime
    guild_id: str | None = None
    """The server it was started from: its own decks are visible (in DMs too)."""
    topic: str | None = None
    phase: Phase = Phase.ASKING
    card_id: str | None = None
    hints_used: int = 0
    last_answer: str | None = None
    last_grade: dict[str, Any] | None = None
    turns: tuple[Turn, ...] = ()
    recent_cards: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    """Other people already told, once, that this conversation is not theirs."""
    subject: str | None = None
    """The person's last question answered since the card was asked (context for "why?")."""
    answered: int = 0
    correct: int = 0
    dialogue: Dialogue | None = None
    """The dialogue on the last answer, while it goes on (phase DIALOGUE)."""
    extra: dict[str, Any] = field(default_factory=dict)

    # --- steps -----------------------------------------------------------------------------

    def said(self, role: Literal["tutor", "person"], text: str) -> Conversation:
        """The state with one more turn (the oldest dropped beyond `MAX_TURNS`)."""
        turn = Turn(role, clip(" ".join(text.split()), TURN_CHARS))
        return replace(self, turns=(*self.turns, turn)[-MAX_TURNS:])

    def asking(self, card_id: str, now: datetime) -> Conversation:
        """The tutor has asked `card_id`."""
        recent = (*[c for c in self.recent_cards if c != card_id], card_id)[-RECENT_CARDS:]
        return replace(
            self,
            phase=Phase.ASKING,
            card_id=card_id,
            hints_used=0,
            last_answer=None,
            last_grade=None,
            dialogue=None,
            recent_cards=recent,
            subject=None,
            last_active=now,
        )

    def hinted(self, now: datetime) -> Conversation:
        """One more hint was given for the pending card."""
        return replace(self, hints_used=self.hints_used + 1, last_active=now)

    def graded(self, answer: str, grade: Grade, now: datetime) -> Conversation:
        """The person's answer to the pending card was graded (and recorded)."""
        return replace(
            self,
            phase=Phase.GRADED,
            last_answer=answer[:MAX_SAVED_ANSWER_CHARS],
            last_grade=grade_to_dict(grade),
            answered=self.answered + 1,
            correct=self.correct + (grade.verdict == "correct"),
            dialogue=None,
            last_active=now,
        )

    def discussing(
        self, answer: str, grade: Grade, dialogue: Dialogue, now: datetime
    ) -> Conversation:
        """The answer was graded and a dialogue on what it missed began (nothing recorded yet)."""
        return replace(
            self,
            phase=Phase.DIALOGUE,
            last_answer=answer[:MAX_SAVED_ANSWER_CHARS],
            last_grade=grade_to_dict(grade),
            dialogue=dialogue,
            last_active=now,
        )

    def continued(self, dialogue: Dialogue, now: datetime) -> Conversation:
        """The dialogue moved on."""
        return replace(self, dialogue=dialogue, last_active=now)

    def concluded(self, final: Grade, now: datetime) -> Conversation:
        """The dialogue ended and `final` was recorded; the answer's own grade stays for "explain"."""
        return replace(
            self,
            phase=Phase.GRADED,
            dialogue=None,
            answered=self.answered + 1,
            correct=self.correct + (final.verdict == "correct"),
            last_active=now,
        )

    def revealed(self, now: datetime) -> Conversation:
        """The pending card was skipped: its answer is shown, nothing is left to answer."""
        return replace(
            self,
            phase=Phase.GRADED,
            last_answer=None,
            last_grade=None,
            dialogue=None,
            last_active=now,
        )

    def discussed(self, question: str) -> Conversation:
        """A question of the person's was answered: later "why?"s refer to it."""
        return replace(self, subject=clip(" ".join(question.split()), TURN_CHARS))

    def touched(self, now: datetime) -> Conversation:
        """The person said something (keeps the conversation from idling out)."""
        return replace(self, last_active=now)

    def noticed(self, user_id: str) -> Conversation:
        """`user_id` has been told this conversation is someone else's."""
        return self if user_id in self.ignored else replace(self, ignored=(*self.ignored, user_id))

    def idle(self, now: datetime, after: timedelta = IDLE_AFTER) -> bool:
        """Whether nothing has happened for `after`."""
        return now - self.last_active >= after

    def grade(self) -> Grade | None:
        """The last answer's grade, rebuilt."""
        return None if self.last_grade is None else grade_from_dict(self.last_grade)

    # --- storage ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (datetimes as ISO strings); round-trips through `from_dict`."""
        return {
            "user_id": self.user_id,
            "place": self.place,
            "channel_id": self.channel_id,
            "started_at": self.started_at.isoformat(),
            "last_active": self.last_active.isoformat(),
            "guild_id": self.guild_id,
            "topic": self.topic,
            "phase": self.phase.value,
            "card_id": self.card_id,
            "hints_used": self.hints_used,
            "last_answer": self.last_answer,
            "last_grade": self.last_grade,
            "turns": [[t.role, t.text] for t in self.turns],
            "recent_cards": list(self.recent_cards),
            "ignored": list(self.ignored),
            "subject": self.subject,
            "answered": self.answered,
            "correct": self.correct,
            "dialogue": self.dialogue.to_dict() if self.dialogue is not None else None,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conversation:
        """Rebuild a conversation from `to_dict` output."""
        turns = tuple(
            Turn("tutor" if role == "tutor" else "person", str(text))
            for role, text in data.get("turns", [])
        )
        return cls(
            user_id=str(data["user_id"]),
            place=str(data["place"]),
            channel_id=str(data["channel_id"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            last_active=datetime.fromisoformat(data["last_active"]),
            guild_id=data.get("guild_id"),
            topic=data.get("topic"),
            phase=Phase(data.get("phase", Phase.ASKING)),
            card_id=data.get("card_id"),
            hints_used=int(data.get("hints_used", 0)),
            last_answer=data.get("last_answer"),
            last_grade=data.get("last_grade"),
            turns=turns[-MAX_TURNS:],
            recent_cards=tuple(data.get("recent_cards", ())),
            ignored=tuple(data.get("ignored", ())),
            subject=data.get("subject"),
            answered=int(data.get("answered", 0)),
            correct=int(data.get("correct", 0)),
            dialogue=Dialogue.from_dict(data["dialogue"]) if data.get("dialogue") else None,
            extra=dict(data.get("extra", {})),
        )
