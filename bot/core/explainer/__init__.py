"""Grounded LLM text for learners: explanations, answers to questions, dialogue steps.

Nothing the model writes reaches a person unchecked: every reply streams through the
grounding check (`grounding`) sentence by sentence (`checked`), and each service ends with
one `ExplainResult` saying what was shown, or the fallback text when the model was off,
busy, slow or not grounded.

- `base`: the card in the prompt, the check, `ExplainResult`.
- `service`: the `Explainer` and `explain` (right / wrong / missing, quoted).
- `learner`: which words of an answer go with which key point.
- `asking`: questions answered from the cards, with citations.
- `turns`: hints, fill-in prompts and assertions for the point-by-point dialogue.
"""

from bot.core.explainer.base import (
    MAX_OUTPUT_CHARS,
    RELEVANCE_THRESHOLD,
    Chunk,
    ExplainResult,
    Step,
    fallback_text,
)
from bot.core.explainer.grounding import SUPPORT_THRESHOLD, Checker, Verdict
from bot.core.explainer.learner import AnswerParts, Claim
from bot.core.explainer.service import Explainer
from bot.core.explainer.turns import blanked_words, distinguishing_words

__all__ = [
    "MAX_OUTPUT_CHARS",
    "RELEVANCE_THRESHOLD",
    "SUPPORT_THRESHOLD",
    "AnswerParts",
    "Checker",
    "Chunk",
    "Claim",
    "ExplainResult",
    "Explainer",
    "Step",
    "Verdict",
    "blanked_words",
    "distinguishing_words",
    "fallback_text",
]
