"""The SemEval 3-way mapping and metric: fixed rule, confusion counts, macro-F1 by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.grading.result import Grade
from bot.eval.grading.loaders import SEMEVAL_TESTS, load_semeval
from bot.eval.grading.threeway import (
    CLASSES,
    confusion,
    macro_f1_classes,
    majority_label,
    per_class_f1,
    three_way_figures,
    three_way_header,
    three_way_label,
)


def _grade(verdict: str, contradicted: list[str] | None = None) -> Grade:
    return Grade(0.5, verdict, [], [], [], contradicted=contradicted or [])  # type: ignore[arg-type]


def test_the_mapping_rule() -> None:
    assert three_way_label(_grade("correct")) == "correct"
    # A correct verdict wins (the grader never pairs it with a contradicted point anyway).
    assert three_way_label(_grade("correct", ["p"])) == "correct"
    assert three_way_label(_grade("partial", ["p"])) == "contradictory"
    assert three_way_label(_grade("incorrect", ["p"])) == "contradictory"
    assert three_way_label(_grade("partial")) == "incorrect"
    assert three_way_label(_grade("incorrect")) == "incorrect"


def test_confusion_and_macro_f1_by_hand() -> None:
    gold = ["correct", "correct", "contradictory", "incorrect", "incorrect", "incorrect"]
    pred = ["correct", "incorrect", "incorrect", "incorrect", "contradictory", "incorrect"]
    table = confusion(gold, pred)
    assert table == [[1, 0, 1], [0, 0, 1], [0, 1, 2]]
    f1 = per_class_f1(table)
    # correct: tp 1, fp 0, fn 1 -> 2/3; contradictory: tp 0 -> 0; incorrect: tp 2, fp 2, fn 1.
    assert f1 == pytest.approx({"correct": 2 / 3, "contradictory": 0.0, "incorrect": 4 / 7})
    assert macro_f1_classes(gold, pred) == pytest.approx((2 / 3 + 4 / 7) / 3)
    assert macro_f1_classes(gold, gold) == 1.0
    with pytest.raises(ValueError, match="gold labels"):
        confusion(gold, pred[:-1])


def test_majority_baseline_counts_every_class() -> None:
    labels = ["incorrect", "correct", "incorrect", "contradictory"]
    assert majority_label(labels) == "incorrect"
    assert majority_label(["correct", "contradictory"]) == "correct"  # tie: CLASSES order
    # Predicting the majority for all: F1 of that class (2*2/(2*2+2)) over three classes.
    assert macro_f1_classes(labels, ["incorrect"] * 4) == pytest.approx((2 / 3) / 3)


def test_figures_join_the_3way_labels_to_the_2way_answers(asag_data: Path) -> None:
    items = load_semeval(SEMEVAL_TESTS[0], data=asag_data)
    header = three_way_header(load_semeval("training", data=asag_data, ways=3))
    assert header["majority_class_from_training"] == "incorrect"
    # A grader that says `correct` exactly for the 2-way correct answers, else incorrect.
    grades = [_grade("correct" if i.gold > 0.5 else "incorrect") for i in items]
    row = three_way_figures(asag_data, items, {"oracle_2way": grades}, header)
    assert row["n"] == 540
    assert row["gold"] == {"correct": 233, "contradictory": 58, "incorrect": 249}
    table = row["oracle_2way"]["confusion_gold_rows_pred_columns"]
    assert table == [[233, 0, 0], [0, 0, 58], [0, 0, 249]]
    assert row["oracle_2way"]["per_class_f1"]["contradictory"] == 0.0
    assert row["majority_class"] == pytest.approx(2 * 249 / (2 * 249 + 291) / 3, abs=1e-4)
    assert list(row["oracle_2way"]["per_class_f1"]) == list(CLASSES)
