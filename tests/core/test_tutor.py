"""The Tutor service with the real index, store, grader and embedder (no LLM)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.cards import Card
from bot.core.explainer import Explainer, ExplainResult
from bot.core.grading import Grader
from bot.core.limits import MAX_ANSWER_CHARS
from bot.core.prompts import Prompts
from bot.core.tutor import Tutor, max_score_for, scopes_for
from bot.errors import InputError
from bot.infra.store import ProgressStore, StoreError

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


# --- the dialogue on an answer ----------------------------------------------------------------


def _embeddings_card(tutor: Tutor) -> Card:
    return next(
        c for c in tutor.cards.cards(("",)) if c.question.startswith("How do token embeddings")
    )


def test_a_partial_answer_opens_a_dialogue_recorded_once_when_it_ends(tutor: Tutor) -> None:
    card = _embeddings_card(tutor)
    answered = tutor.answer(
        "u1", card, "Token embeddings turn each token into a vector of numbers.", now=T0
    )
    assert answered.open and answered.review is None and answered.final is None
    assert [t.step for t in answered.turns] == ["feedback", "hint"]
    assert tutor.stats("u1", now=T0, tz=UTC).reviews == 0, "nothing is recorded mid-dialogue"
    reply = "They let the model recognize and generate coherent sentences by understanding how words relate."
    done = tutor.reply(answered.dialogue, card, reply, now=T0 + timedelta(minutes=1))  # type: ignore[arg-type]
    assert not done.open and [t.step for t in done.turns] == ["feedback", "done"]
    assert done.turns[0].verdict == "covered"
    assert done.final is not None and done.final.verdict == "correct"
    assert done.final.score <= max_score_for(1), "the hint lowered what was on offer"
    assert done.review is not None and done.review.rating == 3  # Good, not Easy: help was used
    assert done.help_used == 1
    assert tutor.stats("u1", now=T0, tz=UTC).reviews == 1


def test_leaving_a_dialogue_records_what_was_reached(tutor: Tutor) -> None:
    card = _embeddings_card(tutor)
    answered = tutor.answer("u2", card, "I don't know", now=T0)
    assert answered.dialogue is not None and answered.grade.verdict == "incorrect"
    told = tutor.tell(answered.dialogue, card, now=T0)
    assert [t.step for t in told.turns] == ["assertion", "hint"] and told.open
    more = tutor.more(told.dialogue, card, now=T0)  # type: ignore[arg-type]
    assert [t.step for t in more.turns] == ["prompt"]
    left = tutor.end(more.dialogue, card, now=T0)  # type: ignore[arg-type]
    assert left.final is not None and left.final.verdict == "incorrect"
    assert [t.step for t in left.turns] == ["done"] and "Stopped" in left.turns[0].text
    assert tutor.stats("u2", now=T0, tz=UTC).reviews == 1


def test_a_correct_answer_is_recorded_at_once(tutor: Tutor) -> None:
    card = _embeddings_card(tutor)
    answered = tutor.answer("u3", card, card.answer, now=T0)
    assert not answered.open and answered.review is not None
    assert answered.final == answered.grade and [t.step for t in answered.turns] == ["done"]


def test_grade_record_and_remember_are_one_transaction(tutor: Tutor) -> None:
    # Keeping the answer fails (its table is gone): the review must not be saved without it.
    store = tutor.progress
    assert isinstance(store, ProgressStore)
    with store.db.tx() as tx:
        tx.execute("DROP TABLE quiz_answers")
    card = _embeddings_card(tutor)
    with pytest.raises(StoreError):
        tutor.answer("u4", card, card.answer, now=T0)
    assert tutor.stats("u4", now=T0, tz=UTC).reviews == 0
    assert store.card_state("u4", card.card_id) is None
