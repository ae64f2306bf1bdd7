"""Migrations and faults on both engines, and what only PostgreSQL can do to a connection."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from bot.errors import ConfigError
from bot.infra import migrations
from bot.infra.db import StoreError, open_database
from bot.infra.db.postgres import redact
from bot.testing.postgres import TempPostgres
from tests.infra.conftest import Engine
from tests.infra.together import all_at_once

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
NAMES = [m.__name__ for m in migrations.MIGRATIONS]


def review(store: object, card: str, user: str = "u1") -> None:
    store.record_review(  # type: ignore[attr-defined]
        user_id=user, card_id=card, score=0.9, verdict="correct", now=NOW, guild_id="g1"
    )


# Migrations on both engines.


@pytest.mark.parametrize("done", range(len(NAMES)))
def test_migrations_run_from_every_earlier_version(engine: Engine, done: int) -> None:
    db = engine.database(apply_migrations=False)
    try:
        assert migrations.migrate(db, NOW, migrations.MIGRATIONS[:done]) == NAMES[:done]
        if done:  # data written by the older version survives the upgrade
            with db.tx() as tx:
                tx.execute(
                    "INSERT INTO card_state (user_id, card_id, state, due) VALUES (?, ?, ?, ?)",
                    ("old", "c", "{}", db.ts(NOW)),
                )
        assert migrations.migrate(db, NOW) == NAMES[done:]
        assert migrations.applied(db) == NAMES
        assert migrations.migrate(db, NOW) == []
    finally:
        db.close()
    assert {"migrations", "card_state", "reviews", "decks", "daily_pushes"} <= engine.tables()
    with engine.store() as store:
        review(store, "c")
        assert store.seen_card_ids("u1") == {"c"}
        assert store.seen_card_ids("old") == ({"c"} if done else set())


def test_a_failing_migration_leaves_nothing_behind_on_either_engine(engine: Engine) -> None:
    db = engine.database(apply_migrations=False)

    def m001_ok(c: migrations.Schema) -> None:
        c.execute("CREATE TABLE a (x INTEGER)")

    def m002_broken(c: migrations.Schema) -> None:
        c.execute("CREATE TABLE b (x INTEGER)")
        c.execute("INSERT INTO no_such_table VALUES (1)")  # a real SQL error, mid-migration

    with pytest.raises(Exception, match="no_such_table"):
        migrations.migrate(db, NOW, [m001_ok, m002_broken])
    assert {"a", "migrations"} <= engine.tables() and "b" not in engine.tables()
    assert migrations.applied(db) == ["m001_ok"]
    db.close()


def test_two_processes_migrating_at_once_migrate_once(engine: Engine) -> None:
    applied: list[list[str]] = []

    def open_one(_: int) -> None:
        db = open_database(engine.url, apply_migrations=False)
        applied.append(db.migrate())
        db.close()

    assert all_at_once(4, open_one) == []
    assert sorted(name for names in applied for name in names) == sorted(NAMES)
    assert engine.raw("SELECT COUNT(*) FROM migrations") == [(len(NAMES),)]


# PostgreSQL's own mechanics.


def test_blank_postgres_database_gets_every_migration(pg_engine: Engine) -> None:
    pg_engine.store().close()
    assert {"migrations", "card_state", "reviews", "decks", "conversations"} <= pg_engine.tables()
    names = [n for (n,) in pg_engine.raw("SELECT name FROM migrations ORDER BY seq")]
    assert names == NAMES
    types = dict(
        pg_engine.raw(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'reviews' AND column_name IN ('id', 'score')"
        )
    )
    assert types == {"id": "bigint", "score": "double precision"}


def test_a_postgres_server_that_cannot_be_reached_is_a_config_error(
    postgres: TempPostgres,
) -> None:
    with pytest.raises(ConfigError, match="cannot open the progress database") as caught:
        open_database("postgresql://postgres:secret@127.0.0.1:1/nope", busy_timeout_s=1.0)
    assert "secret" not in str(caught.value)
    with pytest.raises(ConfigError, match="does not exist"):
        open_database(postgres.url("no_such_database"))
    assert redact("postgresql://u:pw@h:5/d") == "postgresql://u:***@h:5/d"


def test_a_connection_dropped_mid_transaction_saves_nothing(pg_engine: Engine) -> None:
    store = pg_engine.store()
    review(store, "before")
    with pytest.raises(StoreError, match="could not save to"), store.db.tx() as tx:
        tx.execute("INSERT INTO decks VALUES ('g', 'half', 'p', 1, 't')")
        # The server ends this backend for real, between two statements of one transaction.
        assert pg_engine.drop_connections() >= 1
        tx.execute("INSERT INTO decks VALUES ('g', 'other', 'p', 1, 't')")
    assert pg_engine.raw("SELECT COUNT(*) FROM decks") == [(0,)]
    # The broken connection was thrown away: the next write and read just work.
    review(store, "after")
    assert store.seen_card_ids("u1") == {"before", "after"}
    store.close()


def test_idle_connections_killed_by_a_restart_cost_no_caller_an_error(pg_engine: Engine) -> None:
    store = pg_engine.store()
    review(store, "a")
    assert pg_engine.drop_connections() >= 1  # every pooled connection, idle, now dead
    assert store.seen_card_ids("u1") == {"a"}  # a read retries on a fresh connection
    pg_engine.drop_connections()
    review(store, "b")  # and so does the BEGIN of a write
    assert store.seen_card_ids("u1") == {"a", "b"}
    store.close()


def test_a_row_locked_by_another_writer_fails_cleanly_after_the_lock_timeout(
    pg_engine: Engine,
) -> None:
    store = open_database(pg_engine.url, busy_timeout_s=0.2)
    from bot.infra.store import ProgressStore

    progress = ProgressStore(store)
    review(progress, "c1")
    other = psycopg.connect(pg_engine.url)
    try:
        other.execute("LOCK TABLE card_state IN EXCLUSIVE MODE")  # another process writing
        with pytest.raises(StoreError, match="lock timeout"):
            review(progress, "c2")
        assert progress.seen_card_ids("u1") == {"c1"}  # reads still work meanwhile
    finally:
        other.rollback()
        other.close()
    review(progress, "c2")
    assert progress.stats("u1", NOW).reviews == 2
    progress.close()
