"""The subscription store and push ledger on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core import daily
from bot.errors import InputError
from bot.infra.store import ProgressStore
from bot.infra.subscriptions import Subscription, SubscriptionStore
from tests.infra.conftest import Engine
from tests.infra.together import all_at_once

pytestmark = pytest.mark.daily

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def open_store(engine: Engine) -> tuple[ProgressStore, SubscriptionStore]:
    progress = engine.store()
    return progress, SubscriptionStore(progress)


def test_subscribe_push_once_and_survive_a_reopen(engine: Engine) -> None:
    progress, subs = open_store(engine)
    sub = subs.subscribe_dm(
        user_id="42",
        guild_id=None,
        at=time(9, 0),
        zone="Europe/Berlin",
        topic=" tokens ",
        cards=3,
        now=NOW,
    )
    assert (sub.next_day, sub.topic, sub.status) == (date(2026, 6, 1), "tokens", "active")
    assert sub.next_due == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    assert subs.due(NOW) == []
    later = datetime(2026, 6, 1, 7, 0, 30, tzinfo=UTC)
    (due,) = subs.due(later)
    decided = daily.plan(due.next_day, later, due.at, due.tz)
    record = subs.begin_push(due, decided, [("c1", "due"), ("c2", "new")], 5, later)
    assert record is not None and record.status == "intent"
    assert record.card_ids == ["c1", "c2"] and record.reasons == ["due", "new"]
    # The same day again (a second scheduler, a replayed plan): refused, nothing to send.
    assert subs.begin_push(due, decided, [("c3", "new")], 6, later) is None
    assert subs.due(later) == []
    progress.close()

    # A crash before the outcome was written: the intent is still there after reopening.
    progress, subs = open_store(engine)
    (pending,) = subs.open_pushes()
    assert (pending.local_date, pending.card_ids, pending.session_id) == (
        date(2026, 6, 1),
        ["c1", "c2"],
        5,
    )
    subs.finish_push(sub.id, date(2026, 6, 1), ["m1"], later)
    assert subs.open_pushes() == []
    assert subs.pushes(sub.id)[0].message_ids == ["m1"]
    assert subs.previous_push(sub.id, date(2026, 6, 2)) is not None
    assert subs.get(sub.id) is not None and subs.get(sub.id).next_day == date(2026, 6, 2)  # type: ignore[union-attr]
    progress.close()


def test_rescheduling_and_resuming_never_push_at_once(engine: Engine) -> None:
    progress, subs = open_store(engine)
    sub = subs.subscribe_dm(
        user_id="7", guild_id="g", at=time(9, 0), zone="UTC", topic=None, cards=5, now=NOW
    )
    noon = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    # Moving the time to one that already passed today waits for tomorrow.
    moved = subs.subscribe_dm(
        user_id="7", guild_id="g", at=time(8, 0), zone="UTC", topic=None, cards=5, now=noon
    )
    assert moved.id == sub.id and moved.next_day == date(2026, 6, 2)
    assert subs.pause(sub.id, "dm_closed", noon)
    assert subs.due(datetime(2026, 6, 9, tzinfo=UTC)) == []
    resumed = subs.subscribe_dm(
        user_id="7",
        guild_id="g",
        at=time(8, 0),
        zone="UTC",
        topic=None,
        cards=5,
        now=datetime(2026, 6, 9, 10, 0, tzinfo=UTC),
    )
    assert resumed.status == "active" and resumed.next_day == date(2026, 6, 10)
    assert subs.unsubscribe_dm("7", noon) and not subs.unsubscribe_dm("7", noon)
    with pytest.raises(InputError):
        subs.subscribe_dm(
            user_id="7",
            guild_id=None,
            at=time(8, 0),
            zone="Mars/Base",
            topic=None,
            cards=5,
            now=noon,
        )
    with pytest.raises(InputError):
        subs.subscribe_dm(
            user_id="7", guild_id=None, at=time(8, 0), zone="UTC", topic=None, cards=0, now=noon
        )
    progress.close()


def test_forget_user_removes_their_subscription_pushes_and_notices(engine: Engine) -> None:
    progress, subs = open_store(engine)
    mine = subs.subscribe_dm(
        user_id="9", guild_id=None, at=time(6, 0), zone="UTC", topic=None, cards=1, now=NOW
    )
    channel = subs.subscribe_channel(
        guild_id="g1", channel_id="c1", at=time(6, 0), zone="UTC", topic=None, now=NOW
    )
    later = datetime(2026, 6, 2, 6, 0, tzinfo=UTC)
    for sub in subs.due(later):
        subs.begin_push(
            sub, daily.plan(sub.next_day, later, sub.at, sub.tz), [("c", "new")], 0, later
        )
    subs.add_notice("9", "your DMs are closed", later)
    assert subs.peek_notice("9") == "your DMs are closed"
    assert progress.forget_user("9") == 3  # subscription, its push, the notice
    assert subs.dm_subscription("9") is None and subs.peek_notice("9") is None
    assert subs.get(channel.id) is not None and len(subs.pushes(channel.id)) == 1
    assert subs.get(mine.id) is None
    progress.close()


def subscribe_dm(
    subs: SubscriptionStore, user_id: str, guild_id: str | None, hour: int, **channel: str
) -> Subscription:
    """A one-card daily DM quiz at `hour` UTC (`channel_id=` when run in the DM)."""
    return subs.subscribe_dm(
        user_id=user_id,
        guild_id=guild_id,
        at=time(hour, 0),
        zone="UTC",
        topic=None,
        cards=1,
        now=NOW,
        **channel,
    )


def test_a_dm_channel_is_remembered_until_a_new_one_is_known(engine: Engine) -> None:
    progress, subs = open_store(engine)
    sub = subscribe_dm(subs, "5", "g", 9)
    assert sub.channel_id is None  # subscribed in a server: opened later, off the push path
    subs.set_channel(sub.id, "100")
    # Changing the schedule from a server keeps it; running /daily on in the DM stores it.
    again = subscribe_dm(subs, "5", "g", 10)
    assert again.channel_id == "100"
    from_dm = subscribe_dm(subs, "5", None, 10, channel_id="200")
    assert from_dm.id == sub.id and from_dm.channel_id == "200"
    progress.close()

    progress, subs = open_store(engine)
    assert subs.get(sub.id).channel_id == "200"  # type: ignore[union-attr]
    fresh = subscribe_dm(subs, "6", None, 9, channel_id="300")
    assert fresh.channel_id == "300"
    progress.close()


# Several processes sharing one database: claims and leases.

SLOT = datetime(2026, 6, 2, 9, 0, 30, tzinfo=UTC)


def many(subs: SubscriptionStore, n: int) -> None:
    for i in range(n):
        subscribe_dm(subs, f"p{i}", None, 9)


def test_claims_of_two_owners_never_overlap_and_run_out(engine: Engine) -> None:
    progress, subs = open_store(engine)
    many(subs, 10)
    until = SLOT + timedelta(seconds=30)
    a = subs.claim_due(SLOT, "a", until, 4)
    b = subs.claim_due(SLOT, "b", until, 100)
    assert len(a) == 4 and len(b) == 6
    assert not {s.id for s in a} & {s.id for s in b}
    assert subs.claim_due(SLOT, "c", until, 100) == []  # everything is held
    assert [s.id for s in subs.claim_due(SLOT, "a", until, 100)] == [s.id for s in a]
    # "a" dies; its claims run out and "c" takes them.
    later = until + timedelta(seconds=1)
    taken = subs.claim_due(later, "c", later + timedelta(seconds=30), 100)
    assert {s.id for s in taken} == {s.id for s in a} | {s.id for s in b}
    progress.close()


def test_an_intent_is_its_owners_until_the_lease_runs_out(engine: Engine) -> None:
    progress, subs = open_store(engine)
    sub = subscribe_dm(subs, "7", None, 9)
    (claimed,) = subs.claim_due(SLOT, "a", SLOT + timedelta(seconds=30), 10)
    plan = daily.plan(claimed.next_day, SLOT, claimed.at, claimed.tz)
    lease = SLOT + timedelta(seconds=30)
    record = subs.begin_push(claimed, plan, [("c1", "new")], 0, SLOT, owner="a", lease_until=lease)
    assert record is not None
    assert subs.due(SLOT) == [] and subs.claim_due(SLOT, "b", lease, 10) == []
    day = record.local_date
    assert subs.open_pushes(takeable_by="b", now=SLOT) == []
    assert not subs.take_push(sub.id, day, "b", lease, SLOT)  # "a" is alive
    assert subs.take_push(sub.id, day, "a", lease + timedelta(seconds=30), SLOT)  # renewed
    dead = lease + timedelta(seconds=31)
    assert [p.subscription_id for p in subs.open_pushes(takeable_by="b", now=dead)] == [sub.id]
    assert subs.take_push(sub.id, day, "b", dead + timedelta(seconds=30), dead)
    assert not subs.take_push(sub.id, day, "a", dead + timedelta(seconds=30), dead)
    subs.finish_push(sub.id, day, ["m1"], dead)
    assert not subs.take_push(sub.id, day, "b", dead, dead)  # sent: nobody's to send again
    assert len(subs.open_pushes()) == 0
    progress.close()


def test_concurrent_claimers_on_separate_connections_split_the_work(engine: Engine) -> None:
    progress, subs = open_store(engine)
    many(subs, 60)
    progress.close()
    stores = [engine.store() for _ in range(4)]
    got: dict[str, list[int]] = {}

    def claimer(n: int) -> None:
        mine = SubscriptionStore(stores[n])
        ids: list[int] = []
        while batch := mine.claim_due(SLOT, f"w{n}", SLOT + timedelta(minutes=5), 5):
            ids += [s.id for s in batch]
            for s in batch:  # the claim ends with the intent, as in a tick
                plan = daily.plan(s.next_day, SLOT, s.at, s.tz)
                assert mine.begin_push(s, plan, [("c", "new")], 0, SLOT, owner=f"w{n}") is not None
        got[f"w{n}"] = ids

    assert all_at_once(4, claimer) == []
    every = [i for ids in got.values() for i in ids]
    assert len(every) == 60 and len(set(every)) == 60
    assert engine.raw("SELECT COUNT(*) FROM daily_pushes") == [(60,)]
    for s in stores:
        s.close()
