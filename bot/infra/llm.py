"""The local LLM: one model per process, run in one worker thread, streamed to async callers.

`LLMService` owns the thread and a bounded queue of requests; each request streams its tokens
back through an async iterator, has a time limit and a token limit, and stops generation
promptly when its consumer goes away. Backends (`bot.infra.llm_backends`): llama.cpp
in-process (`LlamaCppBackend`) or any OpenAI-compatible server (`OpenAIServerBackend`); a
trailing assistant message is a prefill that the reply continues.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.ports import Message
from bot.errors import Busy, ModelUnavailable
from bot.infra.llm_backends import (
    SEED,
    TEMPERATURE,
    Backend,
    LlamaCppBackend,
    OpenAIServerBackend,
)
from bot.infra.model_files import resolve_model
from bot.settings import Settings

log = logging.getLogger(__name__)

__all__ = [
    "SEED",
    "TEMPERATURE",
    "Backend",
    "LLMService",
    "LLMTimeout",
    "LlamaCppBackend",
    "Message",
    "OpenAIServerBackend",
    "build_llm",
]


class LLMTimeout(ModelUnavailable):
    """A request ran past its time limit; the caller falls back like for a missing model."""


@dataclass(eq=False)
class _Job:
    messages: Sequence[Message]
    max_tokens: int
    loop: asyncio.AbstractEventLoop | None
    out: asyncio.Queue[tuple[str, Any]] | None
    prewarm: bool = False
    stop: threading.Event = field(default_factory=threading.Event)
    started: bool = False
    cancelled: bool = False
    done: threading.Event = field(default_factory=threading.Event)

    def emit(self, kind: str, value: Any = None) -> None:
        if self.loop is None or self.out is None:
            return
        with contextlib.suppress(RuntimeError):  # the consumer's loop is gone: nobody listens
            self.loop.call_soon_threadsafe(self.out.put_nowait, (kind, value))


class LLMService:
    """One model, one worker thread, a bounded queue; async streaming for callers.

    `queue_size` requests may wait while one runs; one more is refused at once with `Busy`.
    The model is loaded in the worker thread on first use (or by `start`); if loading fails,
    every request raises `ModelUnavailable` and the tutor uses its fallback text.
    """

    def __init__(
        self,
        load: Callable[[], Backend],
        *,
        queue_size: int = 4,
        timeout_s: float = 60.0,
        max_tokens: int = 200,
        name: str = "llm",
    ) -> None:
        self._load = load
        self.queue_size = queue_size
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        self.name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._waiting = 0
        self._running: _Job | None = None
        self._backend: Backend | None = None
        self._error: ModelUnavailable | None = None
        self._loaded = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.tokens_generated = 0
        self.stopped_early = 0

    # -- state -------------------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """Requests accepted but not started yet."""
        with self._lock:
            return self._waiting

    @property
    def running(self) -> bool:
        """Whether a request (or a prewarm) is being generated right now."""
        with self._lock:
            return self._running is not None

    @property
    def backend(self) -> Backend | None:
        """The loaded backend, once loading has succeeded."""
        return self._backend

    def start(self) -> None:
        """Start the worker (idempotent); it loads the model before taking requests."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    async def ready(self) -> Backend:
        """Wait until the model is loaded; raises ModelUnavailable if it cannot be."""
        self.start()
        await asyncio.get_running_loop().run_in_executor(None, self._loaded.wait)
        if self._error is not None:
            raise self._error
        assert self._backend is not None
        return self._backend

    def close(self) -> None:
        """Stop the worker after the current request and release the model."""
        with self._lock:
            self._closed = True
            if self._running is not None:
                self._running.stop.set()
            thread = self._thread
        self._jobs.put(None)
        if thread is not None:
            thread.join(timeout=30)

    # -- worker thread -----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._backend = self._load()
            log.info("LLM %s loaded", self._backend.name)
        except ModelUnavailable as exc:
            self._error = exc
        except Exception as exc:  # any loader failure must leave the tutor working
            self._error = ModelUnavailable(f"the LLM could not be loaded: {exc}")
        if self._error is not None:
            log.error(
                "LLM unavailable, explanations fall back to the reference answer: %s", self._error
            )
        self._loaded.set()
        while (job := self._jobs.get()) is not None:
            with self._lock:
                if job.cancelled:
                    continue
                if job.prewarm:
                    if self._waiting:  # real work waits: a prewarm is only worth idle time
                        continue
                else:
                    self._waiting -= 1
                job.started = True
                self._running = job
            try:
                self._serve(job)
            finally:
                with self._lock:
                    self._running = None
                job.done.set()
        if self._backend is not None:
            self._backend.close()

    def _serve(self, job: _Job) -> None:
        if self._error is not None or self._backend is None:
            job.emit("err", self._error or ModelUnavailable("the LLM is not loaded"))
            return
        try:
            if job.prewarm:
                self._backend.prewarm(job.messages)
                return
            count = 0
            pieces = self._backend.generate(job.messages, max_tokens=job.max_tokens, stop=job.stop)
            try:
                for piece in pieces:
                    if job.stop.is_set():
                        break
                    job.emit("tok", piece)
                    count += 1
                    self.tokens_generated += 1
                    if count >= job.max_tokens:  # a server that ignores max_tokens
                        break
            finally:
                close = getattr(pieces, "close", None)
                if close is not None:
                    close()
            if job.stop.is_set():
                self.stopped_early += 1
            job.emit("end")
        except ModelUnavailable as exc:
            log.error("LLM request failed: %s", exc)
            job.emit("err", exc)
        except Exception as exc:  # a crashing backend must not take the tutor down
            log.exception("LLM backend %s crashed", self._backend.name)
            job.emit("err", ModelUnavailable(f"the LLM failed ({type(exc).__name__})"))

    # -- callers -----------------------------------------------------------------------------

    def _submit(self, job: _Job) -> None:
        with self._lock:
            if self._closed:
                raise ModelUnavailable("the LLM service is shut down")
            if self._error is not None:
                raise self._error
            if self._waiting >= self.queue_size:
                raise Busy("busy, try again shortly")
            self._waiting += 1
        self.start()
        self._jobs.put(job)

    def _abandon(self, job: _Job) -> None:
        job.stop.set()
        with self._lock:
            if not job.started and not job.cancelled:
                job.cancelled = True
                self._waiting -= 1

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[str]:
        """Generate a reply to chat `messages`, yielding text pieces as they come.

        Raises Busy when the queue is full, LLMTimeout past the time limit (counted from the
        call, queueing included), ModelUnavailable when the model is missing or fails.
        Closing or cancelling the iterator stops generation and frees the slot.
        """
        loop = asyncio.get_running_loop()
        limit = self.timeout_s if timeout is None else timeout
        tokens = self.max_tokens if max_tokens is None else max(1, min(max_tokens, self.max_tokens))
        job = _Job(messages=messages, max_tokens=tokens, loop=loop, out=asyncio.Queue())
        deadline = loop.time() + limit
        self._submit(job)
        try:
            assert job.out is not None
            while True:
                remaining = deadline - loop.time()
                try:
                    if remaining <= 0:
                        raise TimeoutError
                    kind, value = await asyncio.wait_for(job.out.get(), remaining)
                except TimeoutError:
                    log.warning("LLM request stopped after its %.1f s time limit", limit)
                    raise LLMTimeout(f"the LLM took longer than {limit:g} s") from None
                if kind == "tok":
                    yield value
                elif kind == "end":
                    return
                else:
                    raise value
        finally:
            self._abandon(job)

    def prewarm(self, messages: Sequence[Message]) -> None:
        """Evaluate `messages` ahead of time when idle (e.g. a card while its answer is typed).

        Best effort: skipped when the model is unavailable or requests are waiting.
        """
        with self._lock:
            if self._closed or self._error is not None or self._waiting:
                return
        self.start()
        self._jobs.put(_Job(messages=messages, max_tokens=1, loop=None, out=None, prewarm=True))

    async def complete(self, messages: Sequence[Message], **kwargs: Any) -> str:
        """The whole reply as one string (convenience over `stream`)."""
        return "".join([piece async for piece in self.stream(messages, **kwargs)])


def build_llm(settings: Settings) -> LLMService | None:
    """The LLM service the settings ask for, or None when `llm_model` is `none` (no server).

    Nothing is loaded here: the worker thread verifies and loads the model, so start-up is
    not blocked and a broken model only turns explanations into fallback text.
    """
    if settings.llm_url:
        url = settings.llm_url

        def load_server() -> Backend:
            return OpenAIServerBackend(
                url, model=settings.llm_model, timeout_s=settings.llm_timeout_s
            )

        loader: Callable[[], Backend] = load_server
    elif settings.llm_model.strip().lower() == "none":
        return None
    else:

        def load_local() -> Backend:
            path = resolve_model(settings.llm_model, settings.models_dir)
            if path is None:
                raise ModelUnavailable("the LLM is disabled")
            return LlamaCppBackend(path, threads=settings.llm_threads, context=settings.llm_context)

        loader = load_local
    return LLMService(
        loader,
        queue_size=settings.llm_queue_size,
        timeout_s=settings.llm_timeout_s,
        max_tokens=settings.llm_max_tokens,
    )
