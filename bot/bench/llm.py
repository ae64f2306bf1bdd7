"""LLM figures: our streaming service against raw llama.cpp, via `bot.infra.llm_bench`."""

from __future__ import annotations

from typing import Any

from bot.infra.embedder import Embedder
from bot.settings import Settings


def bench_llm(
    settings: Settings, embedder: Embedder, *, rounds: int, max_tokens: int
) -> dict[str, Any]:
    """Tokens/s vs raw and time to first token; null figures with a reason when impossible."""
    try:
        import llama_cpp  # noqa: F401  (the in-process backend needs it)
    except ImportError:
        return _none("llama-cpp-python is not installed")
    from bot.infra.llm_bench import bench_llm as measure

    if settings.llm_url:
        return _none(
            "an LLM server is configured (FLASHTUTOR_LLM_URL): no raw llama.cpp to compare"
        )
    figures = measure(settings, embedder=embedder, rounds=rounds, max_tokens=max_tokens)
    if figures.get("llm_model") == "none":
        return _none("no LLM configured (FLASHTUTOR_LLM_MODEL=none)")
    return figures


def _none(reason: str) -> dict[str, Any]:
    return {"llm_tokens_per_s_vs_raw": None, "llm_ttft_s": None, "reason": reason}
