"""SemEval-2013 3-way figures (correct / contradictory / incorrect) of a 2-state grader.

The grader says `correct`, `partial` or `incorrect` and lists contradicted key points; it has
no "contradictory" verdict. `RULE` maps its output to SemEval's three classes, fixed before
any 3-way figure was looked at; nothing here is fitted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.core.grading.result import Grade
from bot.eval.grading.loaders import AsagItem, load_semeval, triples

CLASSES = ("correct", "contradictory", "incorrect")
RULE = (
    "verdict correct -> correct; otherwise any contradicted key point -> contradictory; "
    "otherwise (partial or incorrect) -> incorrect"
)


def three_way_label(grade: Grade) -> str:
    """The 3-way class of one grade, by `RULE`."""
    if grade.verdict == "correct":
        return "correct"
    return "contradictory" if grade.contradicted else "incorrect"


def confusion(
    gold: Sequence[str], pred: Sequence[str], classes: Sequence[str] = CLASSES
) -> list[list[int]]:
    """Counts: row = gold class, column = predicted class, both in `classes` order."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    index = {c: k for k, c in enumerate(classes)}
    table = [[0] * len(classes) for _ in classes]
    for g, p in zip(gold, pred, strict=True):
        table[index[g]][index[p]] += 1
    return table


def per_class_f1(
    table: Sequence[Sequence[int]], classes: Sequence[str] = CLASSES
) -> dict[str, float]:
    """F1 of each class from a `confusion` table (0 for a class never predicted nor present)."""
    scores = {}
    for k, name in enumerate(classes):
        tp = table[k][k]
        fn = sum(table[k]) - tp
        fp = sum(row[k] for row in table) - tp
        scores[name] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return scores


def macro_f1_classes(
    gold: Sequence[str], pred: Sequence[str], classes: Sequence[str] = CLASSES
) -> float:
    """Macro-averaged F1 over `classes` (every class counts, predicted or not)."""
    scores = per_class_f1(confusion(gold, pred, classes), classes)
    return sum(scores.values()) / len(classes)


def majority_label(labels: Iterable[str]) -> str:
    """The most frequent label (ties: the first in `CLASSES` order)."""
    counts = Counter(labels)
    return max(CLASSES, key=lambda c: (counts[c], -CLASSES.index(c)))


def three_way_figures(
    data: Path,
    items: Sequence[AsagItem],
    grades: Mapping[str, Sequence[Grade]],
    header: Mapping[str, Any],
) -> dict[str, Any]:
    """3-way figures of each grader's `grades` of `items` (a 2-way SemEval test split).

    The split's 3-way file lists the same answers in the same order (checked); the baseline
    predicts `header`'s majority class (the training split's) for every answer.
    """
    items3 = load_semeval(
        items[0].split, items[0].dataset.removeprefix("semeval-"), data=data, ways=3
    )
    if triples(items) != triples(items3):
        raise ValueError("the 2-way and 3-way files do not list the same answers in order")
    majority = str(header["majority_class_from_training"])
    gold = [i.label for i in items3]
    row: dict[str, Any] = {"n": len(gold), "gold": {c: gold.count(c) for c in CLASSES}}
    for name, graded in grades.items():
        pred = [three_way_label(g) for g in graded]
        table = confusion(gold, pred)
        row[name] = {
            "macro_f1": round(sum(per_class_f1(table).values()) / len(CLASSES), 4),
            "per_class_f1": {c: round(v, 4) for c, v in per_class_f1(table).items()},
            "confusion_gold_rows_pred_columns": table,
        }
    row["majority_class"] = round(macro_f1_classes(gold, [majority] * len(gold)), 4)
    return row


def three_way_header(training: Sequence[AsagItem]) -> dict[str, Any]:
    """What every 3-way row rests on: the mapping rule and the training split's majority."""
    return {
        "rule": RULE,
        "classes": list(CLASSES),
        "majority_class_from_training": majority_label(i.label for i in training),
    }
