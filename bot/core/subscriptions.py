"""Daily pushes as a service: subscribing, notices, and the push ledger the scheduler keeps.

The service front ends call for /daily and the push scheduler (`bot.app.daily`). Its
collaborators are ports: `Subscriptions` and `PushLedger` (`bot.core.ports_features`,
implemented by `bot.infra.subscriptions.SubscriptionStore`) and the progress store's
`ProgressLog` and `ProgressRecords` (due and seen cards, a push's quiz session). The rules of
time (slots, DST, catch-up) are `bot.core.daily`'s; every result is a core record.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from bot.core import daily
from bot.core.ports import ProgressLog, ProgressRecords
from bot.core.ports_features import PushLedger, Subscriptions
from bot.core.records import PushRecord, Subscription


class DailyPushes:
    """Daily quizzes by DM and daily questions in channels, for any front end."""

    def __init__(
        self,
        subscriptions: Subscriptions,
        ledger: PushLedger,
        progress: ProgressLog,
        records: ProgressRecords,
    ) -> None:
        self.subscriptions = subscriptions
        self.ledger = ledger
        self.progress = progress
        self.records = records

    # --- subscribing ----------------------------------------------------------------------

    def subscribe_dm(
        self,
        *,
        user_id: str,
        guild_id: str | None,
        at: time,
        zone: str,
        topic: str | None,
        cards: int,
        now: datetime,
        channel_id: str | None = None,
    ) -> Subscription:
        """Start (or change, or resume) a person's daily quiz by DM; `channel_id` is their
        DM channel with the bot when known (None keeps the one remembered)."""
        return self.subscriptions.subscribe_dm(
            user_id=user_id,
            guild_id=guild_id,
            at=at,
            zone=zone,
            topic=topic,
            cards=cards,
            now=now,
            channel_id=channel_id,
        )

    def subscribe_channel(
        self,
        *,
        guild_id: str,
        channel_id: str,
        at: time,
        zone: str,
        topic: str | None,
        now: datetime,
    ) -> Subscription:
        """Start (or change, or resume) a channel's shared daily question."""
        return self.subscriptions.subscribe_channel(
            guild_id=guild_id, channel_id=channel_id, at=at, zone=zone, topic=topic, now=now
        )

    def unsubscribe_dm(self, user_id: str, now: datetime) -> bool:
        """Stop a person's daily quiz; False when they had none running."""
        return self.subscriptions.unsubscribe_dm(user_id, now)

    def unsubscribe_channel(self, channel_id: str, now: datetime) -> bool:
        """Stop a channel's daily question; False when it had none running."""
        return self.subscriptions.unsubscribe_channel(channel_id, now)

    def pause(self, subscription_id: int, reason: str, now: datetime) -> bool:
        """Pause a subscription that cannot be delivered (DMs closed, channel gone)."""
        return self.subscriptions.pause(subscription_id, reason, now)

    def set_channel(self, subscription_id: int, channel_id: str) -> None:
        """Remember a DM subscription's DM channel (saves one request per push)."""
        self.subscriptions.set_channel(subscription_id, channel_id)

    def get(self, subscription_id: int) -> Subscription | None:
        """A subscription by id."""
        return self.subscriptions.get(subscription_id)

    def dm_subscription(self, user_id: str) -> Subscription | None:
        """A person's daily-quiz subscription (in any status), or None."""
        return self.subscriptions.dm_subscription(user_id)

    def channel_subscriptions(self, guild_id: str) -> list[Subscription]:
        """A server's channel subscriptions (in any status)."""
        return self.subscriptions.channel_subscriptions(guild_id)

    # --- notices for people a push could not reach ----------------------------------------

    def add_notice(self, user_id: str, text: str, now: datetime) -> None:
        """Keep a message for a person, shown the next time they use a command."""
        self.subscriptions.add_notice(user_id, text, now)

    def peek_notice(self, user_id: str) -> str | None:
        """A person's pending notice, left in place."""
        return self.subscriptions.peek_notice(user_id)

    def clear_notice(self, user_id: str, text: str) -> None:
        """Drop a pending notice once shown (unless a newer one replaced it meanwhile)."""
        self.subscriptions.clear_notice(user_id, text)

    # --- claiming and choosing (the scheduler, in a worker thread) ------------------------

    def claim_due(
        self, now: datetime, owner: str, until: datetime, limit: int
    ) -> list[Subscription]:
        """Claim up to `limit` due subscriptions for `owner` until `until`, earliest first
        (another process's live claim is left alone)."""
        return self.subscriptions.claim_due(now, owner, until, limit)

    def open_session(self, sub: Subscription, now: datetime) -> int:
        """The quiz session a push's buttons carry: a person's own for a DM, 0 for a channel."""
        if sub.kind == "dm" and sub.user_id:
            return self.records.open_quiz(
                user_id=sub.user_id,
                guild_id=None,
                topic=sub.topic,
                deck=None,
                public=False,
                now=now,
            )
        return 0

    def choose(
        self, sub: Subscription, pool: Sequence[str], now: datetime
    ) -> list[tuple[str, str]]:
        """(card id, reason) for one push from `pool` (card ids, most relevant first).

        A person gets their due cards first, then new ones, then practice; a channel walks
        through the pool: never-posted cards first, then the longest ago.
        """
        ids = list(pool)
        if sub.kind == "dm" and sub.user_id:
            due = self.progress.due_card_ids(sub.user_id, now, among=ids, limit=sub.cards)
            seen = self.progress.seen_card_ids(sub.user_id)
            return daily.choose_cards(ids, due, seen, sub.cards)
        posted = [c for p in self.ledger.pushes(sub.id) for c in p.card_ids]
        last = {card_id: i for i, card_id in enumerate(posted)}
        order = sorted(ids, key=lambda c: last.get(c, -1))
        return daily.choose_cards(order, [], set(posted), 1)

    def answers(
        self, card_id: str, guild_id: str | None, since: datetime, until: datetime
    ) -> tuple[int, int]:
        """(people who answered, people who got it right) for a card in a server in a window."""
        return self.subscriptions.answers(card_id, guild_id, since, until)

    # --- the push ledger --------------------------------------------------------------------

    def advance(self, subscription_id: int, next_day: date, next_due: datetime) -> None:
        """Move a subscription on to wait for `next_day` (after skipped days); ends its claim."""
        self.ledger.advance(subscription_id, next_day, next_due)

    def begin_push(
        self,
        sub: Subscription,
        decided: daily.Plan,
        cards: Sequence[tuple[str, str]],
        session_id: int,
        now: datetime,
        *,
        owner: str | None = None,
        lease_until: datetime | None = None,
    ) -> PushRecord | None:
        """Record the intent to push `decided.push_day` and move the subscription on; None
        (send nothing) when that day already has a ledger row: a day is pushed at most once."""
        return self.ledger.begin_push(
            sub, decided, cards, session_id, now, owner=owner, lease_until=lease_until
        )

    def finish_push(
        self, subscription_id: int, day: date, message_ids: Sequence[str], now: datetime
    ) -> None:
        """Record that a push was delivered (its message ids)."""
        self.ledger.finish_push(subscription_id, day, message_ids, now)

    def fail_push(self, subscription_id: int, day: date, error: str, now: datetime) -> None:
        """Record that a push cannot be delivered (it is not tried again)."""
        self.ledger.fail_push(subscription_id, day, error, now)

    def open_pushes(self, takeable_by: str, now: datetime) -> list[PushRecord]:
        """Intents without an outcome that `takeable_by` may send: its own, and those whose
        owner's lease ran out at `now`."""
        return self.ledger.open_pushes(takeable_by=takeable_by, now=now)

    def take_push(
        self, subscription_id: int, day: date, owner: str, until: datetime, now: datetime
    ) -> bool:
        """Make an open push `owner`'s to send until `until`; False when another owns it."""
        return self.ledger.take_push(subscription_id, day, owner, until, now)

    def pushes(self, subscription_id: int) -> list[PushRecord]:
        """Every ledger row of a subscription, oldest day first."""
        return self.ledger.pushes(subscription_id)

    def previous_push(self, subscription_id: int, before: date) -> PushRecord | None:
        """The last delivered push of a subscription before local day `before`."""
        return self.ledger.previous_push(subscription_id, before)
