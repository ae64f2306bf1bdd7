"""LLM figures for `flashtutor bench`: our service against raw llama.cpp on the same prompt.

Both sides share one loaded `Llama`, so the model, threads and prompt are identical; tokens
per second are counted over the generation phase (first token to last), which is where a
wrapper could cost anything. Time to first token is measured the way a person meets it: the
card is shown (and prewarmed) while they type, then their answer is explained, or the tutor
answers their reply with a hint. Two clocks per request: the model's first token, and the
first checked sentence a person can see (nothing reaches them before the grounding check).
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.cards import Card
from bot.core.explainer import Explainer, ExplainResult
from bot.core.grading import Grade, split_key_points
from bot.core.prompts import Prompts
from bot.errors import ModelUnavailable
from bot.infra.llm import TEMPERATURE, Backend, LlamaCppBackend, LLMService, Message
from bot.infra.model_files import resolve_model
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.core.ports import Embedder

ANSWERS = (
    "It is when you encrypt text so nobody can read it.",
    "I think it just makes the text shorter.",
    "Not sure, something with vectors?",
)


class _Timed:
    """The service, with the time of the first token of the latest request noted."""

    def __init__(self, inner: LLMService) -> None:
        self.inner = inner
        self.first: float | None = None

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[str]:
        """The inner stream, stamping the first piece since `first` was last cleared."""
        async for piece in self.inner.stream(messages, max_tokens=max_tokens, timeout=timeout):
            if self.first is None:
                self.first = time.perf_counter()
            yield piece

    def prewarm(self, messages: Sequence[Message]) -> None:
        """Pass through."""
        self.inner.prewarm(messages)


class _Lent:
    """Lends the bench's one backend to a service without letting the service free it."""

    def __init__(self, inner: LlamaCppBackend) -> None:
        self.inner = inner
        self.name = inner.name
        self.generate = inner.generate
        self.prewarm = inner.prewarm

    def close(self) -> None:
        """The bench closes the model itself."""


def _seed_cards(settings: Settings) -> list[Card]:
    from bot.core.decks import discover_deck_files, load_deck_file

    cards: list[Card] = []
    for path in discover_deck_files([settings.knowledge_dir]):
        cards += load_deck_file(path).cards
    if len(cards) < 4:
        raise ModelUnavailable(f"the LLM bench needs at least 4 cards in {settings.knowledge_dir}")
    return cards


def _grade(card: Card) -> Grade:
    # A fixed "missed everything" grade: the bench measures the model, not the grader.
    return Grade(
        score=0.1, verdict="incorrect", covered=[], missed=split_key_points(card.answer), reasons=[]
    )


