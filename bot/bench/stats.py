"""Small statistics and timing helpers shared by the benchmark groups."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0..100) by linear interpolation; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median(values: Sequence[float]) -> float:
    """The median; nan for no values."""
    return statistics.median(values) if values else math.nan


def timed(fn: Callable[..., T], *args: Any) -> tuple[T, float]:
    """Run `fn(*args)` once; return its result and the wall time in seconds."""
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def ms(seconds: float) -> float:
    """Seconds to milliseconds, rounded for a report."""
    return round(seconds * 1000.0, 2)


def ratio(ours: float, baseline: float, digits: int = 3) -> float | None:
    """ours / baseline, rounded; None when the baseline is zero or missing."""
    if not baseline or math.isnan(baseline) or math.isnan(ours):
        return None
    return round(ours / baseline, digits)
