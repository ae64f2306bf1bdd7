"""The daily-push service (card choice, a push's quiz session) over the real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.core import daily
from bot.core.records import Subscription
from bot.core.subscriptions import DailyPushes
from bot.infra.store import ProgressStore
from bot.infra.subscriptions import SubscriptionStore

pytestmark = pytest.mark.daily

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
POOL = ["c1", "c2", "c3", "c4"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ProgressStore]:
    with ProgressStore(tmp_path / "progress.db") as s:
        yield s


@pytest.fixture
def service(store: ProgressStore) -> DailyPushes:
    subscriptions = SubscriptionStore(store)
    return DailyPushes(subscriptions, subscriptions, store, store)


def channel(service: DailyPushes) -> Subscription:
    return service.subscribe_channel(
        guild_id="g1", channel_id="ch1", at=time(9, 0), zone="UTC", topic=None, now=NOW
    )


def test_a_person_gets_due_cards_first_then_new_then_practice(
    service: DailyPushes, store: ProgressStore
) -> None:
    sub = service.subscribe_dm(
        user_id="ada", guild_id=None, at=time(9, 0), zone="UTC", topic=None, cards=3, now=NOW
    )
    # c3 was failed a week ago (due again now), c1 answered well just now (seen, not due).
    week_ago = NOW - timedelta(days=7)
    store.record_review(user_id="ada", card_id="c3", score=0.0, verdict="incorrect", now=week_ago)
    store.record_review(user_id="ada", card_id="c1", score=1.0, verdict="correct", now=NOW)
    chosen = service.choose(sub, POOL, NOW)
    assert chosen == [("c3", "due"), ("c2", "new"), ("c4", "new")]


def test_a_channel_walks_through_the_pool_never_posted_first(service: DailyPushes) -> None:
    sub = channel(service)
    assert service.choose(sub, POOL, NOW) == [("c1", "new")]
    # c1 was posted on the first day: the next push takes the first card never posted.
    at_slot = NOW + timedelta(hours=3)
    decided = daily.plan(sub.next_day, at_slot, sub.at, sub.tz)
    assert service.begin_push(sub, decided, [("c1", "new")], 0, at_slot) is not None
    assert service.choose(sub, POOL, at_slot) == [("c2", "new")]


def test_a_dm_push_opens_its_own_quiz_session_a_channel_none(
    service: DailyPushes, store: ProgressStore
) -> None:
    dm = service.subscribe_dm(
        user_id="bo", guild_id="g1", at=time(9, 0), zone="UTC", topic="tokens", cards=2, now=NOW
    )
    session_id = service.open_session(dm, NOW)
    session = store.quiz_session(session_id)
    assert session is not None
    assert (session.user_id, session.guild_id, session.topic, session.public) == (
        "bo",
        None,
        "tokens",
        False,
    )
    assert service.open_session(channel(service), NOW) == 0