def _raw_rate(backend: LlamaCppBackend, messages: Sequence[Message], max_tokens: int) -> float:
    stream: Any = backend.llama.create_completion(
        prompt=backend.prompt_tokens(messages),
        max_tokens=max_tokens,
        temperature=TEMPERATURE,
        seed=backend.seed,
        stream=True,
    )
    stamps = [time.perf_counter() for chunk in stream if chunk["choices"][0].get("text")]
    return (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 2 else 0.0


async def _service_rate(service: LLMService, messages: Sequence[Message], max_tokens: int) -> float:
    stamps = [time.perf_counter() async for _ in service.stream(messages, max_tokens=max_tokens)]
    return (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 2 else 0.0


async def _typing(
    explainer: Explainer, timed: _Timed, card: Card, point: str | None = None
) -> None:
    """Prewarm `card` (or its hint at `point`) and wait until it is evaluated, as while a
    person types."""
    explainer.prewarm(card, point)
    await asyncio.sleep(0.05)
    while timed.inner.running:
        await asyncio.sleep(0.05)


async def _clocks(timed: _Timed, chunks: AsyncIterator[Any]) -> tuple[float, float]:
    """(first model token, first checked text) of one request, in seconds from its start."""
    timed.first = None  # an explanation is several requests: the first one's first token
    start = time.perf_counter()
    shown: float | None = None
    async for chunk in chunks:
        if shown is None and not isinstance(chunk, ExplainResult):
            shown = time.perf_counter()
    end = time.perf_counter()
    token = timed.first - start if timed.first is not None else math.nan
    return token, (shown if shown is not None else end) - start


def _median(values: Sequence[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v)]
    return round(statistics.median(finite), 3) if finite else None


async def _bench(
    backend: LlamaCppBackend,
    explainer: Explainer,
    timed: _Timed,
    cards: Sequence[Card],
    rounds: int,
    max_tokens: int,
) -> dict[str, Any]:
    service = timed.inner
    messages = explainer.explain_messages(cards[0], ANSWERS[0], _grade(cards[0]))
    ours: list[float] = []
    raw: list[float] = []
    for _ in range(rounds):  # interleaved, so load from other processes hits both sides alike
        raw.append(await asyncio.to_thread(_raw_rate, backend, messages, max_tokens))
        ours.append(await _service_rate(service, messages, max_tokens))
    cold = [
        await _clocks(timed, explainer.explain(c, ANSWERS[i % 3], _grade(c)))
        for i, c in enumerate(cards[1:3])
    ]
    warm: list[tuple[float, float]] = []
    hint: list[tuple[float, float]] = []
    ahead: list[tuple[float, float]] = []
    for i, card in enumerate(cards[3 : 3 + rounds]):
        await _typing(explainer, timed, card)
        warm.append(await _clocks(timed, explainer.explain(card, ANSWERS[i % 3], _grade(card))))
        # The dialogue: the person replied to a point; the tutor answers with a hint.
        points = split_key_points(card.answer)
        turn = explainer.tutor_turn(card, points[0], "hint", ANSWERS[(i + 1) % 3], "Think again.")
        hint.append(await _clocks(timed, turn))
        # The same, with the next hint's prompt read while the person typed their reply.
        await _typing(explainer, timed, card, points[-1])
        turn = explainer.tutor_turn(card, points[-1], "hint", ANSWERS[i % 3], "Think again.")
        ahead.append(await _clocks(timed, turn))
    tps, raw_tps = statistics.median(ours), statistics.median(raw)
    return {
        "llm_model": backend.name,
        "llm_tokens_per_s": round(tps, 2),
        "llm_raw_tokens_per_s": round(raw_tps, 2),
        "llm_tokens_per_s_vs_raw": round(tps / raw_tps, 3) if raw_tps else 0.0,
        "llm_ttft_s": _median([t for t, _ in warm]),
        "llm_first_text_s": _median([s for _, s in warm]),
        "llm_ttft_cold_s": _median([t for t, _ in cold]),
        "llm_hint_ttft_s": _median([t for t, _ in hint]),
        "llm_hint_first_text_s": _median([s for _, s in hint]),
        "llm_hint_prewarmed_ttft_s": _median([t for t, _ in ahead]),
        "llm_hint_prewarmed_first_text_s": _median([s for _, s in ahead]),
    }


def measure_llm(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    rounds: int = 3,
    max_tokens: int = 96,
    model_path: Path | None = None,
) -> dict[str, Any]:
    """Tokens/s of our service vs raw llama.cpp and time to first token of an explanation.

    Returns llm_tokens_per_s, llm_raw_tokens_per_s, llm_tokens_per_s_vs_raw, llm_ttft_s
    (card prewarmed while the answer is typed, as the tutor does), llm_first_text_s (the
    first checked sentence shown), llm_ttft_cold_s, and the same two clocks for a hint after
    a reply (llm_hint_ttft_s, llm_hint_first_text_s: card prefix cached) and for a hint whose
    prompt up to the reply was prewarmed (llm_hint_prewarmed_ttft_s, ..._first_text_s).
    """
    path = model_path or resolve_model(settings.llm_model, settings.models_dir)
    if path is None:
        return {"llm_model": "none"}
    if embedder is None:
        from bot.infra.embedder import load_embedder

        embedder = load_embedder(settings.embedder, models_dir=settings.models_dir)
    backend = LlamaCppBackend(path, threads=settings.llm_threads, context=settings.llm_context)
    lent: Backend = _Lent(backend)
    service = LLMService(lambda: lent, queue_size=2, timeout_s=600, max_tokens=max_tokens)
    timed = _Timed(service)
    explainer = Explainer(timed, embedder, Prompts.load(settings.prompts_dir))
    try:
        cards = _seed_cards(settings)
        return asyncio.run(_bench(backend, explainer, timed, cards, rounds, max_tokens))
    finally:
        service.close()
        backend.close()


def bench_llm(
    settings: Settings, embedder: Embedder, *, rounds: int, max_tokens: int
) -> dict[str, Any]:
    """Tokens/s vs raw and time to first token; null figures with a reason when impossible."""
    try:
        import llama_cpp  # noqa: F401  (the in-process backend needs it)
    except ImportError:
        return _none("llama-cpp-python is not installed")
    if settings.llm_url:
        return _none(
            "an LLM server is configured (FLASHTUTOR_LLM_URL): no raw llama.cpp to compare"
        )
    figures = measure_llm(settings, embedder=embedder, rounds=rounds, max_tokens=max_tokens)
    if figures.get("llm_model") == "none":
        return _none("no LLM configured (FLASHTUTOR_LLM_MODEL=none)")
    return figures


def _none(reason: str) -> dict[str, Any]:
    return {
        "llm_tokens_per_s_vs_raw": None,
        "llm_ttft_s": None,
        "llm_hint_ttft_s": None,
        "reason": reason,
    }


def main() -> None:
    """`python -m bot.bench.llm [OUT.json]`: the LLM speed figures alone."""
    import json
    import sys

    report = measure_llm(Settings())
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
