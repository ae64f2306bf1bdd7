"""Grade → FSRS rating, and deterministic scheduling over plain state dicts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import fsrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.scheduling import Scheduler, new_state, rating_for, require_utc
from bot.errors import InputError

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("score", "verdict", "hints", "skipped", "expected"),
    [
        (0.95, "correct", 0, False, fsrs.Rating.Easy),
        (0.90, "correct", 0, False, fsrs.Rating.Easy),
        (0.89, "correct", 0, False, fsrs.Rating.Good),
        (0.95, "correct", 1, False, fsrs.Rating.Good),
        (0.60, "partial", 0, False, fsrs.Rating.Hard),
        (0.20, "incorrect", 0, False, fsrs.Rating.Again),
        (0.95, "correct", 0, True, fsrs.Rating.Again),
        (0.00, "skipped", 0, False, fsrs.Rating.Again),
    ],
)
def test_rating_for_maps_grades(
    score: float, verdict: str, hints: int, skipped: bool, expected: fsrs.Rating
) -> None:
    assert rating_for(score, verdict, hints_used=hints, skipped=skipped) is expected


@pytest.mark.parametrize(
    ("score", "verdict", "hints", "message"),
    [
        (1.5, "correct", 0, "between 0 and 1"),
        (-0.1, "partial", 0, "between 0 and 1"),
        (float("nan"), "correct", 0, "must be a number"),
        (0.5, "great", 0, "verdict must be one of"),
        (0.5, "correct", -1, "hints_used"),
    ],
)
def test_rating_for_rejects_bad_grades(
    score: float, verdict: str, hints: int, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        rating_for(score, verdict, hints_used=hints)


@given(score=st.floats(0.0, 1.0), hints=st.integers(0, 5))
def test_better_verdicts_never_rate_lower(score: float, hints: int) -> None:
    correct = rating_for(score, "correct", hints)
    partial = rating_for(score, "partial", hints)
    incorrect = rating_for(score, "incorrect", hints)
    assert correct > partial > incorrect


def test_naive_datetimes_are_rejected_with_a_clear_error() -> None:
    naive = datetime(2026, 3, 1, 12, 0)
    with pytest.raises(InputError, match="timezone-aware"):
        Scheduler().review(None, fsrs.Rating.Good, naive)
    with pytest.raises(InputError, match="timezone-aware"):
        new_state(naive)
    with pytest.raises(InputError, match="must be a datetime"):
        require_utc("2026-03-01")  # type: ignore[arg-type]


def test_aware_non_utc_time_is_the_same_instant() -> None:
    local = NOW.astimezone(ZoneInfo("Asia/Kolkata"))
    assert Scheduler().review(None, fsrs.Rating.Good, local) == Scheduler().review(
        None, fsrs.Rating.Good, NOW
    )
    _state, due = Scheduler().review(None, fsrs.Rating.Good, local)
    assert due.tzinfo is UTC


def test_first_review_due_dates_grow_with_rating() -> None:
    scheduler = Scheduler()
    dues = [scheduler.review(None, rating, NOW)[1] for rating in fsrs.Rating]
    assert dues == sorted(dues)
    assert len(set(dues)) == 4
    assert all(due > NOW for due in dues)
    assert dues[0] - NOW == timedelta(minutes=1)  # Again: first learning step


def test_scheduling_is_deterministic() -> None:
    def history() -> list[datetime]:
        scheduler, state, now, dues = Scheduler(), None, NOW, []
        for rating in [fsrs.Rating.Good] * 6 + [fsrs.Rating.Again, fsrs.Rating.Good]:
            state, due = scheduler.review(state, rating, now)
            dues.append(due)
            now = due
        return dues

    assert history() == history()


def test_repeated_good_reviews_lengthen_intervals() -> None:
    scheduler, state, now = Scheduler(), None, NOW
    intervals = []
    for _ in range(6):
        state, due = scheduler.review(state, fsrs.Rating.Good, now)
        intervals.append(due - now)
        now = due
    review_intervals = intervals[2:]  # past the two learning steps
    assert review_intervals == sorted(review_intervals)
    assert review_intervals[-1] > timedelta(days=10)


def test_a_lapse_brings_the_card_back_soon() -> None:
    scheduler, state, now = Scheduler(), None, NOW
    for _ in range(5):
        state, now = scheduler.review(state, fsrs.Rating.Good, now)
    _, due_after_lapse = scheduler.review(state, fsrs.Rating.Again, now)
    assert due_after_lapse - now == timedelta(minutes=10)  # the relearning step


def test_state_dicts_round_trip_through_json_and_fsrs() -> None:
    scheduler, state, now = Scheduler(), None, NOW
    for rating in (fsrs.Rating.Good, fsrs.Rating.Good, fsrs.Rating.Hard):
        state, now = scheduler.review(state, rating, now)
    assert state is not None
    stored = json.loads(json.dumps(state))
    assert stored == state
    assert fsrs.Card.from_dict(stored).to_dict() == state
    # Continuing from the stored copy schedules exactly as continuing from the original.
    later = now + timedelta(days=3)
    assert scheduler.review(stored, fsrs.Rating.Good, later) == scheduler.review(
        state, fsrs.Rating.Good, later
    )


def test_new_state_is_an_unreviewed_learning_card() -> None:
    state = new_state(NOW)
    assert state["state"] == fsrs.State.Learning
    assert state["last_review"] is None
    assert datetime.fromisoformat(state["due"]) == NOW
    assert Scheduler().review(state, fsrs.Rating.Good, NOW) == Scheduler().review(
        None, fsrs.Rating.Good, NOW
    )


def test_invalid_state_is_rejected() -> None:
    with pytest.raises(InputError, match="invalid FSRS card state"):
        Scheduler().review({"state": 2}, fsrs.Rating.Good, NOW)


def test_retrievability_falls_over_time() -> None:
    scheduler = Scheduler()
    assert scheduler.retrievability(None, NOW) == 0.0
    state, _due = scheduler.review(None, fsrs.Rating.Easy, NOW)
    soon = scheduler.retrievability(state, NOW + timedelta(days=1))
    late = scheduler.retrievability(state, NOW + timedelta(days=60))
    assert 0.0 < late < soon <= 1.0


def test_scheduler_rejects_bad_settings() -> None:
    with pytest.raises(InputError, match="desired_retention"):
        Scheduler(desired_retention=1.5)
    with pytest.raises(InputError, match="maximum_interval_days"):
        Scheduler(maximum_interval_days=0)


def test_lower_retention_schedules_further_out() -> None:
    def due_after_easy(retention: float) -> datetime:
        return Scheduler(desired_retention=retention).review(None, fsrs.Rating.Easy, NOW)[1]

    assert due_after_easy(0.8) > due_after_easy(0.95)
