"""Tutoring conversations in the progress database (the repository: `bot.infra.db.conversations`).

`ConversationStore` implements the core's `ConversationBook` port
(`bot.core.ports_features`), the store the chat flow holds. It works over a
`ProgressStore`'s database, so `forget_user` covers it and one process keeps one
connection (or pool) for everything.
"""

from __future__ import annotations

from bot.infra.db.conversations import ConversationRepo
from bot.infra.store import ProgressStore

__all__ = ["ConversationStore"]


class ConversationStore(ConversationRepo):
    """Active tutoring conversations, by (person, place) and by channel."""

    def __init__(self, progress: ProgressStore) -> None:
        super().__init__(progress.db)
        self.progress = progress
