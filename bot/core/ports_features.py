"""The ports of two features' stores: daily pushes and chat conversations.

Beside `bot.core.ports` (which would pass 400 lines with them, and whose grading ports the
conversation state depends on): `Subscriptions` and `PushLedger` are implemented by
`bot.infra.subscriptions.SubscriptionStore`, `ConversationBook` by
`bot.infra.conversations.ConversationStore`, both over the progress database. The core
service over the first two is `bot.core.subscriptions.DailyPushes`; the chat flow holds a
`ConversationBook`. Nothing here imports infrastructure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Protocol

from bot.core.chat.conversation import Conversation
from bot.core.daily import Plan
from bot.core.records import PushRecord, Subscription


class Subscriptions(Protocol):
    """Daily-push subscriptions and pending notices (see bot.infra.db.subscriptions)."""

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
        """Start (or change, or resume) a person's daily quiz by DM."""
        ...

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
        ...

    def unsubscribe_dm(self, user_id: str, now: datetime) -> bool:
        """Stop a person's daily quiz; False when they had none running."""
        ...

    def unsubscribe_channel(self, channel_id: str, now: datetime) -> bool:
        """Stop a channel's daily question; False when it had none running."""
        ...

    def pause(self, subscription_id: int, reason: str, now: datetime) -> bool:
        """Pause a subscription that cannot be delivered."""
        ...

    def set_channel(self, subscription_id: int, channel_id: str) -> None:
        """Remember a DM subscription's DM channel."""
        ...

    def get(self, subscription_id: int) -> Subscription | None:
        """A subscription by id."""
        ...

    def dm_subscription(self, user_id: str) -> Subscription | None:
        """A person's daily-quiz subscription (in any status), or None."""
        ...

    def channel_subscriptions(self, guild_id: str) -> list[Subscription]:
        """A server's channel subscriptions (in any status)."""
        ...

    def claim_due(
        self, now: datetime, owner: str, until: datetime, limit: int
    ) -> list[Subscription]:
        """Claim up to `limit` due subscriptions for `owner` until `until`; earliest first."""
        ...

    def add_notice(self, user_id: str, text: str, now: datetime) -> None:
        """Keep a message for a person, shown the next time they use a command."""
        ...

    def peek_notice(self, user_id: str) -> str | None:
        """A person's pending notice, left in place."""
        ...

    def clear_notice(self, user_id: str, text: str) -> None:
        """Drop a pending notice once shown (unless a newer one replaced it)."""
        ...

    def answers(
        self, card_id: str, guild_id: str | None, since: datetime, until: datetime
    ) -> tuple[int, int]:
        """(people who answered, people who got it right) for a card in a server in a window."""
        ...


class PushLedger(Protocol):
    """One row per (subscription, local day), written before anything is sent
    (see bot.infra.db.push_ledger, where exactly once is explained)."""

    def advance(self, subscription_id: int, next_day: date, next_due: datetime) -> None:
        """Move a subscription on to wait for `next_day`; ends its claim."""
        ...

    def begin_push(
        self,
        sub: Subscription,
        decided: Plan,
        cards: Sequence[tuple[str, str]],
        session_id: int,
        now: datetime,
        *,
        owner: str | None = None,
        lease_until: datetime | None = None,
    ) -> PushRecord | None:
        """Record the intent to push `decided.push_day` and move the subscription on; None
        when that day already has a ledger row."""
        ...

    def finish_push(
        self, subscription_id: int, day: date, message_ids: Sequence[str], now: datetime
    ) -> None:
        """Record that a push was delivered (its message ids)."""
        ...

    def fail_push(self, subscription_id: int, day: date, error: str, now: datetime) -> None:
        """Record that a push cannot be delivered."""
        ...

    def open_pushes(
        self, takeable_by: str | None = None, now: datetime | None = None
    ) -> list[PushRecord]:
        """Pushes whose intent was recorded but not their outcome (those `takeable_by` may
        send, with `now`)."""
        ...

    def take_push(
        self, subscription_id: int, day: date, owner: str, until: datetime, now: datetime
    ) -> bool:
        """Make an open push `owner`'s to send until `until`; False when another owns it."""
        ...

    def pushes(self, subscription_id: int) -> list[PushRecord]:
        """Every ledger row of a subscription, oldest day first."""
        ...

    def previous_push(self, subscription_id: int, before: date) -> PushRecord | None:
        """The last delivered push of a subscription before local day `before`."""
        ...


class ConversationBook(Protocol):
    """Tutoring conversations in progress (see bot.infra.conversations.ConversationStore)."""

    def save(self, conv: Conversation) -> None:
        """Insert or replace the conversation of (person, place)."""
        ...

    def get(self, user_id: str, place: str) -> Conversation | None:
        """The active conversation of a person in a place, or None."""
        ...

    def in_channel(self, channel_id: str) -> list[Conversation]:
        """Conversations happening in a channel, oldest first."""
        ...

    def idle(self, before: datetime, limit: int = 100) -> list[Conversation]:
        """Conversations with nothing said since `before`, longest idle first."""
        ...

    def close_conversation(self, user_id: str, place: str) -> bool:
        """End a conversation; False when there was none."""
        ...
