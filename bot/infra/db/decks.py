"""Uploaded decks: which decks a server has added, where their files are, how many cards."""

from __future__ import annotations

from datetime import datetime

from bot.core.records import DeckRow
from bot.errors import InputError
from bot.infra.db.base import Database


class DeckRepo:
    """The registry of decks uploaded to a scope (a server's guild id)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_deck(self, *, scope: str, name: str, path: str, cards: int, now: datetime) -> None:
        """Register a deck (or update it when this scope already has one by that name)."""
        if not name:
            raise InputError("a deck needs a name")
        if cards < 0:
            raise InputError(f"a deck cannot have {cards} cards")
        stamp = self.db.ts(now)
        with self.db.tx() as tx:
            tx.execute(
                """
                INSERT INTO decks (scope, name, path, cards, added_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (scope, name) DO UPDATE SET path = excluded.path,
                    cards = excluded.cards, added_at = excluded.added_at
                """,
                (scope, name, path, cards, stamp),
            )

    def list_decks(self, scope: str) -> list[DeckRow]:
        """Decks uploaded to this scope, by name."""
        rows = self.db.query(
            "SELECT scope, name, path, cards, added_at FROM decks WHERE scope = ? ORDER BY name",
            (scope,),
        )
        return [
            DeckRow(
                row["scope"],
                row["name"],
                row["path"],
                int(row["cards"]),
                self.db.dt(row["added_at"]),
            )
            for row in rows
        ]

    def remove_deck(self, scope: str, name: str) -> bool:
        """Unregister a deck; False when this scope has no deck by that name."""
        with self.db.tx() as tx:
            cur = tx.execute("DELETE FROM decks WHERE scope = ? AND name = ?", (scope, name))
            return cur.rowcount > 0
