"""The LLM service against the real SmolLM2 GGUF (fast), plus fault doubles for crashes."""

import asyncio
import logging
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import cast

import pytest

from bot.errors import Busy, ModelUnavailable
from bot.infra.llm import (
    Backend,
    LlamaCppBackend,
    LLMService,
    LLMTimeout,
    Message,
    build_llm,
)
from bot.infra.model_files import resolve_model
from bot.settings import Settings

pytestmark = pytest.mark.llm

LONG = [{"role": "user", "content": "Count from 1 to 300, one number per line."}]
SHORT = [{"role": "user", "content": "Say hello in three words."}]


@pytest.fixture(scope="module")
def smol_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = resolve_model("smollm2-135m", tmp_path_factory.mktemp("models"))
    assert path is not None
    return path


@pytest.fixture(scope="module")
def backend(smol_path: Path) -> Iterator[LlamaCppBackend]:
    b = LlamaCppBackend(smol_path, threads=2, context=1024)
    yield b
    b.close()


class Shared:
    """The module's one real model, lent to a service that must not free it on close."""

    def __init__(self, inner: LlamaCppBackend) -> None:
        self.inner = inner
        self.name = inner.name

    def generate(
        self, messages: Sequence[Message], *, max_tokens: int, stop: threading.Event
    ) -> Iterator[str]:
        return self.inner.generate(messages, max_tokens=max_tokens, stop=stop)

    def prewarm(self, messages: Sequence[Message]) -> None:
        self.inner.prewarm(messages)

    def close(self) -> None:
        pass


@pytest.fixture
def service(backend: LlamaCppBackend) -> Iterator[LLMService]:
    # A fresh service (worker thread, queue) around the one loaded model, for each test.
    svc = LLMService(lambda: Shared(backend), queue_size=1, timeout_s=120, max_tokens=256)
    yield svc
    svc.close()


async def _until(predicate: object, limit: float = 120.0) -> None:
    start = time.monotonic()
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() - start < limit, "condition never became true"
        await asyncio.sleep(0.02)


async def test_stream_yields_tokens_while_generating(service: LLMService) -> None:
    pieces: list[str] = []
    seen_running = False
    async for piece in service.stream(SHORT, max_tokens=40):
        if not pieces:
            # The first piece reaches us while the worker is still generating the rest.
            seen_running = service.running
        pieces.append(piece)
    assert seen_running
    assert len(pieces) > 1
    assert "".join(pieces).strip()


async def test_a_trailing_assistant_message_is_continued(
    service: LLMService, backend: LlamaCppBackend
) -> None:
    lead = "The three words are"
    prefilled = [*SHORT, {"role": "assistant", "content": lead}]
    # The prompt is the plain chat prompt, then the prefill verbatim (no end of turn between):
    # a plain and a prefilled request share their prefix, and so the model's cache of it.
    plain, continued = backend.prompt_tokens(SHORT), backend.prompt_tokens(prefilled)
    text = backend.llama.detokenize(continued, special=True).decode()
    assert text.endswith("<|im_start|>assistant\n" + lead)
    head = backend.llama.detokenize(plain, special=True).decode()
    assert text.startswith(head)
    pieces = [p async for p in service.stream(prefilled, max_tokens=12)]
    assert pieces and not "".join(pieces).lstrip().startswith(lead)


async def test_token_limit_bounds_output(service: LLMService) -> None:
    pieces = [p async for p in service.stream(LONG, max_tokens=12)]
    assert 1 <= len(pieces) <= 12


async def test_full_queue_is_busy_at_once_and_slots_come_back(service: LLMService) -> None:
    first = service.stream(LONG)
    await first.__anext__()  # running now
    second = service.stream(LONG)
    waiting = asyncio.ensure_future(second.__anext__())
    await _until(lambda: service.waiting == 1)
    third = service.stream(SHORT)
    with pytest.raises(Busy, match="busy, try again shortly"):
        await third.__anext__()
    # Cancel the waiting request and close the running one: both slots come back.
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await cast(AsyncGenerator[str, None], second).aclose()
    await cast(AsyncGenerator[str, None], first).aclose()
    assert service.waiting == 0
    text = "".join([p async for p in service.stream(SHORT, max_tokens=20)])
    assert text.strip()


async def test_time_limit_raises_and_frees_the_slot(service: LLMService) -> None:
    await service.ready()
    with pytest.raises(LLMTimeout, match=r"longer than 0\.5 s"):
        async for _ in service.stream(LONG, timeout=0.5):
            await asyncio.sleep(0.6)  # the consumer stalls past the limit
    await _until(lambda: not service.running)
    assert service.stopped_early == 1
    text = "".join([p async for p in service.stream(SHORT, max_tokens=20)])
    assert text.strip()


