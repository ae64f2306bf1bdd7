"""Quiz attempts and kept dialogues through the Tutor, with the real store, grader and index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.attempts import KEPT_IDLE, SEEN_FOR
from bot.core.cards import Card
from bot.core.explainer import Explainer
from bot.core.grading import Grader
from bot.core.prompts import Prompts
from bot.core.records import UserStats
from bot.core.tutor import Tutor, max_score_for
from bot.errors import InputError
from bot.infra.store import ProgressStore

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PARTIAL = "Token embeddings turn each token into a vector of numbers."


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.sqlite3")


@pytest.fixture
def tutor(seed_index, embedder, store: ProgressStore) -> Tutor:
    explainer = Explainer(None, embedder, Prompts.load(ROOT / "prompts"))
    return Tutor(cards=seed_index, progress=store, grader=Grader(embedder), explainer=explainer)


def _card(tutor: Tutor) -> Card:
    return next(
        c for c in tutor.visible_cards() if c.question.startswith("How do token embeddings")
    )


def _stats(tutor: Tutor, user: str) -> UserStats:
    return tutor.stats(user, now=T0 + timedelta(days=1), tz=UTC)


def _reviews(tutor: Tutor, user: str) -> int:
    return _stats(tutor, user).reviews


def test_hints_shown_are_charged_whatever_the_button_says(tutor: Tutor) -> None:
    card = _card(tutor)
    assert tutor.hinted("u1", card, 1, now=T0) == 1
    assert tutor.hinted("u1", card, 2, now=T0) == 2
    assert tutor.hinted("u1", card, 1, now=T0) == 2, "the higher count is kept"
    # The public message's Answer button says 0 hints; the store says 2.
    answered = tutor.answer("u1", card, card.answer, now=T0, dialogue=False, attempt=True)
    assert answered.help_used == 2
    assert answered.final is not None and answered.final.score <= max_score_for(2)
    # Another person's answer is not charged for u1's hints.
    other = tutor.answer("u2", card, card.answer, now=T0, dialogue=False, attempt=True)
    assert other.help_used == 0


def test_an_answer_after_reveal_is_refused_until_the_card_is_due(tutor: Tutor) -> None:
    card = _card(tutor)
    review = tutor.skip("u1", card, now=T0, attempt=True)
    with pytest.raises(InputError, match="already seen the answer"):
        tutor.answer("u1", card, card.answer, now=T0 + timedelta(seconds=20), attempt=True)
    assert _reviews(tutor, "u1") == 1, "nothing recorded for the refused answer"
    later = min(review.due, T0 + SEEN_FOR)
    again = tutor.answer("u1", card, card.answer, now=later, dialogue=False, attempt=True)
    assert again.review is not None and _reviews(tutor, "u1") == 2


def test_a_second_answer_after_the_result_is_refused_but_a_new_asking_allows_it(
    tutor: Tutor,
) -> None:
    card = _card(tutor)
    tutor.answer("u1", card, "no idea", now=T0, dialogue=False, attempt=True)
    with pytest.raises(InputError, match="already seen the answer"):  # the result showed it
        tutor.answer("u1", card, card.answer, now=T0, dialogue=False, attempt=True)
    tutor.asking("u1", card, now=T0)
    tutor.answer("u1", card, card.answer, now=T0, dialogue=False, attempt=True)
    assert _reviews(tutor, "u1") == 2


def test_without_attempt_nothing_of_the_store_counts(tutor: Tutor) -> None:
    card = _card(tutor)
    tutor.skip("u1", card, now=T0, attempt=True)
    tutor.hinted("u1", card, 3, now=T0)
    answered = tutor.answer("u1", card, card.answer, now=T0, dialogue=False)  # the chat's way
    assert answered.help_used == 0 and answered.review is not None


def test_a_kept_dialogue_is_offered_then_worked_through_and_its_review_amended(
    tutor: Tutor, store: ProgressStore
) -> None:
    card = _card(tutor)
    offered = tutor.answer("u1", card, PARTIAL, now=T0, attempt=True)
    assert offered.open and [t.step for t in offered.turns] == ["feedback"]
    assert offered.dialogue is not None and offered.dialogue.kept
    assert offered.dialogue.help_used == 0
    assert offered.review is not None and offered.final == offered.grade, "recorded at once"
    assert (_stats(tutor, "u1").reviews, _stats(tutor, "u1").partial) == (1, 1)
    kept = tutor.kept_dialogue("u1", card.card_id)
    assert kept is not None and kept.to_dict() == offered.dialogue.to_dict(), "kept as it was"

    begun = tutor.more(kept, card, now=T0)
    assert [t.step for t in begun.turns] == ["hint"]
    kept = tutor.kept_dialogue("u1", card.card_id)
    assert begun.dialogue is not None and kept is not None
    assert kept.to_dict() == begun.dialogue.to_dict() and kept.step == 1
    reply = "They let the model recognize and generate coherent sentences by understanding how words relate."
    done = tutor.reply(kept, card, reply, now=T0 + timedelta(minutes=1))
    assert not done.open and done.final is not None and done.final.verdict == "correct"
    assert done.review is not None and done.review.rating == 3  # the hint: Good, not Easy
    stats = _stats(tutor, "u1")
    assert (stats.reviews, stats.correct, stats.partial) == (1, 1, 0), "one review, amended"
    assert tutor.kept_dialogue("u1", card.card_id) is None
    # Scheduled exactly as if the final result had been recorded when the answer was given.
    store.record_review(
        user_id="ref",
        card_id=card.card_id,
        score=done.final.score,
        verdict="correct",
        now=T0,
        hints_used=done.help_used,
    )
    assert store.card_state("u1", card.card_id) == store.card_state("ref", card.card_id)
    with pytest.raises(InputError, match="already seen the answer"):
        tutor.answer("u1", card, card.answer, now=T0 + timedelta(minutes=2), attempt=True)


def test_the_same_step_taken_twice_counts_once(tutor: Tutor) -> None:
    card = _card(tutor)
    tutor.answer("u1", card, PARTIAL, now=T0, attempt=True)
    kept = tutor.kept_dialogue("u1", card.card_id)
    assert kept is not None
    tutor.tell(kept, card, now=T0)  # the one point stated: the dialogue ends, amended
    with pytest.raises(InputError, match="already over"):
        tutor.tell(kept, card, now=T0)  # a second click on the same (old) step
    assert _reviews(tutor, "u1") == 1


def test_an_offered_dialogue_left_records_the_answer_as_graded(tutor: Tutor) -> None:
    card = _card(tutor)
    offered = tutor.answer("u1", card, PARTIAL, now=T0, attempt=True)
    assert offered.dialogue is not None
    left = tutor.end(offered.dialogue, card, now=T0)
    assert left.final == offered.grade, "no help was given: the answer's own grade"
    assert _reviews(tutor, "u1") == 1


def test_answering_again_under_an_offer_is_a_new_answer_but_not_mid_dialogue(
    tutor: Tutor,
) -> None:
    card = _card(tutor)
    tutor.hinted("u1", card, 1, now=T0)
    tutor.answer("u1", card, PARTIAL, now=T0, attempt=True)
    # Offered only: the result showed no reference, so a new answer is taken (same hints).
    again = tutor.answer("u1", card, PARTIAL, now=T0, attempt=True)
    assert again.help_used == 1 and _reviews(tutor, "u1") == 2
    assert again.dialogue is not None
    begun = tutor.more(again.dialogue, card, now=T0)
    with pytest.raises(InputError, match="already working through"):
        tutor.answer("u1", card, card.answer, now=T0, attempt=True)
    # Skip on the question instead ends the dialogue: its one review gets what it reached.
    assert begun.dialogue is not None
    review = tutor.skip("u1", card, now=T0, attempt=True)
    assert review.rating >= 1 and _reviews(tutor, "u1") == 2
    assert tutor.kept_dialogue("u1", card.card_id) is None
    with pytest.raises(InputError, match="already seen the answer"):
        tutor.answer("u1", card, card.answer, now=T0, attempt=True)


def test_an_explanation_counts_as_seeing_the_answer(tutor: Tutor) -> None:
    card = _card(tutor)
    tutor.shown_answer("u1", card, now=T0)
    with pytest.raises(InputError, match="already seen the answer"):
        tutor.answer("u1", card, card.answer, now=T0, attempt=True)
    assert tutor.answer("u1", card, card.answer, now=T0 + SEEN_FOR, attempt=True).review


def test_idle_kept_dialogues_are_closed_and_expired_attempts_dropped(
    tutor: Tutor, store: ProgressStore
) -> None:
    card = _card(tutor)
    offered = tutor.answer("u1", card, PARTIAL, now=T0, attempt=True)
    assert offered.dialogue is not None
    tutor.more(offered.dialogue, card, now=T0)  # begun: one hint given, then left idle
    tutor.hinted("u2", card, 1, now=T0)
    assert tutor.close_idle_attempts(T0 + KEPT_IDLE / 2) == 0
    assert tutor.kept_dialogue("u1", card.card_id) is not None
    assert tutor.close_idle_attempts(T0 + timedelta(days=1)) == 1
    assert tutor.kept_dialogue("u1", card.card_id) is None
    assert _reviews(tutor, "u1") == 1, "the abandoned dialogue amends its one review"
    hints = store.db.query("SELECT hints_used FROM reviews WHERE user_id = ?", ("u1",))
    assert [row[0] for row in hints] == [1], "the hint it gave counts"
    assert store.attempt("u2", card.card_id) is None, "the expired hint row is gone"
    assert tutor.close_idle_attempts(T0 + timedelta(days=2)) == 0
    assert _reviews(tutor, "u1") == 1
