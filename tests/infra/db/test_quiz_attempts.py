"""The quiz-attempt repository (one row per (person, card), expiry, forgetting) and amending
a review, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.records import QuizAttempt
from tests.infra.conftest import Engine

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def test_an_attempt_round_trips_and_is_replaced(engine: Engine) -> None:
    with engine.store() as store:
        assert store.attempt("u", "c") is None
        first = QuizAttempt("u", "c", 2, False, None, NOW, LATER)
        store.save_attempt(first)
        assert store.attempt("u", "c") == first
        dialogue = {"card_id": "c", "position": 1, "nested": {"ok": [1, 2]}}
        second = QuizAttempt("u", "c", 1, True, dialogue, LATER, LATER + timedelta(minutes=5))
        store.save_attempt(second)
        assert store.attempt("u", "c") == second
        assert store.attempt("u", "other") is None and store.attempt("v", "c") is None
        assert store.clear_attempt("u", "c") and not store.clear_attempt("u", "c")


def test_expired_attempts_with_dialogues_are_listed_and_the_rest_purged(engine: Engine) -> None:
    with engine.store() as store:
        store.save_attempt(QuizAttempt("a", "c", 0, False, {"d": 1}, NOW, NOW))
        store.save_attempt(QuizAttempt("b", "c", 0, False, {"d": 2}, NOW, LATER))
        store.save_attempt(QuizAttempt("c", "c", 1, False, None, NOW, NOW))
        store.save_attempt(QuizAttempt("d", "c", 1, True, None, NOW, LATER))
        assert [a.user_id for a in store.expired_attempts(NOW)] == ["a"]
        assert [a.user_id for a in store.expired_attempts(LATER)] == ["a", "b"]
        assert store.expired_attempts(LATER, limit=1)[0].user_id == "a"
        assert store.purge_attempts(NOW) == 1  # c: expired, nothing to record
        assert store.attempt("c", "c") is None and store.attempt("a", "c") is not None
        assert store.attempt("d", "c") is not None


def test_forgetting_a_person_removes_their_attempts(engine: Engine) -> None:
    with engine.store() as store:
        store.save_attempt(QuizAttempt("u", "c", 1, False, None, NOW, LATER))
        store.save_attempt(QuizAttempt("v", "c", 1, False, None, NOW, LATER))
        assert store.forget_user("u") >= 1
        assert store.attempt("u", "c") is None and store.attempt("v", "c") is not None


def test_amending_a_review_keeps_one_review_and_reschedules_from_the_history(
    engine: Engine,
) -> None:
    with engine.store() as store:
        later = NOW + timedelta(days=3)
        for user in ("u", "ref"):
            store.record_review(user_id=user, card_id="c", score=0.9, verdict="correct", now=NOW)
        store.record_review(user_id="u", card_id="c", score=0.1, verdict="incorrect", now=later)
        amended = store.amend_review(
            user_id="u", card_id="c", reviewed_at=later, score=0.8, verdict="correct", hints_used=1
        )
        assert amended is not None and amended.rating == 3 and amended.reps == 2
        # The same history recorded directly: the same schedule.
        direct = store.record_review(
            user_id="ref", card_id="c", score=0.8, verdict="correct", now=later, hints_used=1
        )
        assert (amended.due, amended.rating) == (direct.due, direct.rating)
        assert store.card_state("u", "c") == store.card_state("ref", "c")
        stats = store.stats("u", later)
        assert (stats.reviews, stats.correct) == (2, 2)
        # No review at that time (or a skip): nothing is amended.
        missing = NOW + timedelta(days=9)
        assert (
            store.amend_review(
                user_id="u", card_id="c", reviewed_at=missing, score=0.8, verdict="correct"
            )
            is None
        )
