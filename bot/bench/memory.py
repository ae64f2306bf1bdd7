"""Resident memory with both models loaded, measured in a fresh process.

A separate process keeps the figure free of what the other bench groups allocate (10,000
synthetic cards, 100,000 vectors). It loads what `flashtutor run` loads — the embedder with a
grade done, and the LLM with a few tokens generated — and reports its resident set size.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from bot.settings import Settings


def rss_mb() -> float:
    """This process's resident set size in MB (Linux /proc; ru_maxrss elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _load_and_measure() -> dict[str, Any]:
    from bot.core.grading import Grader
    from bot.infra.embedder import load_embedder
    from bot.infra.llm import LlamaCppBackend, Message
    from bot.infra.model_files import resolve_model
    from bot.infra.pair_scorer import build_pair_scorer

    settings = Settings()
    start = rss_mb()
    embedder = load_embedder(settings.embedder, models_dir=settings.models_dir)
    scorer = build_pair_scorer(settings.pair_scorer)
    grader = Grader(embedder, pair_scorer=scorer)
    grader.grade("What is a token?", "A unit of text.", "a unit of text")
    after_embedder = rss_mb()
    path = resolve_model(settings.llm_model, settings.models_dir)
    out: dict[str, Any] = {
        "rss_start_mb": start,
        "rss_embedder_mb": after_embedder,
        "rss_embedder_name": settings.embedder,
    }
    if path is None:
        out["reason"] = "no LLM configured (FLASHTUTOR_LLM_MODEL=none)"
        out["rss_mb"] = after_embedder
        return out
    backend = LlamaCppBackend(path, threads=settings.llm_threads, context=settings.llm_context)
    try:
        hello: list[Message] = [{"role": "user", "content": "Say hi."}]
        for _ in backend.generate(hello, max_tokens=8, stop=threading.Event()):
            pass
        out["rss_mb"] = rss_mb()
        out["rss_llm_model"] = path.name
    finally:
        backend.close()
    return out


def bench_memory(timeout_s: float = 600) -> dict[str, Any]:
    """Run the measurement in a child process (same environment) and return its figures."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.bench.memory"],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"rss_mb": None, "reason": f"memory probe failed: {tail}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


if __name__ == "__main__":
    print(json.dumps(_load_and_measure()))
