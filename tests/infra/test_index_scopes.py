"""One Chroma collection per scope, and the move from the older single-collection layout.

Real parts throughout: the real embedder, real Chroma directories, and a real Chroma server
(`chroma run`) for the `url=` path. The old layout is written here directly with chromadb,
the way the index wrote it before scopes had collections of their own.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import bot.infra.index_collections as index_collections
from bot.core.cards import GLOBAL_SCOPE, Card
from bot.errors import CardNotFound
from bot.infra.index import CardIndex, card_chunks, card_text
from bot.infra.index_collections import collection_name
from bot.infra.index_sync import entry_meta
from tests.infra.test_index import CountingEmbedder

SERVER = "111"
ODD_SCOPE = "guild/ü x"  # not a safe collection name as it is: named by a hash


def server_cards(scope: str = SERVER) -> list[Card]:
    return [
        Card(deck="guild-notes", question="What is the launch code word?", answer="Pineapple.",
             scope=scope, line=1),
        Card(deck="guild-notes", question="Who feeds the office cat?", answer="Mira, on Mondays.",
             scope=scope, line=2),
        Card(deck="guild-rules", question="When is the weekly meeting?", answer="Thursday at ten.",
             scope=scope, line=1),
    ]  # fmt: skip


def legacy_entries(embedder: Any, cards: Sequence[Card]) -> dict[str, list[Any]]:
    """Entries exactly as the single-collection index wrote them (chunks, then card entries)."""
    chunks = [(c, i, t) for c in cards for i, t in enumerate(card_chunks(c))]
    vectors = embedder.embed([card_text(c) for c in cards] + [t for _, _, t in chunks])
    return {
        "ids": [f"{c.card_id}#{i}" for c, i, _ in chunks] + [c.card_id for c in cards],
        "embeddings": list(vectors[len(cards) :]) + list(vectors[: len(cards)]),
        "documents": [t for _, _, t in chunks] + [card_text(c) for c in cards],
        "metadatas": [entry_meta(c, "chunk") for c, _, _ in chunks]
        + [
            {**entry_meta(c, "card"), "hash": c.content_hash, "card": json.dumps(c.to_dict())}
            for c in cards
        ],
    }


def write_legacy(client: Any, embedder: Any, cards: Sequence[Card]) -> dict[str, np.ndarray]:
    """The old layout: one collection for every scope. Returns each entry's stored vector."""
    collection = client.get_or_create_collection(
        f"flashtutor-cards-{embedder.name}",
        metadata={"hnsw:space": "cosine"},
        embedding_function=None,
    )
    collection.add(**legacy_entries(embedder, cards))
    got = collection.get(include=["embeddings"])  # as stored (cosine space stores unit vectors)
    return dict(zip(got["ids"], got["embeddings"], strict=True))


def chroma_dir(path: Path) -> Any:
    import chromadb

    return chromadb.PersistentClient(
        path=str(path), settings=chromadb.Settings(anonymized_telemetry=False)
    )


def stored(client: Any, name: str) -> dict[str, np.ndarray]:
    got = client.get_collection(name, embedding_function=None).get(include=["embeddings"])
    return dict(zip(got["ids"], got["embeddings"], strict=True))


def names(client: Any) -> set[str]:
    return {c.name for c in client.list_collections()}


@pytest.fixture(scope="module")
def mixed_cards(seed_cards: Sequence[Card]) -> list[Card]:
    """Four global seed cards, a server's three, and two cards of a scope with an odd name."""
    return [*seed_cards[:4], *server_cards(), *server_cards(ODD_SCOPE)[:2]]


# --- naming ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scope",
    ["", "1", "123456789012345678", "guild/ü x", "a.b", "-x-", "x" * 64, "x" * 65, "é" * 300, " "],
)
def test_collection_names_follow_chromas_rules(scope: str) -> None:
    name = collection_name("minilm", scope)
    assert 3 <= len(name) <= 512
    assert re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9]", name)
    assert name == collection_name("minilm", scope)  # deterministic


def test_collection_names_are_distinct_per_scope_and_model() -> None:
    scopes = ["", "1", "11", "a", "A", "guild/ü x", "guild/ü y", "x" * 64, "x" * 65]
    hashed = collection_name("minilm", "guild/ü x").rsplit(".", 1)[1]
    scopes.append(hashed)  # a plain scope spelled like another's hash still differs
    named = {collection_name("minilm", s) for s in scopes}
    assert len(named) == len(scopes)
    assert collection_name("minilm", "") == "flashtutor-cards-minilm"  # the older layout's name
    assert not named & {collection_name("other", s) for s in scopes}


# --- a collection per scope ------------------------------------------------------------


