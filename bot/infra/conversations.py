"""Tutoring conversations in SQLite, so a restart mid-conversation continues where it stopped.

One row per active conversation, unique per (person, place) (see `m020_conversations`);
the state itself is `Conversation.to_dict()` as JSON. A closed conversation's row is
deleted. The table has a `user_id` column, so `ProgressStore.forget_user` covers it.

Own connection to the progress database (WAL lets it share the file with the progress
store); a lock serialises use from worker threads, as in `ProgressStore`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from bot.core.conversation import Conversation
from bot.errors import ConfigError, InputError
from bot.infra.migrations import migrate
from bot.infra.store import BUSY_TIMEOUT_S, StoreError


def _ts(when: datetime) -> str:
    # Fixed width UTC text, so text order is time order (as in the progress store).
    if when.tzinfo is None:
        raise InputError("conversation times must be timezone-aware (UTC)")
    return when.astimezone(UTC).isoformat(timespec="microseconds")


@contextmanager
def _as_store_error(doing: str) -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise StoreError(f"could not {doing} the conversations: {exc}") from exc


class ConversationStore:
    """Active tutoring conversations, by (person, place) and by channel."""

    def __init__(self, path: Path, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.path = path
        self._lock = threading.RLock()
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=busy_timeout_s
            )
            self._conn.row_factory = sqlite3.Row
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            migrate(self._conn)
        except sqlite3.DatabaseError as exc:
            if hasattr(self, "_conn"):
                self._conn.close()
            raise ConfigError(f"cannot open the progress database {path}: {exc}") from exc

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock, _as_store_error("read"):
            return self._conn.execute(sql, params).fetchall()

    def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        with self._lock, _as_store_error("save"):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                count = self._conn.execute(sql, params).rowcount
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            return int(count)

    @staticmethod
    def _load(rows: list[sqlite3.Row]) -> list[Conversation]:
        return [Conversation.from_dict(json.loads(row["state"])) for row in rows]

    def save(self, conv: Conversation) -> None:
        """Insert or replace the conversation of (person, place)."""
        if not conv.user_id or not conv.place or not conv.channel_id:
            raise InputError("a conversation needs a person, a place and a channel")
        self._write(
            """INSERT INTO conversations (user_id, place, channel_id, state, started_at, last_active)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (user_id, place) DO UPDATE SET channel_id = excluded.channel_id,
                   state = excluded.state, started_at = excluded.started_at,
                   last_active = excluded.last_active""",
            (
                conv.user_id,
                conv.place,
                conv.channel_id,
                json.dumps(conv.to_dict()),
                _ts(conv.started_at),
                _ts(conv.last_active),
            ),
        )

    def get(self, user_id: str, place: str) -> Conversation | None:
        """The active conversation of a person in a place, or None."""
        found = self._load(
            self._query(
                "SELECT state FROM conversations WHERE user_id = ? AND place = ?", (user_id, place)
            )
        )
        return found[0] if found else None

    def in_channel(self, channel_id: str) -> list[Conversation]:
        """Conversations happening in a channel (a thread or DM has at most one), oldest first."""
        return self._load(
            self._query(
                "SELECT state FROM conversations WHERE channel_id = ? ORDER BY started_at",
                (channel_id,),
            )
        )

    def of_user(self, user_id: str) -> list[Conversation]:
        """Every active conversation of a person."""
        return self._load(
            self._query(
                "SELECT state FROM conversations WHERE user_id = ? ORDER BY started_at", (user_id,)
            )
        )

    def idle(self, before: datetime, limit: int = 100) -> list[Conversation]:
        """Conversations with nothing said since `before`, longest idle first."""
        return self._load(
            self._query(
                "SELECT state FROM conversations WHERE last_active < ? ORDER BY last_active LIMIT ?",
                (_ts(before), max(0, limit)),
            )
        )

    def close_conversation(self, user_id: str, place: str) -> bool:
        """End a conversation (its row goes); False when there was none."""
        return (
            self._write(
                "DELETE FROM conversations WHERE user_id = ? AND place = ?", (user_id, place)
            )
            > 0
        )

    def count(self) -> int:
        """How many conversations are active."""
        return int(self._query("SELECT COUNT(*) AS n FROM conversations")[0]["n"])
