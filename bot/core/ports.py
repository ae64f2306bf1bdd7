"""The ports: every interface the core depends on, in one place.

The core (cards, grading, the Tutor) talks to its collaborators only through these
protocols; infrastructure implements them (`bot.infra.embedder`, `bot.infra.index`,
`bot.infra.store`, `bot.infra.llm`, `bot.infra.pair_scorer`) and the composition root
(`bot.services`) plugs the implementations in. Nothing here imports infrastructure, not even for typing.
The stores of two features are ported in `bot.core.ports_features`: daily pushes
(`Subscriptions`, `PushLedger`) and chat conversations (`ConversationBook`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, tzinfo
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bot.core.cards import Card
from bot.core.records import (
    DeckRow,
    LeaderRow,
    QuizAttempt,
    QuizSession,
    ReviewEntry,
    ReviewResult,
    StoredUpload,
    UserStats,
)

Vectors = npt.NDArray[np.float32]
"""Rows of L2-normalised float32 embeddings."""

Message = Mapping[str, str]
"""One chat message for an LLM: {"role": ..., "content": ...}."""


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (implemented in bot.infra.embedder)."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        """Embed `texts` as rows of a (len(texts), dim) float32 array, L2-normalised."""
        ...


PAIR_LABELS = ("correct", "contradictory", "incorrect")
"""The columns of `PairScorer.score`, in order (SemEval-2013's 3-way labels)."""


class PairScorer(Protocol):
    """Judges whether an answer is true for a reference or one of its key points.

    Implemented by `bot.infra.pair_scorer.OnnxPairScorer`, the project's own cross-encoder.
    Each item is (question, reference or key point, answer); the question may be "" (the
    model was trained with and without it). Thread-safe; one call scores a whole grade.
    """

    name: str

    def score(self, items: Sequence[tuple[str, str, str]]) -> npt.NDArray[np.float32]:
        """(len(items), 3) float32 probabilities over `PAIR_LABELS`; rows sum to 1."""
        ...


class Hit(Protocol):
    """A search result (see bot.infra.index_results.SearchHit)."""

    @property
    def card(self) -> Card:
        """The card found."""
        ...

    @property
    def similarity(self) -> float:
        """How relevant it is, 0..1."""
        ...


class CardSource(Protocol):
    """Where cards come from (see bot.infra.index.CardIndex)."""

    def cards(self, scopes: Collection[str] = ..., deck: str | None = None) -> list[Card]:
        """Visible cards."""
        ...

    def get(self, card_id: str, scopes: Collection[str] = ...) -> Card:
        """One visible card by id."""
        ...

    def get_cached(self, card_id: str, scopes: Collection[str] = ...) -> Card | None:
        """Like `get`, from memory only (no I/O, no waiting): None when not in memory yet."""
        ...

    def search(
        self, query: str, k: int = 5, scopes: Collection[str] = ..., deck: str | None = None
    ) -> Sequence[Hit]:
        """Cards relevant to a query, best first."""
        ...


class ProgressLog(Protocol):
    """Where reviews go (see bot.infra.store.ProgressStore)."""

    def atomic(self) -> AbstractContextManager[object]:
        """One transaction around every write made inside it: all are saved, or none."""
        ...

    def record_review(
        self,
        *,
        user_id: str,
        card_id: str,
        score: float,
        verdict: str,
        now: datetime,
        guild_id: str | None = None,
        place: str = "",
        hints_used: int = 0,
        skipped: bool = False,
    ) -> ReviewResult:
        """Record one graded review and reschedule the card."""
        ...

    def amend_review(
        self,
        *,
        user_id: str,
        card_id: str,
        reviewed_at: datetime,
        score: float,
        verdict: str,
        hints_used: int = 0,
    ) -> ReviewResult | None:
        """Replace the result of the review made at `reviewed_at` and reschedule the card as
        if it had been that result (still one review); None when there is no such review."""
        ...

    def save_answer(
        self, *, user_id: str, card_id: str, answer: str, hints_used: int, now: datetime
    ) -> None:
        """Keep a person's latest answer to a card (for an explanation asked for later)."""
        ...

    def attempt(self, user_id: str, card_id: str) -> QuizAttempt | None:
        """A person's quiz attempt at a card (expired or not), or None."""
        ...

    def save_attempt(self, attempt: QuizAttempt) -> None:
        """Insert or replace the attempt of (person, card)."""
        ...

    def clear_attempt(self, user_id: str, card_id: str) -> bool:
        """Forget a person's attempt at a card; False when there was none."""
        ...

    def expired_attempts(self, now: datetime, limit: int = 100) -> list[QuizAttempt]:
        """Attempts past their expiry that still hold a dialogue, longest expired first."""
        ...

    def purge_attempts(self, now: datetime) -> int:
        """Delete expired attempts that hold no dialogue; how many were deleted."""
        ...

    def due_card_ids(
        self, user_id: str, now: datetime, among: Collection[str] | None = None, limit: int = 50
    ) -> list[str]:
        """Card ids due now, most overdue first."""
        ...

    def seen_card_ids(self, user_id: str) -> set[str]:
        """Every card the user has reviewed."""
        ...

    def stats(
        self, user_id: str, now: datetime, tz: tzinfo = ..., among: Collection[str] | None = None
    ) -> UserStats:
        """A user's accuracy, streak and history."""
        ...


class ProgressRecords(Protocol):
    """A person's records beyond single reviews (see bot.infra.store.ProgressStore):
    a server's standings, forgetting a person, and what quiz buttons remember."""

    def leaderboard(
        self, guild_id: str, limit: int = 10, now: datetime | None = None, days: int = 30
    ) -> list[LeaderRow]:
        """Top people by summed grade score in one server (the last `days` days before `now`)."""
        ...

    def forget_user(self, user_id: str) -> int:
        """Delete every row about this person; how many were deleted."""
        ...

    def review_history(self, user_id: str) -> list[ReviewEntry]:
        """Every review of one person, oldest first."""
        ...

    def open_quiz(
        self,
        *,
        user_id: str,
        guild_id: str | None,
        topic: str | None,
        deck: str | None,
        public: bool,
        now: datetime,
    ) -> int:
        """Remember a quiz's options; the session id its buttons carry."""
        ...

    def quiz_session(self, session_id: int) -> QuizSession | None:
        """A quiz's options, or None when unknown (or forgotten)."""
        ...

    def save_answer(
        self, *, user_id: str, card_id: str, answer: str, hints_used: int, now: datetime
    ) -> None:
        """Keep a person's latest answer to a card."""
        ...

    def last_answer(self, user_id: str, card_id: str) -> tuple[str, int] | None:
        """(answer, hints used) of a person's latest answer to a card, or None."""
        ...


class LLM(Protocol):
    """What the explainer needs from a language model (see bot.infra.llm.LLMService)."""

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[str]:
        """Yield text pieces of the reply to `messages`.

        A last message with role "assistant" is a prefill: the reply continues its text and
        the pieces are the continuation only.
        """
        ...

    def prewarm(self, messages: Sequence[Message]) -> None:
        """Evaluate a prompt prefix ahead of time (best effort)."""
        ...


class MediaStore(Protocol):
    """Images that cards show, stored by content-derived name (see bot.infra.media)."""

    def save(self, media: Mapping[str, bytes]) -> None:
        """Store images (name -> bytes); names already stored are left as they are."""
        ...

    def read(self, name: str) -> bytes | None:
        """One stored image, or None when there is none by that name."""
        ...


class SyncCounts(Protocol):
    """What an index sync changed."""

    @property
    def added(self) -> int: ...  # noqa: D102
    @property
    def updated(self) -> int: ...  # noqa: D102
    @property
    def removed(self) -> int: ...  # noqa: D102
    @property
    def unchanged(self) -> int: ...  # noqa: D102


class DeckIndex(Protocol):
    """The card index as the library writes it (see bot.infra.index.CardIndex)."""

    def sync(
        self,
        cards: Sequence[Card],
        *,
        scope: str = ...,
        decks: Iterable[str] | None = ...,
        on_progress: Callable[[int, int], None] | None = ...,
    ) -> SyncCounts:
        """Make the index hold exactly `cards` for those decks of the scope."""
        ...

    def cards(self, scopes: Sequence[str] = ..., deck: str | None = ...) -> list[Card]:
        """Visible cards."""
        ...


class DeckRegistry(Protocol):
    """Uploaded decks as /deck list shows them (see bot.infra.store.ProgressStore)."""

    def add_deck(self, *, scope: str, name: str, path: str, cards: int, now: datetime) -> None:
        """Register or update a deck."""
        ...

    def list_decks(self, scope: str) -> list[DeckRow]:
        """A scope's decks by name."""
        ...

    def remove_deck(self, scope: str, name: str) -> bool:
        """Unregister a deck."""
        ...


class UploadShelf(Protocol):
    """Upload files, one folder per server (see bot.infra.uploads.UploadFiles)."""

    def scopes(self) -> list[str]:
        """Servers with uploads."""
        ...

    def entries(self, scope: str) -> list[StoredUpload]:
        """A server's committed uploads."""
        ...

    def read(self, upload: StoredUpload) -> bytes:
        """An upload's bytes."""
        ...

    def save(self, scope: str, name: str, filename: str, data: bytes) -> StoredUpload:
        """Store (or replace) an upload; returns it once committed."""
        ...

    def remove(self, scope: str, name: str) -> bool:
        """Remove an upload; False when there is none by that name."""
        ...

    def clean(self, scope: str) -> None:
        """Drop leftovers of interrupted uploads."""
        ...
