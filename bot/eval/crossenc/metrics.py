"""3-way and 2-way macro-F1 from (n, 3) probabilities over (correct, contradictory, incorrect)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bot.infra.pair_scorer import LABELS


def macro_f1(gold: Sequence[int], pred: Sequence[int], classes: Sequence[int]) -> float:
    """Macro-averaged F1 over `classes` (a class absent from both counts as 0)."""
    g, p = np.asarray(gold), np.asarray(pred)
    scores = []
    for c in classes:
        tp = float(np.sum((p == c) & (g == c)))
        fp = float(np.sum((p == c) & (g != c)))
        fn = float(np.sum((p != c) & (g == c)))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


def three_way(labels: Sequence[str], probs: np.ndarray) -> dict[str, Any]:
    """Both SemEval figures: 3-way macro-F1 of the argmax, 2-way (correct or not) macro-F1."""
    gold = [LABELS.index(label) for label in labels]
    pred = probs.argmax(axis=1) if len(probs) else np.zeros(0, dtype=int)
    gold2 = [int(g == 0) for g in gold]
    pred2 = [int(p == 0) for p in pred]
    return {
        "n": len(gold),
        "f1_3way": round(macro_f1(gold, list(pred), (0, 1, 2)), 4),
        "f1_2way": round(macro_f1(gold2, pred2, (0, 1)), 4),
        "accuracy": round(float(np.mean(np.asarray(gold) == pred)) if gold else 0.0, 4),
    }
