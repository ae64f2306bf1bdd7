"""Run test work in several threads released at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable


def all_at_once(count: int, work: Callable[[int], object]) -> list[BaseException]:
    """Run `work(0)` … `work(count - 1)` in threads that start together; what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:  # collected for the caller to assert on
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
