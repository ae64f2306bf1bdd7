"""The Tutor service with the real index, store, grader and embedder (no LLM)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.explainer import Explainer, ExplainResult
from bot.core.grading import Grader
from bot.core.limits import MAX_ANSWER_CHARS
from bot.core.prompts import Prompts
from bot.core.tutor import Tutor, max_score_for, scopes_for
from bot.errors import InputError
from bot.infra.store import ProgressStore

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def tutor(seed_index, embedder, tmp_path: Path) -> Tutor:
    explainer = Explainer(None, embedder, Prompts.load(ROOT / "prompts"))
    store = ProgressStore(tmp_path / "progress.sqlite3")
    return Tutor(cards=seed_index, progress=store, grader=Grader(embedder), explainer=explainer)


def test_topic_picks_a_relevant_new_card(tutor: Tutor) -> None:
    pick = tutor.next_card("u1", now=T0, topic="negative sampling")
    assert pick is not None and pick.reason == "new"
    assert pick.card.title == "Negative Sampling in Word2vec"
    assert tutor.next_card("u1", now=T0, topic="medieval castle architecture") is None


def test_due_cards_come_back_first(tutor: Tutor) -> None:
    first = tutor.next_card("u1", now=T0)
    assert first is not None and first.reason == "new"
    grade = tutor.grade(first.card, "no idea")
    assert grade.verdict == "incorrect"
    tutor.review("u1", first.card, grade, now=T0)
    # Straight after a wrong answer another new card comes; once it is due, the failed one returns.
    later = T0 + timedelta(hours=1)
    again = tutor.next_card("u1", now=later)
    assert again is not None and again.reason == "due" and again.card == first.card
    other = tutor.next_card("u2", now=later)  # progress is per person
    assert other is not None and other.reason == "new"


def test_good_answer_is_recorded_and_pushed_back(tutor: Tutor, seed_index) -> None:
    card = next(c for c in seed_index.cards() if c.title == "Negative Sampling in Word2vec")
    answer = (
        "Instead of predicting every word in the vocabulary, it samples a few random words that do not "
        "appear with the centre word as negative examples, which makes word2vec training much cheaper; "
        "the model learns to output 1 for real pairs and 0 for the negative ones."
    )
    grade = tutor.grade(card, answer)
    assert grade.verdict in {"correct", "partial"}
    result = tutor.review("u1", card, grade, now=T0)
    assert result.due > T0 + timedelta(minutes=5)
    stats = tutor.stats("u1", now=T0, tz=UTC)
    assert stats.reviews == 1


def test_hints_reveal_key_points_and_lower_the_score_on_offer(tutor: Tutor, seed_index) -> None:
    card = seed_index.cards()[0]
    hints = [tutor.hint(card, n) for n in range(5)]
    given = [h for h in hints if h is not None]
    assert given and all(h in card.answer for h in given)
    assert hints[len(given)] is None
    assert max_score_for(0) == 1.0 and max_score_for(1) == 0.75 and max_score_for(9) == 0.25
    capped = tutor.grade(card, card.answer, hints_used=2)
    assert capped.score <= 0.5


def test_skip_brings_the_card_back_soon(tutor: Tutor, seed_index) -> None:
    card = seed_index.cards()[3]
    result = tutor.skip("u1", card, now=T0)
    assert result.due <= T0 + timedelta(minutes=15)


def test_bad_answers_and_questions_get_clear_errors(tutor: Tutor, seed_index) -> None:
    with pytest.raises(InputError, match="too long"):
        tutor.grade(seed_index.cards()[0], "x" * (MAX_ANSWER_CHARS + 1))
    with pytest.raises(InputError, match="empty"):
        tutor.ask("   ")


async def test_explain_without_llm_falls_back_to_the_card(tutor: Tutor, seed_index) -> None:
    card = seed_index.cards()[0]
    grade = tutor.grade(card, "it is about computers")
    chunks = [c async for c in tutor.explain(card, "it is about computers", grade)]
    result = chunks[-1]
    assert isinstance(result, ExplainResult) and result.fallback
    assert card.answer.strip()[:40] in result.text


def test_topics_and_scopes(tutor: Tutor) -> None:
    assert tutor.topics() == [("", "000_75fa53af5a744319", 16)]
    assert scopes_for(None) == ("",) and scopes_for("42") == ("", "42")
