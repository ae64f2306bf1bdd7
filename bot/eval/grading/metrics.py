"""Agreement metrics and the logistic fit used to calibrate the grader (numpy only)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def pearson(x: ArrayLike, y: ArrayLike) -> float:
    """Pearson correlation of two equal-length sequences."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    a, b = a - a.mean(), b - b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom else 0.0


def rmse(x: ArrayLike, y: ArrayLike) -> float:
    """Root mean squared error."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.sqrt(((a - b) ** 2).mean()))


def macro_f1(gold: ArrayLike, pred: ArrayLike) -> float:
    """Macro-averaged F1 over the two classes (correct / not correct)."""
    g, p = np.asarray(gold, dtype=bool), np.asarray(pred, dtype=bool)
    scores = []
    for cls in (True, False):
        tp = float(np.sum((p == cls) & (g == cls)))
        fp = float(np.sum((p == cls) & (g != cls)))
        fn = float(np.sum((p != cls) & (g == cls)))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


def best_threshold(scores: np.ndarray, gold: np.ndarray) -> float:
    """The cut on `scores` that maximises macro-F1 of `score >= cut` against `gold > 0.5`."""
    cuts = np.round(np.linspace(0.05, 0.95, 91), 2)
    f1 = [macro_f1(gold > 0.5, scores >= c) for c in cuts]
    return float(cuts[int(np.argmax(f1))])


def fit_logistic(
    x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None, l2: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method; `y` may be soft (0..1).

    Returns (mean, scale, weights, bias) over standardised features.
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    sw = np.ones(len(x)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    sw = sw * len(x) / sw.sum()
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    theta = np.zeros(z.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ theta, -30, 30)))
        grad = z.T @ (sw * (p - y)) + penalty * theta
        hess = (z * (sw * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return mean, scale, theta[:-1], float(theta[-1])
