"""The progress store against real databases: SQLite files and a PostgreSQL server.

Tests taking `engine` run once per engine (see tests/infra/conftest.py); the few about one
engine's own mechanics (SQLite's pragmas and file locks, PostgreSQL's dropped connections)
say which in their name.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from bot.core.records import DayCount
from bot.errors import ConfigError, InputError
from bot.infra import migrations
from bot.infra.db import SqliteDatabase
from bot.infra.store import ProgressStore, StoreError
from tests.infra.conftest import Engine
from tests.infra.together import all_at_once

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(engine: Engine) -> Any:
    with engine.store() as s:
        yield s


def review(store: ProgressStore, card: str, verdict: str = "correct", **kw: Any) -> Any:
    score = {"correct": 0.8, "partial": 0.5, "incorrect": 0.1, "skipped": 0.0}[verdict]
    args: dict[str, Any] = {"user_id": "u1", "card_id": card, "score": score, "now": NOW}
    args.update(kw)
    return store.record_review(verdict=verdict, **args)


def raw(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# Migrations.


def test_blank_database_gets_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "progress.db"
    ProgressStore(path).close()
    tables = {n for (n,) in raw(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"migrations", "card_state", "reviews", "decks"} <= tables
    names = [n for (n,) in raw(path, "SELECT name FROM migrations ORDER BY rowid")]
    assert names == [m.__name__ for m in migrations.MIGRATIONS]
    assert names[:2] == ["m001_progress", "m002_decks"]
    assert raw(path, "PRAGMA journal_mode") == [("wal",)]
    indexes = {n for (n,) in raw(path, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "card_state_user_due" in indexes


def test_reopening_applies_nothing(engine: Engine) -> None:
    with engine.store() as s:
        review(s, "c1")
    before = engine.raw("SELECT name, applied_at FROM migrations ORDER BY name")
    with engine.store() as s:
        assert s.seen_card_ids("u1") == {"c1"}
    assert engine.raw("SELECT name, applied_at FROM migrations ORDER BY name") == before
    db = engine.database(apply_migrations=False)
    assert migrations.migrate(db) == []
    db.close()


def test_connection_pragmas(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.db")
    conn = cast(SqliteDatabase, store.db).connection
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)

    def m001_ok(c: migrations.Schema) -> None:
        c.execute("CREATE TABLE a (x INTEGER)")

    def m002_broken(c: migrations.Schema) -> None:
        c.execute("CREATE TABLE b (x INTEGER)")
        c.execute("INSERT INTO no_such_table VALUES (1)")  # a real SQL error, mid-migration

    with pytest.raises(sqlite3.OperationalError):
        migrations.migrate(conn, NOW, [m001_ok, m002_broken])
    tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "a" in tables and "b" not in tables
    assert migrations.applied(conn) == ["m001_ok"]
    conn.close()


def test_appending_a_migration_runs_only_the_new_one(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    assert migrations.migrate(conn, NOW) == [m.__name__ for m in migrations.MIGRATIONS]

    def m999_subscriptions(c: migrations.Schema) -> None:
        c.execute("CREATE TABLE subscriptions (user_id TEXT PRIMARY KEY)")

    later = [*migrations.MIGRATIONS, m999_subscriptions]
    assert migrations.migrate(conn, NOW, later) == ["m999_subscriptions"]
    assert migrations.migrate(conn, NOW, later) == []
    conn.close()


def test_database_from_a_newer_version_is_refused(engine: Engine) -> None:
    engine.store().close()
    engine.raw(
        "INSERT INTO migrations (name, applied_at) VALUES ('m999_from_the_future', '2030-01-01')"
    )
    with pytest.raises(ConfigError, match="newer flashtutor"):
        engine.store()


def test_a_file_that_is_not_a_database_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "progress.db"
    path.write_bytes(b"this is not sqlite, just some text " * 100)
    with pytest.raises(ConfigError, match="cannot open the progress database"):
        ProgressStore(path)


# Reviews and scheduling.


def test_review_stores_state_and_log(engine: Engine) -> None:
    with engine.store() as s:
        result = s.record_review(
            user_id="u1",
            card_id="c1",
            score=0.95,
            verdict="correct",
            now=NOW,
            guild_id="g1",
            place="dm",
            hints_used=0,
        )
        assert result.rating == 4 and result.reps == 1 and result.card_id == "c1"
        state = s.card_state("u1", "c1")
        assert state is not None and datetime.fromisoformat(state["due"]) == result.due
    # Persisted: a new store on the same database sees it.
    with engine.store() as s:
        assert s.card_state("u1", "c1") == state
    log = engine.raw(
        "SELECT user_id, card_id, guild_id, place, score, verdict, rating FROM reviews"
    )
    assert log == [("u1", "c1", "g1", "dm", 0.95, "correct", 4)]


def test_correct_is_due_later_than_partial_later_than_incorrect(store: ProgressStore) -> None:
    dues = {v: review(store, f"card-{v}", v).due for v in ("correct", "partial", "incorrect")}
    assert dues["incorrect"] < dues["partial"] < dues["correct"]
    assert all(due > NOW for due in dues.values())


def test_reviews_accumulate_reps_and_push_the_card_out(store: ProgressStore) -> None:
    now, dues = NOW, []
    for n in range(1, 6):
        result = review(store, "c1", now=now)
        assert result.reps == n
        dues.append(result.due - now)
        now = result.due
    assert dues[-1] > dues[0]
    lapse = review(store, "c1", "incorrect", now=now)
    assert lapse.rating == 1 and lapse.due - now < dues[-1]
    assert store.db.query("SELECT lapses FROM card_state")[0][0] == 1


def test_skip_is_logged_as_skipped_and_rated_again(store: ProgressStore) -> None:
    result = store.record_review(
        user_id="u1", card_id="c1", score=0.9, verdict="correct", now=NOW, skipped=True
    )
    assert result.rating == 1
    row = store.db.query("SELECT verdict, skipped FROM reviews")[0]
    assert tuple(row) == ("skipped", 1)


def test_due_cards_come_back_most_overdue_first(store: ProgressStore) -> None:
    # Three cards reviewed wrong a minute apart: due 1 minute after each review.
    for i, card in enumerate(["a", "b", "c"]):
        review(store, card, "incorrect", now=NOW + timedelta(minutes=i))
    review(store, "easy", "correct", now=NOW, score=1.0)
    assert store.due_card_ids("u1", NOW) == []
    assert store.due_card_ids("u1", NOW + timedelta(minutes=1)) == ["a"]
    assert store.due_card_ids("u1", NOW + timedelta(minutes=5)) == ["a", "b", "c"]
    assert store.due_card_ids("u1", NOW + timedelta(minutes=5), limit=2) == ["a", "b"]
    assert store.due_card_ids("u1", NOW + timedelta(minutes=5), among={"c", "a", "zzz"}) == [
        "a",
        "c",
    ]
    assert store.due_card_ids("u1", NOW + timedelta(minutes=5), among=[]) == []
    assert store.due_card_ids("someone-else", NOW + timedelta(days=999)) == []
    # Months later everything is due, the easy card last (it was due last).
    assert store.due_card_ids("u1", NOW + timedelta(days=365)) == ["a", "b", "c", "easy"]
    # Reviewing "a" correctly moves it behind the others.
    review(store, "a", "correct", now=NOW + timedelta(minutes=5))
    assert store.due_card_ids("u1", NOW + timedelta(minutes=5)) == ["b", "c"]
    assert store.next_due("u1") == NOW + timedelta(minutes=2)
    assert store.next_due("nobody") is None


def test_seen_card_ids_are_per_user(store: ProgressStore) -> None:
    review(store, "a")
    review(store, "b", "incorrect")
    review(store, "c", user_id="u2")
    assert store.seen_card_ids("u1") == {"a", "b"}
    assert store.seen_card_ids("u2") == {"c"}
    assert store.seen_card_ids("u3") == set()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"score": 1.2}, "between 0 and 1"),
        ({"verdict": "amazing"}, "verdict must be one of"),
        ({"user_id": ""}, "must not be empty"),
        ({"hints_used": -2}, "hints_used"),
        ({"now": datetime(2026, 3, 10, 15, 0)}, "timezone-aware"),
    ],
)
def test_bad_reviews_are_rejected_and_write_nothing(
    store: ProgressStore, kwargs: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {
        "user_id": "u1",
        "card_id": "c1",
        "score": 0.5,
        "verdict": "partial",
        "now": NOW,
    }
    with pytest.raises(InputError, match=message):
        store.record_review(**(args | kwargs))
    assert store.db.query("SELECT COUNT(*) FROM reviews")[0][0] == 0
    assert store.db.query("SELECT COUNT(*) FROM card_state")[0][0] == 0


def test_naive_datetimes_are_rejected_everywhere(store: ProgressStore) -> None:
    naive = datetime(2026, 3, 10, 15, 0)
    with pytest.raises(InputError, match="timezone-aware"):
        store.due_card_ids("u1", naive)
    with pytest.raises(InputError, match="timezone-aware"):
        store.stats("u1", naive)
    with pytest.raises(InputError, match="timezone-aware"):
        store.leaderboard("g1", now=naive)
    with pytest.raises(InputError, match="timezone-aware"):
        store.add_deck(scope="g1", name="d", path="p", cards=1, now=naive)


def test_non_utc_aware_times_are_the_same_instant(store: ProgressStore) -> None:
    tokyo = NOW.astimezone(ZoneInfo("Asia/Tokyo"))
    review(store, "a", "incorrect", now=tokyo)
    assert store.due_card_ids("u1", NOW + timedelta(minutes=1)) == ["a"]
    assert store.due_card_ids("u1", NOW + timedelta(seconds=59)) == []


# Stats.


def test_stats_totals_and_accuracy(store: ProgressStore) -> None:
    empty = store.stats("u1", NOW)
    assert (empty.reviews, empty.accuracy, empty.streak_days, empty.cards_seen) == (0, 0.0, 0, 0)
    assert len(empty.last_30_days) == 30
    for card, verdict in [("a", "correct"), ("b", "correct"), ("c", "partial"), ("d", "incorrect")]:
        review(store, card, verdict)
    review(store, "a", "correct", now=NOW + timedelta(minutes=20))
    stats = store.stats("u1", NOW + timedelta(minutes=30))
    assert (stats.reviews, stats.correct, stats.partial) == (5, 3, 1)
    assert stats.accuracy == pytest.approx(3 / 5)
    assert stats.cards_seen == 4
    assert stats.due_now == 3  # b (10 min), c (Hard), d (1 min); a was pushed out
    only = store.stats("u1", NOW + timedelta(minutes=30), among={"a", "d"})
    assert (only.reviews, only.correct, only.cards_seen, only.due_now) == (3, 2, 2, 1)


def test_streak_counts_local_days_in_the_given_timezone(store: ProgressStore) -> None:
    la = ZoneInfo("America/Los_Angeles")
    # 2026-03-10 03:00 UTC is still 2026-03-09 in Los Angeles; these are three UTC days
    # but only two local days, and the evening one belongs to the 8th there.
    for when in ["2026-03-09T02:00", "2026-03-10T03:00", "2026-03-10T06:00", "2026-03-10T20:00"]:
        review(store, "c-" + when, now=datetime.fromisoformat(when).replace(tzinfo=UTC))
    now = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)  # 14:00 on the 10th in LA
    assert store.stats("u1", now, tz=UTC).streak_days == 2  # the 9th and 10th in UTC
    local = store.stats("u1", now, tz=la)
    assert local.streak_days == 3  # the 8th, 9th and 10th in LA
    days = {d.day: d.reviews for d in local.last_30_days if d.reviews}
    assert days == {date(2026, 3, 8): 1, date(2026, 3, 9): 2, date(2026, 3, 10): 1}


def test_streak_survives_until_the_end_of_the_next_day(store: ProgressStore) -> None:
    for day in range(5):
        review(store, f"c{day}", now=NOW - timedelta(days=day))
    assert store.stats("u1", NOW).streak_days == 5
    assert store.stats("u1", NOW + timedelta(days=1)).streak_days == 5  # yesterday counts
    assert store.stats("u1", NOW + timedelta(days=2)).streak_days == 0
    review(store, "gap", now=NOW + timedelta(days=2))
    assert store.stats("u1", NOW + timedelta(days=2)).streak_days == 1


@pytest.mark.parametrize("length", [29, 30, 31, 45, 100, 200])
def test_long_streak_beyond_the_history_window(store: ProgressStore, length: int) -> None:
    for day in range(length):
        review(store, "c", now=NOW - timedelta(days=day))
    review(store, "c", now=NOW - timedelta(days=length + 1))  # after a gap: not in the streak
    stats = store.stats("u1", NOW)
    assert stats.streak_days == length
    assert stats.reviews == length + 1
    expected = [int(n < length or n == length + 1) for n in range(29, -1, -1)]
    assert [d.reviews for d in stats.last_30_days] == expected


def test_thirty_day_history_is_oldest_first_and_ends_today(store: ProgressStore) -> None:
    review(store, "a", now=NOW)
    review(store, "b", "incorrect", now=NOW)
    review(store, "c", now=NOW - timedelta(days=29))
    review(store, "d", now=NOW - timedelta(days=30))  # outside the window
    history = store.stats("u1", NOW).last_30_days
    assert [d.day for d in history] == [NOW.date() - timedelta(days=n) for n in range(29, -1, -1)]
    assert history[-1] == DayCount(NOW.date(), 2, 1)
    assert history[0] == DayCount(NOW.date() - timedelta(days=29), 1, 1)
    assert sum(d.reviews for d in history) == 3


def test_local_days_across_a_daylight_saving_change(store: ProgressStore) -> None:
    berlin = ZoneInfo("Europe/Berlin")  # clocks go forward at 02:00 on 2026-03-29
    # 01:30 local each night: 00:30 UTC the same day before the change, 23:30 UTC the
    # previous day after it.
    for day in range(25, 32):
        review(store, f"c{day}", now=datetime(2026, 3, day, 1, 30, tzinfo=berlin))
    now = datetime(2026, 4, 1, 12, 0, tzinfo=berlin)
    local = store.stats("u1", now, tz=berlin)
    assert local.streak_days == 7
    assert {d.day.day: d.reviews for d in local.last_30_days if d.reviews} == dict.fromkeys(
        range(25, 32), 1
    )
    utc = store.stats("u1", now)
    assert {d.day.day: d.reviews for d in utc.last_30_days if d.reviews} == {
        25: 1,
        26: 1,
        27: 1,
        28: 1,
        29: 2,
        30: 1,
    }
    assert utc.streak_days == 0  # nothing on the 31st or the 1st in UTC


# Leaderboards.


def test_leaderboard_counts_only_that_guilds_reviews(store: ProgressStore) -> None:
    review(store, "a", user_id="alice", guild_id="g1", score=1.0)
    review(store, "b", user_id="alice", guild_id="g1", score=0.9)
    review(store, "a", "partial", user_id="bob", guild_id="g1")
    review(store, "c", user_id="bob", guild_id="g2", score=1.0)
    review(store, "d", user_id="bob", guild_id="g2", score=1.0)
    review(store, "e", user_id="carol")  # a DM: on no server's board
    g1 = store.leaderboard("g1")
    assert [(r.user_id, r.reviews, r.correct) for r in g1] == [("alice", 2, 2), ("bob", 1, 0)]
    assert g1[0].score == pytest.approx(1.9)
    assert [(r.user_id, r.reviews) for r in store.leaderboard("g2")] == [("bob", 2)]
    assert store.leaderboard("g3") == []
    assert [r.user_id for r in store.leaderboard("g1", limit=1)] == ["alice"]


def test_leaderboard_window(store: ProgressStore) -> None:
    review(store, "old", user_id="alice", guild_id="g1", now=NOW - timedelta(days=40))
    review(store, "new", user_id="bob", guild_id="g1", now=NOW - timedelta(days=1))
    assert [r.user_id for r in store.leaderboard("g1", now=NOW)] == ["bob"]
    assert {r.user_id for r in store.leaderboard("g1", now=NOW, days=60)} == {"alice", "bob"}
    assert {r.user_id for r in store.leaderboard("g1")} == {"alice", "bob"}


# Privacy.


def test_forget_user_removes_all_and_only_their_rows(engine: Engine) -> None:
    with engine.store() as s:
        for card in ("a", "b", "c"):
            review(s, card, guild_id="g1")
        review(s, "a", "incorrect", now=NOW + timedelta(minutes=5))
        review(s, "a", user_id="u2", guild_id="g1")
        s.add_deck(scope="g1", name="deck", path="decks/g1/deck.md", cards=3, now=NOW)
        assert s.forget_user("u1") == 3 + 4  # three card states, four reviews
        assert s.seen_card_ids("u1") == set()
        assert s.stats("u1", NOW).reviews == 0
        assert s.seen_card_ids("u2") == {"a"}
        assert [r.user_id for r in s.leaderboard("g1")] == ["u2"]
        assert len(s.list_decks("g1")) == 1
        assert s.forget_user("u1") == 0
    assert engine.raw("SELECT COUNT(*) FROM reviews WHERE user_id = 'u1'") == [(0,)]
    assert engine.raw("SELECT COUNT(*) FROM card_state WHERE user_id = 'u1'") == [(0,)]


def test_forget_user_covers_tables_added_by_later_migrations(engine: Engine) -> None:
    with engine.store() as s:
        with s.db.tx() as tx:
            tx.execute("CREATE TABLE subscriptions (user_id TEXT, channel TEXT)")
            tx.execute("INSERT INTO subscriptions VALUES ('u1', 'x'), ('u2', 'y')")
        review(s, "a")
        assert s.forget_user("u1") == 1 + 2
        rows = s.db.query("SELECT user_id FROM subscriptions")
        assert [tuple(r) for r in rows] == [("u2",)]


# Atomicity and concurrency.


def test_a_fault_mid_review_leaves_no_partial_state(store: ProgressStore, engine: Engine) -> None:
    first = review(store, "c1")
    state_before = store.card_state("u1", "c1")
    with engine.review_log_full(store):  # the log write fails after the state write
        with pytest.raises(StoreError, match="disk is full"):
            review(store, "c1", "incorrect", now=first.due)
        with pytest.raises(StoreError, match="disk is full"):
            review(store, "new-card", "incorrect")
    assert store.card_state("u1", "c1") == state_before
    assert store.seen_card_ids("u1") == {"c1"}
    assert store.stats("u1", NOW).reviews == 1
    # And the store still works afterwards.
    assert review(store, "c1", now=first.due).reps == 2


def test_a_database_locked_by_another_writer_fails_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "progress.db"
    store = ProgressStore(path, busy_timeout_s=0.05)
    review(store, "c1")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        with pytest.raises(StoreError, match="locked"):
            review(store, "c2")
        # Reads still work while someone else writes (WAL).
        assert store.seen_card_ids("u1") == {"c1"}
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert review(store, "c2").reps == 1
    assert store.stats("u1", NOW).reviews == 2
    store.close()


def test_process_dying_mid_write_leaves_the_database_as_before(engine: Engine) -> None:
    with engine.store() as s:
        review(s, "c1")
        state_before = s.card_state("u1", "c1")
    script = textwrap.dedent(
        f"""
        import os
        from datetime import datetime, UTC
        from pathlib import Path
        from bot.infra.store import ProgressStore

        store = ProgressStore({engine.url!r})
        with store.atomic():
            store.record_review(user_id="u1", card_id="c1", score=0.1, verdict="incorrect",
                                now=datetime(2026, 3, 11, tzinfo=UTC))
            # Both rows are written in this transaction; die before it commits.
            os._exit(3)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True)
    assert proc.returncode == 3, proc.stderr.decode()
    with engine.store() as s:
        assert s.card_state("u1", "c1") == state_before
        assert s.stats("u1", NOW).reviews == 1


