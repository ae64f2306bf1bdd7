"""The event loop's head start: worker threads at background priority, a short switch interval."""

from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest

from bot.app import priority


def _nice_of_this_thread() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread priority is a Linux feature"
)


@linux_only
def test_a_worker_runs_at_background_priority_and_its_threads_inherit_it() -> None:
    seen: dict[str, int] = {}

    def worker() -> None:
        priority.background_priority()
        seen["worker"] = _nice_of_this_thread()
        child = threading.Thread(target=lambda: seen.setdefault("child", _nice_of_this_thread()))
        child.start()
        child.join()

    before = _nice_of_this_thread()
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen["worker"] == max(before, priority.BACKGROUND_NICE)
    assert seen["child"] == seen["worker"]
    assert _nice_of_this_thread() == before  # the caller's own priority is untouched


@linux_only
def test_the_running_loop_gets_a_background_pool_once() -> None:
    async def main() -> tuple[int, int, object, object]:
        priority.favour_running_loop()
        first = asyncio.get_running_loop()._default_executor  # type: ignore[attr-defined]
        priority.favour_running_loop()
        second = asyncio.get_running_loop()._default_executor  # type: ignore[attr-defined]
        loop_nice = _nice_of_this_thread()
        worker_nice = await asyncio.to_thread(_nice_of_this_thread)
        return loop_nice, worker_nice, first, second

    old = sys.getswitchinterval()
    try:
        loop_nice, worker_nice, first, second = asyncio.run(main())
        assert sys.getswitchinterval() <= priority.LOOP_SWITCH_INTERVAL_S
    finally:
        sys.setswitchinterval(old)
    assert first is second is not None
    assert worker_nice == max(loop_nice, priority.BACKGROUND_NICE)
