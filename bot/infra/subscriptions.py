"""Daily pushes in the progress database: subscriptions, the push ledger, pending notices.

`SubscriptionStore` implements the core's `Subscriptions` and `PushLedger` ports
(`bot.core.ports_features`), which `bot.core.subscriptions.DailyPushes` serves to the
daily feature: the subscription repository (`bot.infra.db.subscriptions`), the push ledger
(`bot.infra.db.push_ledger`, where exactly once is explained) and the answers a channel's
question got (`bot.infra.db.stats`), all over the `ProgressStore`'s database. Its records
are the core's (`bot.core.records.Subscription`, `PushRecord`), re-exported here.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.records import PushRecord, Subscription
from bot.infra.db.push_ledger import PushLedgerRepo
from bot.infra.db.stats import StatsRepo
from bot.infra.db.subscriptions import SubscriptionRepo
from bot.infra.store import ProgressStore

__all__ = ["PushRecord", "Subscription", "SubscriptionStore"]


class SubscriptionStore(SubscriptionRepo, PushLedgerRepo):
    """Subscriptions, the push ledger and pending notices, over a `ProgressStore`'s database."""

    def __init__(self, progress: ProgressStore) -> None:
        super().__init__(progress.db)
        self.progress = progress
        self._stats = StatsRepo(progress.db)

    def answers(
        self, card_id: str, guild_id: str | None, since: datetime, until: datetime
    ) -> tuple[int, int]:
        """(people who answered, people who got it right) for a card in a server in a window."""
        return self._stats.card_answers(card_id, guild_id, since, until)
