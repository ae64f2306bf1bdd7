"""Transactions of the `Database` on both engines: joined when nested, all or nothing."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import InputError
from bot.infra.db import StoreError, open_database
from tests.infra.conftest import Engine

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_repository_calls_inside_one_tx_commit_together(engine: Engine) -> None:
    with engine.store() as store:
        with store.db.tx():
            store.record_review(user_id="u", card_id="c", score=0.9, verdict="correct", now=NOW)
            store.save_answer(user_id="u", card_id="c", answer="a", hints_used=0, now=NOW)
            # Reads inside the transaction see its own writes.
            assert store.seen_card_ids("u") == {"c"}
        assert store.last_answer("u", "c") == ("a", 0)


def test_a_failure_anywhere_in_a_joined_tx_rolls_back_every_call(engine: Engine) -> None:
    with engine.store() as store:
        with pytest.raises(InputError), store.db.tx():
            store.record_review(user_id="u", card_id="c", score=0.9, verdict="correct", now=NOW)
            store.save_answer(user_id="u", card_id="c", answer="a", hints_used=0, now=NOW)
            store.record_review(user_id="u", card_id="c", score=2.0, verdict="correct", now=NOW)
        assert store.seen_card_ids("u") == set()
        assert store.last_answer("u", "c") is None
        assert store.stats("u", NOW).reviews == 0


def test_engine_faults_become_store_errors_and_roll_back(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with pytest.raises(StoreError, match="could not save to"), db.tx() as tx:
        tx.execute("INSERT INTO decks VALUES ('g', 'd', 'p', 1, 't')")
        raise sqlite3.OperationalError("database or disk is full")
    assert db.query("SELECT COUNT(*) FROM decks")[0][0] == 0
    db.close()


def test_database_urls(tmp_path: Path) -> None:
    from bot.errors import ConfigError

    memory = open_database("sqlite://:memory:")
    assert memory.query("SELECT COUNT(*) FROM reviews")[0][0] == 0
    memory.close()
    with pytest.raises(ConfigError, match="unsupported database URL scheme 'mysql'"):
        open_database("mysql://localhost/x")
    with pytest.raises(ConfigError, match="no file"):
        open_database("sqlite://")
