"""The score on offer after help: every hint, and every dialogue hint or prompt, lowers it."""

from __future__ import annotations

HINT_PENALTY = 0.25
"""Each hint lowers the score on offer by this much."""
MIN_SCORE_ON_OFFER = 0.25


def max_score_for(hints_used: int) -> float:
    """The score still on offer after `hints_used` hints (or dialogue hints and prompts)."""
    return max(MIN_SCORE_ON_OFFER, 1.0 - HINT_PENALTY * max(0, hints_used))