async def test_cancelling_the_consumer_stops_generation(service: LLMService) -> None:
    started = asyncio.Event()

    async def consume() -> None:
        async for _ in service.stream(LONG, max_tokens=256):
            started.set()

    task = asyncio.create_task(consume())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _until(lambda: not service.running)
    assert service.stopped_early == 1
    assert service.tokens_generated < 256
    text = "".join([p async for p in service.stream(SHORT, max_tokens=20)])
    assert text.strip()


class CrashingBackend:
    """Fault double: a backend that dies mid-answer (cannot be caused with a real model)."""

    name = "crashing"

    def generate(
        self, messages: Sequence[Message], *, max_tokens: int, stop: threading.Event
    ) -> Iterator[str]:
        yield "The "
        raise RuntimeError("GGML_ASSERT failed")

    def prewarm(self, messages: Sequence[Message]) -> None:
        raise RuntimeError("GGML_ASSERT failed")

    def close(self) -> None:
        pass


async def test_crashing_backend_becomes_model_unavailable(caplog: pytest.LogCaptureFixture) -> None:
    crashing: Backend = CrashingBackend()
    svc = LLMService(lambda: crashing, queue_size=2, timeout_s=10)
    try:
        with caplog.at_level(logging.ERROR, logger="bot.infra.llm"):
            pieces: list[str] = []
            with pytest.raises(ModelUnavailable, match="the LLM failed"):
                async for p in svc.stream(SHORT):
                    pieces.append(p)
        assert pieces == ["The "]
        assert "crashed" in caplog.text
        assert svc.waiting == 0
    finally:
        svc.close()


async def test_unloadable_model_is_unavailable_with_a_log_line(
    smol_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A GGUF header but a truncated body: llama.cpp itself refuses it.
    broken = tmp_path / "broken.gguf"
    with smol_path.open("rb") as src:
        broken.write_bytes(src.read(4096))
    svc = build_llm(Settings(data_dir=tmp_path, llm_model=str(broken)))
    assert svc is not None
    try:
        with caplog.at_level(logging.ERROR, logger="bot.infra.llm"):
            with pytest.raises(ModelUnavailable, match="could not load"):
                await svc.ready()
            with pytest.raises(ModelUnavailable):
                await svc.stream(SHORT).__anext__()
        assert "LLM unavailable" in caplog.text
    finally:
        svc.close()


async def test_missing_model_is_unavailable(tmp_path: Path) -> None:
    svc = build_llm(Settings(data_dir=tmp_path, llm_model=str(tmp_path / "gone.gguf")))
    assert svc is not None
    try:
        with pytest.raises(ModelUnavailable, match=r"model file missing: .*gone\.gguf"):
            await svc.ready()
    finally:
        svc.close()


def test_none_disables_the_llm(tmp_path: Path) -> None:
    assert build_llm(Settings(data_dir=tmp_path, llm_model="none")) is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(smol_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which(sys.executable) is None:
        pytest.fail("no python executable")
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(smol_path),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "1024",
                "--n_threads",
                "2",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/v1/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


async def test_openai_compatible_server_streams(llama_server: str, tmp_path: Path) -> None:
    svc = build_llm(Settings(data_dir=tmp_path, llm_url=llama_server, llm_max_tokens=40))
    assert svc is not None
    try:
        pieces: AsyncIterator[str] = svc.stream(SHORT)
        got = [p async for p in pieces]
        assert len(got) > 1
        assert "".join(got).strip()
        # A prefilled reply is accepted too (the server decides how it continues it).
        prefill = [*SHORT, {"role": "assistant", "content": "Hello"}]
        assert "".join([p async for p in svc.stream(prefill, max_tokens=8)]).strip()
        # Closing early also works against the server.
        stream = svc.stream(LONG)
        await stream.__anext__()
        await cast(AsyncGenerator[str, None], stream).aclose()
        await _until(lambda: not svc.running)
        assert svc.stopped_early == 1
    finally:
        svc.close()


async def test_unreachable_server_is_unavailable(tmp_path: Path) -> None:
    svc = build_llm(Settings(data_dir=tmp_path, llm_url=f"http://127.0.0.1:{_free_port()}"))
    assert svc is not None
    try:
        with pytest.raises(ModelUnavailable, match="unreachable"):
            await svc.ready()
    finally:
        svc.close()
