"""The grader with the project's cross-encoder: the stacked score, the veto, the overruling.

On the real bundled embedder and the real cross-encoder (onnxruntime, sha256-checked). The
shipped model leaves the cross-encoder out of grading (it lost on the data it can be judged
on: docs/QUALITY.md), so these tests build the stacked parts explicitly and check what each
one does; the tuning decks (`bot/eval/grading/decks/`) supply the examples.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.core.decks import load_deck_file
from bot.core.grading import Grader, GraderParams
from bot.core.grading.params import PairParams
from bot.core.ports import Embedder
from bot.eval.asag import seed_cards
from bot.eval.grading.families import negations
from bot.infra.pair_scorer import OnnxPairScorer, load_pair_scorer

CARDS = seed_cards()
DECKS = Path(__file__).resolve().parents[3] / "bot" / "eval" / "grading" / "decks"
BASE = GraderParams.bundled()


def _with(**pair: float) -> GraderParams:
    """The shipped model with a stacked part: the embedding score unchanged unless given."""
    identity = PairParams(
        weights=(1.0, 0.0, 0.0),
        bias=0.0,
        correct_at=BASE.correct_at,
        partial_at=BASE.partial_at,
    )
    weights = tuple(
        pair.pop(k, d) for k, d in zip(("base", "correct", "contra"), (1.0, 0.0, 0.0), strict=True)
    )
    return replace(BASE, pair=replace(identity, weights=weights, **pair))


@pytest.fixture(scope="module")
def scorer() -> OnnxPairScorer:
    return load_pair_scorer()


@pytest.fixture(scope="module")
def plain(embedder: Embedder) -> Grader:
    return Grader(embedder)


def test_the_shipped_model_leaves_the_cross_encoder_out(
    embedder: Embedder, scorer: OnnxPairScorer, plain: Grader
) -> None:
    assert BASE.pair is None
    grader = Grader(embedder, pair_scorer=scorer)
    before = scorer.pairs_scored
    items = [(q, r, r) for q, r in CARDS[:4]]
    assert grader.grade_many(items) == plain.grade_many(items)
    assert scorer.pairs_scored == before


def test_an_identity_stack_scores_as_the_embedding_model_and_asks_one_pair(
    embedder: Embedder, scorer: OnnxPairScorer, plain: Grader
) -> None:
    grader = Grader(embedder, _with(), pair_scorer=scorer)
    q, r = CARDS[0]
    answers = ["It splits text into tokens so a model can turn words into numbers.", "", "   "]
    before = scorer.pairs_scored
    grades = grader.grade_many([(q, r, a) for a in answers])
    assert scorer.pairs_scored == before + 1  # empty answers are not sent
    for grade, expected in zip(grades, plain.grade_many([(q, r, a) for a in answers]), strict=True):
        assert grade.score == pytest.approx(expected.score, abs=1e-3)
        assert grade.verdict == expected.verdict


def test_the_stack_follows_the_cross_encoders_p_correct(
    embedder: Embedder, scorer: OnnxPairScorer, plain: Grader
) -> None:
    q, r = CARDS[0]
    answer = "It splits text into tokens so a model can turn words into numbers."
    p_correct = float(scorer.score([(q, r, answer)])[0, 0])
    leaning = Grader(embedder, _with(correct=1.0), pair_scorer=scorer)
    shift = leaning.grade(q, r, answer).score - plain.grade(q, r, answer).score
    # +1 x logit(P(correct)) on the logit: up when the model calls it correct, down if not.
    assert np.sign(shift) == np.sign(np.log(p_correct / (1 - p_correct))), (p_correct, shift)
    rows = leaning.pair_features([(q, r, answer), (q, r, "")])
    np.testing.assert_allclose(rows.sum(axis=1), 1.0, atol=1e-5)
    assert tuple(rows[1]) == (0.0, 0.0, 1.0)  # nothing to grade: no cross-encoder call


def test_the_veto_catches_a_negation_the_word_rules_miss(
    embedder: Embedder, scorer: OnnxPairScorer, plain: Grader
) -> None:
    # "It is not true that while photosynthesis builds glucose ..." on the tuning deck's
    # respiration card: no word rule sees it, the cross-encoder reads the point contradicted.
    card = next(
        c
        for c in load_deck_file(DECKS / "biology_cells.md").cards
        if "respiration" in c.question.lower()
    )
    answer = next(a for a in negations(card.answer) if "not true that" in a)
    assert plain.grade(card.question, card.answer, answer).verdict == "correct"
    vetoing = Grader(embedder, _with(point_contra_at=0.5), pair_scorer=scorer)
    grade = vetoing.grade(card.question, card.answer, answer)
    assert grade.verdict != "correct" and grade.contradicted, grade
    assert grade.said and grade.said[0] in answer
    # The card's own reference stays correct under the same veto.
    own = vetoing.grade(card.question, card.answer, card.answer)
    assert own.verdict == "correct" and not own.contradicted, own


def test_overruling_lifts_the_word_rules_contradictions(
    embedder: Embedder, scorer: OnnxPairScorer, plain: Grader
) -> None:
    q, r = next((q, r) for q, r in CARDS if q.startswith("How do contextualized"))
    answer = (
        "Contextualized word embeddings do not change depending on the context of the sentence."
    )
    assert plain.grade(q, r, answer).contradicted
    # At P(correct) >= 0 every contradiction is overruled; at > 1 none is.
    lifted = Grader(embedder, _with(point_correct_at=0.0), pair_scorer=scorer).grade(q, r, answer)
    assert not lifted.contradicted, lifted
    kept = Grader(embedder, _with(point_correct_at=1.0 + 1e-6), pair_scorer=scorer)
    assert kept.grade(q, r, answer).contradicted


def test_pair_params_round_trip_through_the_model_file() -> None:
    params = _with(correct=0.5, contra=-0.25, point_contra_at=0.6, point_correct_at=0.9)
    again = GraderParams.from_dict(params.to_dict())
    assert again.pair == params.pair
    assert "pair" not in BASE.to_dict()
