"""Real models for the explainer's tests: SmolLM2 (fast) once per session, the seed deck."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator, Sequence

import pytest

from bot.core.cards import Card
from bot.core.decks import load_deck_file
from bot.core.explainer import ExplainResult
from bot.core.grading import Grade, split_key_points
from bot.core.prompts import Prompts
from bot.infra.llm import LlamaCppBackend, LLMService, Message
from bot.infra.model_files import resolve_model
from bot.settings import PROJECT_ROOT

PROMPTS = Prompts.load(PROJECT_ROOT / "prompts")


@pytest.fixture(scope="module")
def cards() -> list[Card]:
    deck = load_deck_file(PROJECT_ROOT / "knowledge" / "000_75fa53af5a744319.txt")
    assert len(deck.cards) == 16
    return deck.cards


def missed_all(card: Card) -> Grade:
    return Grade(0.1, "incorrect", [], split_key_points(card.answer), ["too little overlap"])


class Lent:
    """Lends a session's real model to a service without letting the service free it."""

    def __init__(self, inner: LlamaCppBackend) -> None:
        self.inner, self.name = inner, inner.name

    def generate(
        self, messages: Sequence[Message], *, max_tokens: int, stop: threading.Event
    ) -> Iterator[str]:
        return self.inner.generate(messages, max_tokens=max_tokens, stop=stop)

    def prewarm(self, messages: Sequence[Message]) -> None:
        self.inner.prewarm(messages)

    def close(self) -> None:
        pass


def load_model(name: str, tmp: pytest.TempPathFactory) -> LlamaCppBackend:
    path = resolve_model(name, tmp.mktemp("models"))
    assert path is not None
    return LlamaCppBackend(path, threads=2, context=2048)


@pytest.fixture(scope="session")
def smol(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaCppBackend]:
    backend = load_model("smollm2-135m", tmp_path_factory)
    yield backend
    backend.close()


@pytest.fixture
def smol_service(smol: LlamaCppBackend) -> Iterator[LLMService]:
    svc = LLMService(lambda: Lent(smol), queue_size=1, timeout_s=300, max_tokens=120)
    yield svc
    svc.close()


async def run(stream: AsyncIterator[str | ExplainResult]) -> tuple[list[str], ExplainResult]:
    """Every streamed piece, and the one final result (nothing may stream after it)."""
    chunks: list[str] = []
    results: list[ExplainResult] = []
    async for item in stream:
        if isinstance(item, ExplainResult):
            results.append(item)
        else:
            assert not results, "text streamed after the final result"
            chunks.append(item)
    assert len(results) == 1, "exactly one final result"
    return chunks, results[0]


class Scripted:
    """Fault double: a model that writes exactly `texts` (e.g. its instructions), in turn.

    A real small model cannot be made to leak its prompt on demand; this stands in for
    that fault, streamed a few characters at a time like real tokens. Request n gets
    `texts[n]` (the last one again once they run out).
    """

    def __init__(self, *texts: str, step: int = 4) -> None:
        self.texts, self.step = texts, step
        self.calls: list[Sequence[Message]] = []
        self.prewarmed: list[Sequence[Message]] = []

    @property
    def text(self) -> str:
        """What the next request will be answered with."""
        return self.texts[min(len(self.calls), len(self.texts) - 1)]

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[str]:
        text = self.text
        self.calls.append(messages)
        for i in range(0, len(text), self.step):
            yield text[i : i + self.step]

    def prewarm(self, messages: Sequence[Message]) -> None:
        self.prewarmed.append(messages)
