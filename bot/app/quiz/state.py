"""A quiz button's state, which lives entirely in its `custom_id` (so it survives restarts).

`ft:<action>:<card id>:<owner id>:<session id>:<hints used>:<public 0|1>`, at most about
65 characters of Discord's 100. The session id points at the quiz's options (topic, deck)
in the progress store; everything else a click needs is here.
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