def test_reviews_of_one_card_at_once_each_build_on_the_one_before(engine: Engine) -> None:
    # Every writer reads the schedule and writes the next one; none may overwrite another's.
    stores = [engine.store(), engine.store()]  # two connections, as two processes would have

    def work(n: int) -> None:
        for i in range(25):
            review(stores[n % 2], "c1", "incorrect" if (i + n) % 3 == 0 else "correct")

    errors = all_at_once(4, work)
    for s in stores:
        s.close()
    assert errors == []
    ratings = [r for (r,) in engine.raw("SELECT rating FROM reviews ORDER BY id")]
    assert len(ratings) == 4 * 25
    assert engine.raw("SELECT reps, lapses FROM card_state") == [
        (len(ratings), sum(1 for r in ratings[1:] if r == 1))
    ]


def test_threads_recording_at_once_lose_nothing(engine: Engine) -> None:
    shared = engine.store()
    other = engine.store()  # a second connection, as a second process would have

    def work(n: int) -> None:
        target = shared if n % 2 else other
        for i in range(25):
            review(
                target,
                f"card-{i % 5}",
                user_id=f"user-{n}",
                guild_id="g1",
                now=NOW + timedelta(minutes=i),
            )
            target.due_card_ids(f"user-{n}", NOW)

    errors = all_at_once(8, work)
    shared.close()
    other.close()
    assert errors == []
    assert engine.raw("SELECT COUNT(*) FROM reviews") == [(8 * 25,)]
    assert engine.raw("SELECT COUNT(*), SUM(reps) FROM card_state") == [(8 * 5, 8 * 25)]
    with engine.store() as s:
        assert sum(r.reviews for r in s.leaderboard("g1", limit=100)) == 200


