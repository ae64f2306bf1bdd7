"""`flashtutor db migrate`: bring a database up to date, copy SQLite into PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from bot.cli import main
from bot.core import daily
from bot.core.chat.conversation import Conversation
from bot.infra.conversations import ConversationStore
from bot.infra.store import ProgressStore
from bot.infra.subscriptions import SubscriptionStore
from bot.testing.postgres import TempPostgres

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
TABLES = (
    "card_state",
    "reviews",
    "decks",
    "quiz_sessions",
    "quiz_answers",
    "conversations",
    "daily_subscriptions",
    "daily_pushes",
    "daily_notices",
)


def fill(store: ProgressStore) -> None:
    """A little of everything the bot writes."""
    for n in range(30):
        store.record_review(
            user_id=f"u{n % 4}",
            card_id=f"c{n % 7}",
            score=(n % 10) / 10,
            verdict="correct" if n % 3 else "incorrect",
            now=NOW,
            guild_id="g1" if n % 2 else None,
        )
    store.add_deck(scope="g1", name="deck", path="decks/g1/deck.md", cards=3, now=NOW)
    for _ in range(3):
        store.open_quiz(user_id="u1", guild_id="g1", topic="t", deck=None, public=True, now=NOW)
    store.save_answer(user_id="u1", card_id="c1", answer="an answer", hints_used=1, now=NOW)
    ConversationStore(store).save(
        Conversation(user_id="u1", place="dm", channel_id="9", started_at=NOW, last_active=NOW)
    )
    subs = SubscriptionStore(store)
    sub = subs.subscribe_dm(
        user_id="u2", guild_id=None, at=time(9, 0), zone="UTC", topic=None, cards=2, now=NOW
    )
    later = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    subs.begin_push(sub, daily.plan(sub.next_day, later, sub.at, sub.tz), [("c1", "due")], 1, later)
    subs.add_notice("u3", "a notice", NOW)


def counts(store: ProgressStore) -> dict[str, int]:
    return {t: int(store.db.query(f"SELECT COUNT(*) FROM {t}")[0][0]) for t in TABLES}


def test_migrate_copies_sqlite_into_postgres_verified_by_row_counts(
    tmp_path: Path,
    postgres: TempPostgres,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLASHTUTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FLASHTUTOR_DATABASE_URL", raising=False)
    with ProgressStore(tmp_path / "data" / "flashtutor.sqlite3") as sqlite:
        fill(sqlite)
        before = counts(sqlite)
        stats_before = sqlite.stats("u1", NOW)
    target = postgres.fresh_database()

    assert main(["db", "migrate", "--to", target]) == 0
    out = capsys.readouterr().out
    assert "already up to date" in out
    assert "reviews: 30 rows -> 30 rows" in out
    assert "every table's row count matches" in out
    with ProgressStore(target) as pg:
        assert counts(pg) == before
        assert pg.stats("u1", NOW) == stats_before
        assert pg.last_answer("u1", "c1") == ("an answer", 1)
        # New ids continue after the copied ones.
        assert (
            pg.open_quiz(user_id="u1", guild_id=None, topic=None, deck=None, public=False, now=NOW)
            == 4
        )
        assert SubscriptionStore(pg).open_pushes()[0].card_ids == ["c1"]

    # A second copy into the same (now full) database is refused and changes nothing.
    assert main(["db", "migrate", "--to", target]) == 2
    assert "already holds rows" in capsys.readouterr().err
    with ProgressStore(target) as pg:
        assert counts(pg) == {**before, "quiz_sessions": before["quiz_sessions"] + 1}


def test_migrate_alone_applies_pending_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    monkeypatch.setenv("FLASHTUTOR_DATABASE_URL", url)
    assert main(["db", "migrate"]) == 0
    assert "m001_progress" in capsys.readouterr().out
    assert main(["db", "migrate"]) == 0
    assert "already up to date" in capsys.readouterr().out
