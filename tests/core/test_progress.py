"""The progress service (leaderboard, forgetting, quiz memory) over the real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.progress import Progress
from bot.core.records import LeaderRow, QuizSession, SavedAnswer
from bot.infra.store import ProgressStore

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
CARD = "0123456789abcdef"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ProgressStore]:
    with ProgressStore(tmp_path / "progress.db") as s:
        yield s


def review(store: ProgressStore, user: str, score: float, when: datetime, guild: str) -> None:
    verdict = "correct" if score >= 0.8 else "incorrect"
    store.record_review(
        user_id=user, card_id=CARD, score=score, verdict=verdict, now=when, guild_id=guild
    )


def test_leaderboard_counts_this_server_within_the_days(store: ProgressStore) -> None:
    progress = Progress(store)
    review(store, "ada", 1.0, NOW - timedelta(days=1), "g1")
    review(store, "ada", 0.9, NOW - timedelta(days=2), "g1")
    review(store, "bob", 0.2, NOW - timedelta(days=1), "g1")
    review(store, "bob", 1.0, NOW - timedelta(days=40), "g1")  # too old for 30 days
    review(store, "cy", 1.0, NOW - timedelta(days=1), "g2")  # another server
    rows = progress.leaderboard("g1", now=NOW)
    assert [(r.user_id, r.reviews, r.correct) for r in rows] == [("ada", 2, 2), ("bob", 1, 0)]
    assert [r.score for r in rows] == pytest.approx([1.9, 0.2])
    assert all(isinstance(r, LeaderRow) for r in rows)
    assert [r.user_id for r in progress.leaderboard("g1", now=NOW, days=60)] == ["ada", "bob"]
    assert progress.leaderboard("g1", now=NOW, days=60)[1].score == pytest.approx(1.2)
    assert progress.leaderboard("g1", now=NOW, limit=1) == rows[:1]


def test_a_quiz_is_remembered_with_its_options(store: ProgressStore) -> None:
    progress = Progress(store)
    session = progress.open_quiz(
        user_id="ada", guild_id="g1", topic="embeddings", deck=None, public=True, now=NOW
    )
    assert session == QuizSession(session.id, "ada", "g1", "embeddings", None, True)
    assert progress.quiz_session(session.id) == session
    assert progress.quiz_session(session.id + 1000) is None


def test_the_latest_answer_is_kept(store: ProgressStore) -> None:
    progress = Progress(store)
    assert progress.last_answer("ada", CARD) is None
    progress.save_answer(user_id="ada", card_id=CARD, answer="first", hints_used=0, now=NOW)
    progress.save_answer(user_id="ada", card_id=CARD, answer="second", hints_used=2, now=NOW)
    assert progress.last_answer("ada", CARD) == SavedAnswer("second", 2)
    assert progress.last_answer("bob", CARD) is None


def test_forget_removes_everything_about_a_person_only(store: ProgressStore) -> None:
    progress = Progress(store)
    review(store, "ada", 1.0, NOW, "g1")
    review(store, "bob", 1.0, NOW, "g1")
    session = progress.open_quiz(
        user_id="ada", guild_id="g1", topic=None, deck=None, public=False, now=NOW
    )
    progress.save_answer(user_id="ada", card_id=CARD, answer="an answer", hints_used=0, now=NOW)
    assert progress.forget("ada") >= 3
    assert progress.quiz_session(session.id) is None
    assert progress.last_answer("ada", CARD) is None
    assert [r.user_id for r in progress.leaderboard("g1", now=NOW)] == ["bob"]
    assert progress.forget("ada") == 0