def test_in_memory_store_works_and_is_private() -> None:
    a, b = ProgressStore.in_memory(), ProgressStore.in_memory()
    review(a, "c1")
    assert a.seen_card_ids("u1") == {"c1"}
    assert b.seen_card_ids("u1") == set()
    a.close()
    b.close()


# Uploaded decks.


def test_deck_registry_upserts_lists_and_removes(store: ProgressStore) -> None:
    store.add_deck(scope="g1", name="rust", path="decks/g1/rust.md", cards=10, now=NOW)
    store.add_deck(scope="g1", name="go", path="decks/g1/go.md", cards=5, now=NOW)
    store.add_deck(scope="g2", name="rust", path="decks/g2/rust.md", cards=1, now=NOW)
    later = NOW + timedelta(hours=1)
    store.add_deck(scope="g1", name="rust", path="decks/g1/rust-v2.md", cards=12, now=later)
    decks = store.list_decks("g1")
    assert [(d.name, d.path, d.cards) for d in decks] == [
        ("go", "decks/g1/go.md", 5),
        ("rust", "decks/g1/rust-v2.md", 12),
    ]
    assert decks[1].added_at == later and decks[1].scope == "g1"
    assert store.remove_deck("g1", "rust") is True
    assert store.remove_deck("g1", "rust") is False
    assert [d.name for d in store.list_decks("g1")] == ["go"]
    assert [d.path for d in store.list_decks("g2")] == ["decks/g2/rust.md"]
    with pytest.raises(InputError, match="cards"):
        store.add_deck(scope="g1", name="bad", path="p", cards=-1, now=NOW)
