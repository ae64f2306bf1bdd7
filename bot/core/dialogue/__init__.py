"""The tutor's dialogue on what an answer missed or contradicted (hint → prompt → assertion).

`state` holds the values (`Dialogue`, `TutorTurn`, the `Answered` result), `templates` what
the tutor says without an LLM, `engine` the moves; `Tutor.answer`, `reply`, `tell`, `more`
and `end` run them with the grader and record the review when the dialogue ends.
"""

from __future__ import annotations

from bot.core.dialogue.state import Answered, Dialogue, Step, TutorTurn

__all__ = ["Answered", "Dialogue", "Step", "TutorTurn"]
