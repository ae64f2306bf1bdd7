"""A quiz button's state, which lives entirely in its `custom_id` (so it survives restarts).

`ft:<action>:<card id>:<owner id>:<session id>:<hints used>:<public 0|1>`, at most about
65 characters of Discord's 100. The session id points at the quiz's options (topic, deck)
in the progress store; everything else a click needs is here. A Work-through-it step's
buttons carry a `WorkState` instead; the dialogue they step through is in the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

PREFIX = "ft"
CARD = r"(?P<card>[0-9a-f]{16})"
OWNER = r"(?P<owner>[0-9]{1,20})"
SESSION = r"(?P<session>[0-9]{1,18})"
HINTS = r"(?P<hints>[0-9])"
PUBLIC = r"(?P<public>[01])"


def template(action: str) -> str:
    """The regular expression matching one action's custom ids."""
    return rf"{PREFIX}:{action}:{CARD}:{OWNER}:{SESSION}:{HINTS}:{PUBLIC}"


@dataclass(frozen=True, slots=True)
class QuizState:
    """Who a quiz button belongs to and where the quiz stands."""

    card_id: str
    owner_id: int
    session_id: int
    hints: int = 0
    public: bool = False

    def custom_id(self, action: str) -> str:
        """This state as the custom id of `action`'s button."""
        return (
            f"{PREFIX}:{action}:{self.card_id}:{self.owner_id}:{self.session_id}:"
            f"{self.hints}:{int(self.public)}"
        )

    @classmethod
    def from_match(cls, match: re.Match[str]) -> QuizState:
        """Parse a custom id matched by `template`."""
        return cls(
            card_id=match["card"],
            owner_id=int(match["owner"]),
            session_id=int(match["session"]),
            hints=int(match["hints"]),
            public=match["public"] == "1",
        )

    def for_person(self, user_id: int) -> QuizState:
        """The same card as a private quiz of `user_id` (a study-group member's own copy)."""
        return replace(self, owner_id=user_id, public=False)

    def with_hints(self, hints: int) -> QuizState:
        """The same quiz after `hints` hints."""
        return replace(self, hints=hints)


STEP = r"p(?P<position>[0-9]{1,3})s(?P<step>[0-9])"


def work_template(action: str) -> str:
    """The regular expression matching one dialogue step button's custom ids."""
    return rf"{PREFIX}:{action}:{CARD}:{OWNER}:{SESSION}:{STEP}"


@dataclass(frozen=True, slots=True)
class WorkState:
    """A Work-through-it step button: whose dialogue, on which card, at which step.

    `ft:<action>:<card id>:<owner id>:<session id>:p<position>s<step>`; the dialogue itself
    is in the store (the person's quiz attempt at the card). The position and step say which
    step the button answers, so a click on an older message's button is told it is over.
    """

    card_id: str
    owner_id: int
    session_id: int
    position: int
    step: int

    def custom_id(self, action: str) -> str:
        """This state as the custom id of `action`'s button."""
        return (
            f"{PREFIX}:{action}:{self.card_id}:{self.owner_id}:{self.session_id}:"
            f"p{self.position}s{self.step}"
        )

    @classmethod
    def from_match(cls, match: re.Match[str]) -> WorkState:
        """Parse a custom id matched by `work_template`."""
        return cls(
            card_id=match["card"],
            owner_id=int(match["owner"]),
            session_id=int(match["session"]),
            position=int(match["position"]),
            step=int(match["step"]),
        )

    def quiz(self, hints: int = 0) -> QuizState:
        """The quiz state of the same card and person (for Explain and Next)."""
        return QuizState(self.card_id, self.owner_id, self.session_id, min(9, hints), False)
