"""Spaced repetition: turn a grade into an FSRS rating, and a rating into the next due date.

A thin, deterministic wrapper over py-fsrs (v6). The FSRS card state travels as the plain
dict of `fsrs.Card.to_dict()`, so the store can keep it as JSON without knowing FSRS.
`now` is always passed in and must be timezone-aware; fuzzing is off, so the same history
always gives the same schedule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import fsrs

from bot.errors import InputError

VERDICTS = ("correct", "partial", "incorrect", "skipped")
"""Grade verdicts the scheduler understands; `skipped` covers a skip or a revealed answer."""

EASY_SCORE = 0.9
"""A correct answer at or above this score, without hints, counts as Easy."""

# FSRS keeps its own integer card id inside the state; ours is the string key in the store.
# A fixed value keeps state dicts deterministic (fsrs.Card() would otherwise read the clock).
_FSRS_CARD_ID = 0


def require_utc(when: datetime, name: str = "now") -> datetime:
    """Return `when` converted to UTC; a naive datetime is rejected, never guessed at."""
    if not isinstance(when, datetime):
        raise InputError(f"{name} must be a datetime, got {type(when).__name__}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise InputError(
            f"{name} must be a timezone-aware datetime (e.g. datetime.now(UTC)), got naive {when}"
        )
    return when.astimezone(UTC)


def check_grade(score: float, verdict: str) -> None:
    """Reject a score outside 0..1 (or NaN) and an unknown verdict with a specific message."""
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        raise InputError(f"score must be a number between 0 and 1, got {score!r}")
    if not 0.0 <= score <= 1.0:
        raise InputError(f"score must be between 0 and 1, got {score}")
    if verdict not in VERDICTS:
        raise InputError(f"verdict must be one of {', '.join(VERDICTS)}; got {verdict!r}")


def rating_for(
    score: float, verdict: str, hints_used: int = 0, skipped: bool = False
) -> fsrs.Rating:
    """Map a grade to an FSRS rating.

    A skip or a revealed answer, and an incorrect answer, are Again; partial is Hard;
    correct is Good, or Easy when the score is at least `EASY_SCORE` and no hint was used.
    """
    check_grade(score, verdict)
    if hints_used < 0:
        raise InputError(f"hints_used must be zero or more, got {hints_used}")
    if skipped or verdict in ("skipped", "incorrect"):
        return fsrs.Rating.Again
    if verdict == "partial":
        return fsrs.Rating.Hard
    if score >= EASY_SCORE and hints_used == 0:
        return fsrs.Rating.Easy
    return fsrs.Rating.Good


def new_state(now: datetime) -> dict[str, Any]:
    """The FSRS state of a card never reviewed: in learning, due at `now`."""
    card = fsrs.Card(card_id=_FSRS_CARD_ID, due=require_utc(now))
    return dict(card.to_dict())


def _card_from_state(state: Mapping[str, Any]) -> fsrs.Card:
    try:
        return fsrs.Card.from_dict(dict(state))  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"invalid FSRS card state {dict(state)!r}: {exc}") from exc


class Scheduler:
    """Deterministic FSRS scheduling (no fuzzing) over plain state dicts."""

    def __init__(
        self,
        desired_retention: float = 0.9,
        maximum_interval_days: int = 36500,
        learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10)),
        relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),),
    ) -> None:
        if not 0.0 < desired_retention < 1.0:
            raise InputError(f"desired_retention must be between 0 and 1, got {desired_retention}")
        if maximum_interval_days < 1:
            raise InputError(
                f"maximum_interval_days must be at least 1, got {maximum_interval_days}"
            )
        self._fsrs = fsrs.Scheduler(
            desired_retention=desired_retention,
            maximum_interval=maximum_interval_days,
            learning_steps=learning_steps,
            relearning_steps=relearning_steps,
            enable_fuzzing=False,
        )

    def review(
        self, state: Mapping[str, Any] | None, rating: fsrs.Rating, now: datetime
    ) -> tuple[dict[str, Any], datetime]:
        """Apply one review at `now`; return the new state dict and when the card is next due.

        `state` is None for a card the person has never reviewed.
        """
        now = require_utc(now)
        rating = fsrs.Rating(rating)
        card = _card_from_state(state) if state is not None else fsrs.Card(_FSRS_CARD_ID, due=now)
        card, _log = self._fsrs.review_card(card, rating, review_datetime=now)
        return dict(card.to_dict()), card.due.astimezone(UTC)

    def retrievability(self, state: Mapping[str, Any] | None, now: datetime) -> float:
        """Predicted probability (0..1) that the person recalls the card at `now`."""
        if state is None:
            return 0.0
        return float(self._fsrs.get_card_retrievability(_card_from_state(state), require_utc(now)))
