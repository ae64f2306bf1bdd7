"""Dataset loaders, metrics, model fitting and the JSONL round trip of the ASAG evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.core.grading import FEATURES, GraderParams
from bot.errors import InputError
from bot.eval.asag import (
    adversarial_answers,
    best_threshold,
    export,
    fit_logistic,
    fit_params,
    load_mohler,
    load_semeval,
    macro_f1,
    mohler_folds,
    mohler_profile,
    pearson,
    rmse,
    score_predictions,
    seed_cards,
)


def test_mohler_loader_reads_every_answer(asag_data: Path) -> None:
    items = load_mohler(asag_data)
    assert len(items) == 2273
    assert len({i.qid for i in items}) == 81
    assert all(0.0 <= i.gold <= 1.0 for i in items)
    assert np.mean([i.gold for i in items]) * 5 == pytest.approx(4.18, abs=0.01)
    first = items[0]
    assert first.question.startswith("What is the role of a prototype program")
    assert first.reference and first.answer


def test_semeval_loader_reads_the_2way_sciEntsBank_splits(asag_data: Path) -> None:
    questions = load_semeval("test-unseen-questions", data=asag_data)
    assert len(questions) == 733
    assert sum(i.gold for i in questions) == 301
    assert len({i.qid for i in questions}) == 15
    answers = load_semeval("test-unseen-answers", data=asag_data)
    assert (len(answers), sum(i.gold for i in answers)) == (540, 233)
    assert all(i.question and i.reference for i in answers)


def test_loaders_report_missing_data(tmp_path: Path, asag_data: Path) -> None:
    with pytest.raises(InputError, match="Mohler data not found"):
        load_mohler(tmp_path)
    with pytest.raises(InputError, match="SemEval data not found"):
        load_semeval("training", data=tmp_path)
    with pytest.raises(InputError, match="no SemEval files"):
        load_semeval("test-unseen-nothing", data=asag_data)


def test_metrics_on_known_values() -> None:
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert pearson([1, 1, 1], [1, 2, 3]) == 0.0
    assert rmse([0, 0], [3, 4]) == pytest.approx(np.sqrt(12.5))
    gold = [True, True, False, False]
    assert macro_f1(gold, gold) == 1.0
    # Class "correct": P=1/2, R=1/2; class "incorrect": P=1/2, R=1/2.
    assert macro_f1(gold, [True, False, True, False]) == pytest.approx(0.5)
    assert best_threshold(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1])) <= 0.8


def test_fit_logistic_learns_a_separating_direction() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] - 0.5 * x[:, 2] > 0).astype(float)
    mean, scale, weights, bias = fit_logistic(x, y, l2=0.1)
    assert weights[0] > 1.0 and weights[2] < -0.3 and abs(weights[1]) < 0.5
    p = 1 / (1 + np.exp(-(((x - mean) / scale) @ weights + bias)))
    assert macro_f1(y > 0.5, p >= 0.5) > 0.95


def test_fit_params_keeps_mohler_scale_apart_from_the_shipped_score() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, len(FEATURES)))
    y = (x[:, 3] > 0.3).astype(float)
    xm = rng.normal(size=(200, len(FEATURES)))
    ym = np.clip(0.85 + 0.1 * xm[:, 3], 0, 1)
    params = fit_params(x, y, xm, ym, "test")
    assert isinstance(params, GraderParams)
    assert params.extra["mohler_offset"] > 0  # Mohler grades far more leniently
    assert mohler_profile(params).probability(xm).mean() > params.probability(xm).mean()
    assert 0 < params.partial_at < params.correct_at < 1


def test_mohler_folds_hold_out_whole_assignments(asag_data: Path) -> None:
    items = load_mohler(asag_data)
    folds = mohler_folds(items)
    assert set(folds.tolist()) == set(range(6))
    by_assignment: dict[str, set[int]] = {}
    for item, fold in zip(items, folds, strict=True):
        by_assignment.setdefault(item.qid.split(".")[0], set()).add(int(fold))
    assert all(len(f) == 1 for f in by_assignment.values())


def test_export_and_score_round_trip(tmp_path: Path, asag_data: Path) -> None:
    written = export(asag_data, tmp_path)
    assert {p.name for p in written} >= {"test-unseen-questions.jsonl", "mohler.jsonl"}
    inputs = tmp_path / "test-unseen-questions.jsonl"
    gold = tmp_path / "test-unseen-questions.gold.jsonl"
    lines = [json.loads(x) for x in inputs.read_text("utf-8").splitlines()]
    assert len(lines) == 733 and set(lines[0]) == {"question", "reference", "answer"}
    labels = [json.loads(x)["gold"] for x in gold.read_text("utf-8").splitlines()]
    perfect = tmp_path / "pred.jsonl"
    perfect.write_text(
        "".join(
            json.dumps({"score": g, "verdict": "correct" if g else "incorrect"}) + "\n"
            for g in labels
        ),
        "utf-8",
    )
    figures = score_predictions(gold, perfect)
    assert figures["macro_f1"] == 1.0 and figures["pearson_r"] == pytest.approx(1.0)
    short = tmp_path / "short.jsonl"
    short.write_text(perfect.read_text("utf-8").splitlines()[0] + "\n", "utf-8")
    with pytest.raises(InputError, match="1 predictions for 733"):
        score_predictions(gold, short)


def test_adversarial_set_covers_every_attack_for_each_seed_card() -> None:
    cards = seed_cards()
    assert len(cards) == 16
    question, reference = cards[2]
    attacks = adversarial_answers(question, reference)
    kinds = {k for k, _ in attacks}
    assert kinds == {
        "empty",
        "whitespace",
        "idk",
        "question copied",
        "question paraphrased",
        "keyword stuffing",
        "mention spam",
        "url spam",
        "injection",
    }
    paraphrases = [a for k, a in attacks if k == "question paraphrased"]
    assert all("'t" not in a[:3] for a in paraphrases)
