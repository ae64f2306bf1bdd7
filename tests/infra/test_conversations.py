"""Conversation persistence on both engines: one per person per place, survives reopening."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.chat.conversation import IDLE_AFTER, Conversation, Phase
from bot.core.grading import Grade
from bot.errors import ConfigError, InputError
from bot.infra import migrations
from bot.infra.conversations import ConversationStore
from bot.infra.store import ProgressStore
from tests.infra.conftest import Engine

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def conv(
    user: str = "1", place: str = "dm", channel: str = "100", at: datetime = T0
) -> Conversation:
    return Conversation(
        user_id=user, place=place, channel_id=channel, started_at=at, last_active=at
    )


def opened(where: Path | str) -> ConversationStore:
    return ConversationStore(ProgressStore(where))


@pytest.fixture
def store(engine: Engine) -> Iterator[ConversationStore]:
    s = opened(engine.url)
    yield s
    s.progress.close()


def test_saves_and_loads_the_whole_state(store: ConversationStore) -> None:
    c = (
        conv()
        .asking("card1", T0)
        .said("tutor", "What is X?")
        .hinted(T0)
        .said("person", "x is y")
        .graded("x is y", Grade(0.4, "partial", ["a"], ["b"], []), T0 + timedelta(seconds=30))
    )
    store.save(c)
    assert store.get("1", "dm") == c
    assert store.in_channel("100") == [c]
    assert store.of_user("1") == [c]
    assert store.get("1", "channel:5") is None and store.in_channel("101") == []


def test_one_conversation_per_person_and_place(store: ConversationStore) -> None:
    store.save(conv(channel="100"))
    store.save(conv(channel="200", at=T0 + timedelta(minutes=1)).asking("c9", T0))
    assert store.count() == 1
    again = store.get("1", "dm")
    assert again is not None and again.channel_id == "200" and again.card_id == "c9"
    assert store.in_channel("100") == []
    store.save(conv(place="channel:5", channel="300"))  # a thread elsewhere is another place
    store.save(conv(user="2", channel="400"))
    assert store.count() == 3


def test_survives_reopening(engine: Engine) -> None:
    path = engine.url
    c = conv().asking("card1", T0).hinted(T0)
    with ProgressStore(path) as progress:
        ConversationStore(progress).save(c)
    with ProgressStore(path) as progress:
        again = ConversationStore(progress).get("1", "dm")
    assert (
        again == c and again is not None and again.phase is Phase.ASKING and again.hints_used == 1
    )


def test_idle_conversations_are_found_by_last_activity(store: ConversationStore) -> None:
    store.save(conv(user="old", at=T0))
    store.save(conv(user="new", at=T0 + timedelta(minutes=20)))
    now = T0 + IDLE_AFTER + timedelta(minutes=1)
    assert [c.user_id for c in store.idle(now - IDLE_AFTER)] == ["old"]
    assert store.close_conversation("old", "dm")
    assert not store.close_conversation("old", "dm")
    assert store.idle(now - IDLE_AFTER) == []
    assert [c.user_id for c in store.idle(now)] == ["new"]


def test_forget_user_removes_conversations(engine: Engine) -> None:
    path = engine.url
    with ProgressStore(path) as progress:
        s = ConversationStore(progress)
        s.save(conv(user="1"))
        s.save(conv(user="1", place="channel:9", channel="900"))
        s.save(conv(user="2", channel="200"))
        assert progress.forget_user("1") == 2
        assert s.of_user("1") == [] and s.count() == 1


def test_migration_is_registered_and_applied(tmp_path: Path) -> None:
    names = [m.__name__ for m in migrations.MIGRATIONS]
    assert "m020_conversations" in names
    path = tmp_path / "db.sqlite3"
    ProgressStore(path).close()
    conn = sqlite3.connect(path)
    assert "m020_conversations" in migrations.applied(conn)
    with pytest.raises(sqlite3.IntegrityError):
        for _ in range(2):
            conn.execute("INSERT INTO conversations VALUES ('u', 'dm', '1', '{}', 't', 't')")
    conn.close()


def test_bad_input_is_refused(store: ConversationStore, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        store.save(conv(user=""))
    with pytest.raises(InputError):
        store.save(conv(at=datetime(2026, 3, 1, 9, 0)))  # naive time
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError):
        opened(broken)