def test_each_scope_has_its_own_collection(embedder, seed_cards, tmp_path: Path) -> None:
    index = CardIndex(embedder, path=tmp_path)
    index.sync(seed_cards[:4])
    alone = [(h.card.card_id, h.score) for h in index.search("what is a token", k=4)]
    index.sync(server_cards(), scope=SERVER)
    index.sync(server_cards(ODD_SCOPE), scope=ODD_SCOPE)

    client = chroma_dir(tmp_path)
    global_name = collection_name(embedder.name, GLOBAL_SCOPE)
    server_name = collection_name(embedder.name, SERVER)
    odd_name = collection_name(embedder.name, ODD_SCOPE)
    assert names(client) == {global_name, server_name, odd_name}
    in_server = client.get_collection(server_name).get(include=["metadatas"])["metadatas"]
    assert {m["scope"] for m in in_server} == {SERVER}
    assert index.count() == sum(client.get_collection(n).count() for n in names(client))

    # Another scope's collection does not touch the global ranking, not even its scores.
    assert [(h.card.card_id, h.score) for h in index.search("what is a token", k=4)] == alone
    both = index.search("launch code word", k=5, scopes=(GLOBAL_SCOPE, SERVER))
    assert both[0].card.question == "What is the launch code word?"
    assert both[0].card.scope == SERVER
    assert {h.card.scope for h in both} == {GLOBAL_SCOPE, SERVER}
    assert [h.score for h in both] == sorted((h.score for h in both), reverse=True)
    odd = index.search("launch code word", k=2, scopes=(ODD_SCOPE,))
    assert [h.card.scope for h in odd] == [ODD_SCOPE, ODD_SCOPE]
    assert all(
        h.card.deck == "guild-rules"
        for h in index.search("meeting", k=3, scopes=(GLOBAL_SCOPE, SERVER), deck="guild-rules")
    )
    assert index.search("meeting", k=3, scopes=(GLOBAL_SCOPE, "222")) != []
    assert index.cards(("222",)) == []
    assert "222" not in {c.metadata.get("flashtutor_scope") for c in client.list_collections()}


def test_a_server_losing_its_last_deck_loses_its_collection(
    embedder, seed_cards, tmp_path: Path
) -> None:
    index = CardIndex(embedder, path=tmp_path)
    index.sync(seed_cards[:2])
    index.sync(server_cards(), scope=SERVER)
    server_name = collection_name(embedder.name, SERVER)
    assert index.remove_deck(SERVER, "guild-notes") == 2
    assert server_name in names(chroma_dir(tmp_path))  # guild-rules is still there
    assert [c.deck for c in index.cards((SERVER,))] == ["guild-rules"]
    assert index.remove_deck(SERVER, "guild-rules") == 1
    assert server_name not in names(chroma_dir(tmp_path))
    assert index.cards((SERVER,)) == []
    assert index.search("weekly meeting", k=3, scopes=(GLOBAL_SCOPE, SERVER))[0].card.scope == ""
    assert index.remove_deck(SERVER, "guild-rules") == 0  # nothing there: nothing is created
    assert server_name not in names(chroma_dir(tmp_path))
    assert index.sync([]).removed == 2  # the global collection empties but stays
    assert collection_name(embedder.name, GLOBAL_SCOPE) in names(chroma_dir(tmp_path))
    # A reopened index finds the server's collection again once it has cards.
    index.sync(server_cards()[:1], scope=SERVER)
    reopened = CardIndex(embedder, path=tmp_path)
    assert [c.question for c in reopened.cards((SERVER,))] == ["What is the launch code word?"]
    with pytest.raises(CardNotFound):
        reopened.get(server_cards()[0].card_id, scopes=(GLOBAL_SCOPE, "222"))


# --- the older single-collection layout ------------------------------------------------


def assert_migrated(client: Any, embedder_name: str, vectors: dict[str, np.ndarray]) -> None:
    """Every old entry is in its scope's collection once, with the vector it had."""
    by_scope = {
        scope: stored(client, collection_name(embedder_name, scope))
        for scope in (GLOBAL_SCOPE, SERVER, ODD_SCOPE)
    }
    moved = [entry_id for entries in by_scope.values() for entry_id in entries]
    assert sorted(moved) == sorted(vectors)
    for scope, entries in by_scope.items():
        collection = client.get_collection(collection_name(embedder_name, scope))
        metas = collection.get(include=["metadatas"])["metadatas"]
        assert {m["scope"] for m in metas} == {scope}
        for entry_id, vector in entries.items():
            # Chroma's own write and read round trip may move a float32 by an ulp or two.
            np.testing.assert_allclose(vector, vectors[entry_id], rtol=0, atol=1e-7)


