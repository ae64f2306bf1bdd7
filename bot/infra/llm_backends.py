"""The LLM backends: a loaded model that generates text, in this process or on a server.

`LlamaCppBackend` runs a GGUF through llama-cpp-python with the model's chat template;
`OpenAIServerBackend` streams from any OpenAI-compatible server (llama.cpp's server, vLLM,
Ollama). Both are called from `bot.infra.llm.LLMService`'s one worker thread. A backend turns chat messages into streamed text. When the last message is the assistant's,
it is a *prefill*: the reply continues that text (the pieces are the continuation only), so
the tutor can write the start of a sentence ("You wrote "...", but the card says") and let
the model finish it. The in-process backend renders every prompt itself with the GGUF's own
chat template, so plain and prefilled requests share their prompt prefix (and llama.cpp's
cache of it) token for token.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from bot.core.ports import Message
from bot.errors import ModelUnavailable

TEMPERATURE = 0.2
SEED = 1234

# For a GGUF without a chat template (rare): the ChatML layout most small chat models use.
_CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


class Backend(Protocol):
    """A loaded model that generates text for chat messages (called from the worker thread)."""

    name: str

    def generate(
        self, messages: Sequence[Message], *, max_tokens: int, stop: threading.Event
    ) -> Iterator[str]:
        """Yield text pieces as they are produced; stop early once `stop` is set."""
        ...

    def prewarm(self, messages: Sequence[Message]) -> None:
        """Evaluate the prompt of `messages` so a later prompt sharing its prefix starts fast."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...


def split_prefill(messages: Sequence[Message]) -> tuple[list[dict[str, str]], str]:
    """(the messages before a trailing assistant message, that message's text, else "")."""
    plain = [dict(m) for m in messages]
    if plain and plain[-1].get("role") == "assistant":
        return plain[:-1], plain[-1].get("content", "")
    return plain, ""


class LlamaCppBackend:
    """A GGUF model in this process through llama-cpp-python, using the model's chat template."""

    def __init__(self, path: Path, *, threads: int, context: int, seed: int = SEED) -> None:
        from llama_cpp import Llama  # heavy import: only when a model is actually loaded
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.name = path.name
        self.seed = seed
        # A llama.cpp context is not thread-safe: whoever holds the model, one call at a time.
        self._lock = threading.Lock()
        try:
            self.llama = Llama(
                model_path=str(path),
                n_ctx=context,
                n_threads=threads,
                n_threads_batch=threads,
                n_batch=512,
                seed=seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelUnavailable(f"llama.cpp could not load {path}: {exc}") from exc
        model = self.llama._model  # the token texts the chat template names
        eos, bos = self.llama.token_eos(), self.llama.token_bos()
        self._eos = model.token_get_text(eos) if eos != -1 else ""
        bos_text = model.token_get_text(bos) if bos != -1 else ""
        template = self.llama.metadata.get("tokenizer.chat_template") or _CHATML
        self._format = Jinja2ChatFormatter(
            template=template, eos_token=self._eos, bos_token=bos_text
        )

    def prompt_tokens(self, messages: Sequence[Message]) -> list[int]:
        """The prompt of `messages` as tokens: chat template, then any prefill, verbatim."""
        head, prefill = split_prefill(messages)
        text = self._format(messages=head).prompt + prefill  # type: ignore[arg-type]
        return self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def _completion(self, messages: Sequence[Message], max_tokens: int, stream: bool) -> Any:
        return self.llama.create_completion(
            prompt=self.prompt_tokens(messages),
            max_tokens=max_tokens,
            temperature=TEMPERATURE,
            seed=self.seed,
            stop=[self._eos] if self._eos else [],
            stream=stream,
        )

    def generate(
        self, messages: Sequence[Message], *, max_tokens: int, stop: threading.Event
    ) -> Iterator[str]:
        """Stream a completion; closing the llama stream ends generation at once."""
        with self._lock:
            chunks: Any = self._completion(messages, max_tokens, stream=True)
            try:
                for chunk in chunks:
                    if stop.is_set():
                        return
                    piece = chunk["choices"][0].get("text")
                    if piece:
                        yield piece
            finally:
                chunks.close()

    def prewarm(self, messages: Sequence[Message]) -> None:
        """Evaluate the prompt (one token generated) so its KV cache prefix is reused."""
        with self._lock:
            self._completion(messages, 1, stream=False)

    def close(self) -> None:
        """Free the model's memory, after a call still running on it (waiting a few seconds)."""
        got = self._lock.acquire(timeout=5.0)
        try:
            with contextlib.suppress(Exception):
                self.llama.close()
        finally:
            if got:
                self._lock.release()


class OpenAIServerBackend:
    """An OpenAI-compatible server (`/v1/chat/completions`, streamed as server-sent events).

    A prefill is sent as a final assistant message, with vLLM's `continue_final_message`;
    llama.cpp's server continues such a message by itself. A server that starts a fresh
    reply instead only costs that sentence: the grounding check judges what comes back.
    """

    def __init__(self, url: str, *, model: str, timeout_s: float, seed: int = SEED) -> None:
        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ModelUnavailable(f"LLM server URL {url!r} is not an http(s) URL")
        self.name = url
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        base = parts.path.rstrip("/")
        self._base = base if base.endswith("/v1") else base + "/v1"
        self.model = model
        self.timeout_s = timeout_s
        self.seed = seed
        self._check()

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        return cls(self._host, self._port, timeout=timeout)

    def _check(self) -> None:
        conn = self._connection(min(self.timeout_s, 10.0))
        try:
            conn.request("GET", self._base + "/models")
            resp = conn.getresponse()
            resp.read()
        except OSError as exc:
            raise ModelUnavailable(f"LLM server {self.name} is unreachable: {exc}") from exc
        finally:
            conn.close()
        if resp.status >= 400:
            raise ModelUnavailable(f"LLM server {self.name} answered HTTP {resp.status}")

    def generate(
        self, messages: Sequence[Message], *, max_tokens: int, stop: threading.Event
    ) -> Iterator[str]:
        """POST a streamed chat completion and yield each delta's content."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(m) for m in messages],
            "max_tokens": max_tokens,
            "temperature": TEMPERATURE,
            "seed": self.seed,
            "stream": True,
        }
        if split_prefill(messages)[1]:
            body |= {"continue_final_message": True, "add_generation_prompt": False}
        conn = self._connection(self.timeout_s)
        try:
            conn.request(
                "POST",
                self._base + "/chat/completions",
                body=json.dumps(body).encode(),
                headers={"Content-Type": "application/json", "Accept": "text/event-stream"},
            )
            resp = conn.getresponse()
            if resp.status >= 400:
                detail = resp.read(300).decode("utf-8", "replace")
                raise ModelUnavailable(f"LLM server answered HTTP {resp.status}: {detail}")
            for raw in resp:
                if stop.is_set():
                    return
                line = raw.decode("utf-8", "replace").strip()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                try:
                    choices = json.loads(data).get("choices") or [{}]
                except ValueError:
                    continue  # a keep-alive or a malformed event: skip, don't fail the answer
                piece = (choices[0].get("delta") or {}).get("content")
                if piece:
                    yield piece
        except OSError as exc:
            raise ModelUnavailable(f"LLM server {self.name} failed: {exc}") from exc
        finally:
            conn.close()

    def prewarm(self, messages: Sequence[Message]) -> None:
        """Nothing to do: the server manages its own cache."""

    def close(self) -> None:
        """Nothing to release."""
