"""The card index's Chroma: the client, and one collection per scope (named, found, migrated).

A scope (the global `knowledge/` decks, or one Discord server's uploads) gets a collection of
its own, so a search queries each visible scope's collection without a metadata filter (a
filter made a top-40 query 50× slower at 100,000 vectors) and one server's cards cannot leak
into another's results by a filter mistake.

The global scope keeps the collection name of the older single-collection layout, in which
every scope shared that collection. Opening such an index moves the other scopes' entries,
with their stored embeddings, into their own collections, and deletes them from the shared
one only after all of them are copied: a crash part-way leaves them in place, and the next
open copies them again (upserts by id, so nothing is duplicated) and finishes the move.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.core.cards import GLOBAL_SCOPE
from bot.errors import ConfigError, FlashtutorError

# A scope that is safe as it is (a Discord server id) is named as it is; anything else by a
# hash, under a different infix so the two forms can never name the same collection.
_PLAIN_SCOPE = re.compile(r"[A-Za-z0-9]{1,64}")
_COPY_PAGE = 1000
READ_PAGE = 2000
"""Entries read from Chroma per request: no request grows with the deck (a whole-scope `get`
failed with "too many SQL variables" at 80,000 entries)."""
ID_PAGE = 10_000
"""Ids listed per request (below SQLite's 32,766 bound variables)."""
_DELETE_PAGE = 5000


def open_client(*, path: Path | None = None, url: str | None = None) -> Any:
    """A Chroma client: a server at `url` when given, else a directory at `path`."""
    import chromadb  # heavy import: only when an index is opened

    settings = chromadb.Settings(anonymized_telemetry=False)
    if url:
        from urllib.parse import urlparse

        parts = urlparse(url)
        if not parts.hostname:
            raise ConfigError(f"FLASHTUTOR_CHROMA_URL is not a URL: {url!r}")
        return chromadb.HttpClient(
            host=parts.hostname,
            port=parts.port or 8000,
            ssl=parts.scheme == "https",
            settings=settings,
        )
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=settings)
    raise ConfigError("the card index needs a data directory or a Chroma URL")


def collection_name(embedder_name: str, scope: str) -> str:
    """The Chroma collection holding `scope`'s entries embedded by `embedder_name`.

    Chroma allows 3-512 characters of [a-zA-Z0-9._-], starting and ending alphanumeric.
    """
    base = f"flashtutor-cards-{embedder_name}"
    if scope == GLOBAL_SCOPE:
        return base
    if _PLAIN_SCOPE.fullmatch(scope):
        return f"{base}.s.{scope}"
    return f"{base}.h.{hashlib.sha256(scope.encode()).hexdigest()[:40]}"


class ScopeCollections:
    """The collections of one embedder's card index, one per scope that holds entries.

    Not thread-safe by itself: `CardIndex` serialises calls that create or drop collections.
    """

    def __init__(self, client: Any, embedder_name: str) -> None:
        self._client = client
        self._embedder_name = embedder_name
        # The global collection always exists (an empty index is still an index).
        self._open: dict[str, Any] = {GLOBAL_SCOPE: self._create(GLOBAL_SCOPE)}
        for collection in client.list_collections():
            scope = (collection.metadata or {}).get("flashtutor_scope")
            if (
                isinstance(scope, str)
                and scope not in self._open
                and collection.name == self.name(scope)
            ):
                self._open[scope] = client.get_collection(collection.name, embedding_function=None)

    def name(self, scope: str) -> str:
        """The collection name for `scope`."""
        return collection_name(self._embedder_name, scope)

    def scopes(self) -> list[str]:
        """Every scope that has a collection (the global one always)."""
        return list(self._open)

    def get(self, scope: str) -> Any | None:
        """`scope`'s collection, or None when the scope holds nothing."""
        return self._open.get(scope)

    def get_or_create(self, scope: str) -> Any:
        """`scope`'s collection, created if the scope had none."""
        if scope not in self._open:
            self._open[scope] = self._create(scope)
        return self._open[scope]

    def drop(self, scope: str) -> None:
        """Delete `scope`'s collection (never the global one, which marks the index as made)."""
        if scope != GLOBAL_SCOPE and self._open.pop(scope, None) is not None:
            self._client.delete_collection(self.name(scope))

    def _create(self, scope: str) -> Any:
        return self._client.get_or_create_collection(
            self.name(scope),
            # The scope itself, since a hashed name cannot be read back.
            metadata={"hnsw:space": "cosine", "flashtutor_scope": scope},
            embedding_function=None,
        )

    # --- the single-collection layout of older versions -------------------------------

    def migrate(self) -> int:
        """Move entries of other scopes out of the global collection; returns how many moved."""
        shared = self._open[GLOBAL_SCOPE]
        others: dict[str, Any] = {"scope": {"$ne": GLOBAL_SCOPE}}
        if not shared.get(where=others, limit=1, include=[])["ids"]:
            return 0
        moved: list[str] = []
        for page in _pages(shared, others):
            by_scope: dict[str, list[int]] = {}
            for i, meta in enumerate(page["metadatas"]):
                by_scope.setdefault(str(meta["scope"]), []).append(i)
            for scope, rows in by_scope.items():
                embeddings = page["embeddings"]
                self.get_or_create(scope).upsert(
                    ids=[page["ids"][i] for i in rows],
                    embeddings=[embeddings[i] for i in rows],
                    documents=[page["documents"][i] for i in rows],
                    metadatas=[page["metadatas"][i] for i in rows],
                )
            moved += page["ids"]
        # Only now, with every entry copied, do they leave the shared collection.
        for start in range(0, len(moved), _DELETE_PAGE):
            shared.delete(ids=moved[start : start + _DELETE_PAGE])
        return len(moved)


def _pages(collection: Any, where: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every entry matching `where`, with its embedding, a page at a time (nothing deleted)."""
    offset = 0
    while True:
        page = collection.get(
            where=where,
            limit=_COPY_PAGE,
            offset=offset,
            include=["embeddings", "documents", "metadatas"],
        )
        if not page["ids"]:
            return
        if page["embeddings"] is None or len(page["embeddings"]) != len(page["ids"]):
            raise FlashtutorError(
                "the card index cannot be migrated: Chroma returned entries without embeddings"
            )
        yield page
        offset += len(page["ids"])


def card_entries(collection: Any, include: list[str]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(id, metadata, embedding or None) of every card entry of a collection.

    The ids come first, `ID_PAGE` at a time (cheap: a filter with nothing to fetch), then
    the entries by id, `READ_PAGE` at a time. Paging the filtered query itself re-ran the
    filter over every entry for each page (21 s for 20,000 cards against 4 s this way), and
    one unpaged query fails past 32,766 entries ("too many SQL variables").
    """
    ids: list[str] = []
    while True:
        got = collection.get(where={"kind": "card"}, include=[], limit=ID_PAGE, offset=len(ids))
        ids += got["ids"]
        if len(got["ids"]) < ID_PAGE:
            break
    for start in range(0, len(ids), READ_PAGE):
        got = collection.get(ids=ids[start : start + READ_PAGE], include=include)
        found = got["ids"]
        metas = got["metadatas"] or [{}] * len(found)
        embeddings = got.get("embeddings")
        if embeddings is None:
            embeddings = [None] * len(found)
        yield from zip(found, metas, embeddings, strict=True)