def test_an_old_index_is_migrated_without_embedding(
    embedder, mixed_cards, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors = write_legacy(chroma_dir(tmp_path), embedder, mixed_cards)
    monkeypatch.setattr(index_collections, "_COPY_PAGE", 7)  # several pages, even here

    counting = CountingEmbedder(embedder)
    index = CardIndex(counting, path=tmp_path)
    assert counting.texts == 0
    assert_migrated(chroma_dir(tmp_path), embedder.name, vectors)
    assert index.cards() == sorted(mixed_cards[:4], key=lambda c: (c.deck, c.line))
    assert {c.card_id for c in index.cards((SERVER,))} == {c.card_id for c in server_cards()}
    assert len(index.cards((ODD_SCOPE,))) == 2
    assert index.count() == len(vectors)
    # The content hashes came along: syncing the same cards embeds nothing.
    for scope in (GLOBAL_SCOPE, SERVER, ODD_SCOPE):
        report = index.sync([c for c in mixed_cards if c.scope == scope], scope=scope)
        assert report.added == report.updated == report.removed == 0
    assert counting.texts == 0
    assert index.search("launch code word", k=1, scopes=("", SERVER))[0].card.scope == SERVER
    CardIndex(counting, path=tmp_path)  # a second open has nothing to move
    assert_migrated(chroma_dir(tmp_path), embedder.name, vectors)


def test_a_migration_killed_while_copying_is_finished_by_the_next_open(
    embedder, mixed_cards, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors = write_legacy(chroma_dir(tmp_path), embedder, mixed_cards)
    legacy = collection_name(embedder.name, GLOBAL_SCOPE)
    real_pages = index_collections._pages

    def dies_after_one_page(collection: Any, where: Any) -> Iterator[dict[str, Any]]:
        pages = real_pages(collection, where)
        yield next(pages)
        # The one fault we cannot cause for real inside a test: the process dying mid-copy.
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(index_collections, "_COPY_PAGE", 7)
    monkeypatch.setattr(index_collections, "_pages", dies_after_one_page)
    with pytest.raises(KeyboardInterrupt):
        CardIndex(embedder, path=tmp_path)
    client = chroma_dir(tmp_path)
    assert stored(client, legacy).keys() == vectors.keys()  # nothing left the old collection
    copied = sum(
        len(stored(client, collection_name(embedder.name, scope)))
        for scope in (SERVER, ODD_SCOPE)
        if collection_name(embedder.name, scope) in names(client)
    )
    assert 0 < copied < len(vectors) - len(legacy_entries(embedder, mixed_cards[:4])["ids"])

    monkeypatch.setattr(index_collections, "_pages", real_pages)
    index = CardIndex(CountingEmbedder(embedder), path=tmp_path)
    assert_migrated(chroma_dir(tmp_path), embedder.name, vectors)
    assert len(index.cards((GLOBAL_SCOPE, SERVER, ODD_SCOPE))) == len(mixed_cards)


def test_a_migration_killed_while_deleting_is_finished_by_the_next_open(
    embedder, mixed_cards, tmp_path: Path
) -> None:
    # The state a crash between the copy and the end of the delete leaves: every entry
    # copied, some of the moved ones still in the old collection.
    client = chroma_dir(tmp_path)
    vectors = write_legacy(client, embedder, mixed_cards)
    CardIndex(embedder, path=tmp_path)
    leftover = legacy_entries(embedder, server_cards()[:2])
    client.get_collection(collection_name(embedder.name, GLOBAL_SCOPE)).add(**leftover)

    index = CardIndex(embedder, path=tmp_path)
    assert_migrated(chroma_dir(tmp_path), embedder.name, vectors)
    assert index.count() == len(vectors)


# --- a Chroma server (url=) --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """A real `chroma run` on a free port, with its own data directory."""
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    log = (tmp_path / "chroma.log").open("wb")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # bounds a hang on a loaded machine; not a speed check
        while True:
            assert process.poll() is None, (tmp_path / "chroma.log").read_text()
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "chroma run did not start"
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_a_chroma_server_gets_a_collection_per_scope_and_migrates(
    embedder, mixed_cards, chroma_server: str
) -> None:
    import chromadb

    host, port = chroma_server.removeprefix("http://").split(":")
    client = chromadb.HttpClient(
        host=host, port=int(port), settings=chromadb.Settings(anonymized_telemetry=False)
    )
    vectors = write_legacy(client, embedder, mixed_cards)

    counting = CountingEmbedder(embedder)
    index = CardIndex(counting, url=chroma_server)
    assert counting.texts == 0
    assert_migrated(client, embedder.name, vectors)
    found = index.search("launch code word", k=3, scopes=(GLOBAL_SCOPE, SERVER))
    assert found[0].card.scope == SERVER
    assert index.remove_deck(SERVER, "guild-notes") == 2
    assert index.remove_deck(SERVER, "guild-rules") == 1
    assert collection_name(embedder.name, SERVER) not in names(client)
    assert {h.card.scope for h in index.search("launch code", k=5, scopes=("", SERVER))} == {""}


def test_a_card_written_into_another_scopes_collection_stays_hidden(
    embedder, seed_cards, tmp_path: Path
) -> None:
    # An older version still running beside this one writes a server's card the old way,
    # into the global collection, after this index was opened (and migrated).
    index = CardIndex(embedder, path=tmp_path)
    index.sync(seed_cards[:2])
    write_legacy(chroma_dir(tmp_path), embedder, server_cards()[:1])
    index.sync(seed_cards[:2])  # reloads the global catalogue
    assert {c.scope for c in index.cards()} == {GLOBAL_SCOPE}
    assert {h.card.scope for h in index.search("launch code word", k=5)} == {GLOBAL_SCOPE}
    reopened = CardIndex(embedder, path=tmp_path)  # the next open moves it where it belongs
    assert [c.question for c in reopened.cards((SERVER,))] == ["What is the launch code word?"]
    assert {c.scope for c in reopened.cards()} == {GLOBAL_SCOPE}
