"""How the tutor's dialogue turns read in Discord: one line each, marked by its kind.

Shared by the chat (DMs and threads) and the quiz's Work through it, so a hint looks the
same wherever it is given.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.dialogue import TutorTurn
from bot.core.text import clip, neutralize_mentions

MARKS = {"hint": "💡", "prompt": "✏️", "assertion": "📖", "done": "🏁"}
"""How each kind of tutor turn is marked."""
MESSAGE_MAX = 2000


def turns_text(turns: Sequence[TutorTurn]) -> str:
    """Tutor turns as message lines, each marked by its kind."""
    return "\n".join(f"{MARKS.get(t.step, '')} {t.text}".strip() for t in turns)


def fit(text: str) -> str:
    """Text fit for a message: mentions defused, within Discord's 2000 characters."""
    return clip(neutralize_mentions(text.strip()), MESSAGE_MAX) or "…"
