"""Tutoring conversations, so a restart mid-conversation continues where it stopped.

One row per active conversation, unique per (person, place) (see `m020_conversations`);
the state itself is `Conversation.to_dict()` as JSON. A closed conversation's row is
deleted. The table has a `user_id` column, so forgetting a person covers it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core.chat.conversation import Conversation
from bot.errors import InputError
from bot.infra.db.base import Database, Row


class ConversationRepo:
    """Active tutoring conversations, by (person, place) and by channel."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        with self.db.tx() as tx:
            return int(tx.execute(sql, params).rowcount)

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
        return self.db.query(sql, params)

    @staticmethod
    def _load(rows: list[Row]) -> list[Conversation]:
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
                self.db.ts(conv.started_at, "a conversation time"),
                self.db.ts(conv.last_active, "a conversation time"),
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
                (self.db.ts(before, "before"), max(0, limit)),
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
