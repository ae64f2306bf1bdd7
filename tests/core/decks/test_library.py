"""The DeckLibrary with the real index, store, upload files and media folder."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.decks.library import UPLOAD_SUFFIXES, DeckLibrary, deck_identity, load_decks
from bot.errors import InputError
from bot.infra.index import CardIndex
from bot.infra.media import MediaFiles
from bot.infra.store import ProgressStore
from bot.infra.uploads import UploadFiles, upload_id

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SCOPE = "42"


def deck(*questions: str) -> bytes:
    return "---\n".join(f":p {q}\n??x\nThe answer to {q}\nx??\n" for q in questions).encode()


@pytest.fixture
def library(embedder, tmp_path: Path) -> DeckLibrary:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    return DeckLibrary(
        index=CardIndex(embedder, path=tmp_path / "chroma"),
        registry=ProgressStore(tmp_path / "db.sqlite3"),
        uploads=UploadFiles(tmp_path / "decks", UPLOAD_SUFFIXES),
        media=MediaFiles(tmp_path / "media"),
        knowledge_dir=knowledge,
    )


def test_same_stems_in_different_folders_are_different_decks(library: DeckLibrary) -> None:
    root = library.knowledge_dir
    for folder, question in (("a", "What is A?"), ("b", "What is B?")):
        (root / folder).mkdir()
        (root / folder / "notes.md").write_bytes(deck(question))
    (root / "top.md").write_bytes(deck("What is top?"))
    result = library.ingest()
    assert sorted(d.name for d in result.decks) == ["a/notes", "b/notes", "top"]
    assert result.added == 3
    # Ingesting one file again (by path) touches only its own deck.
    again = library.ingest([root / "b" / "notes.md"])
    assert (again.added, again.removed, again.unchanged) == (0, 0, 1)
    assert {c.deck for c in library.index.cards()} == {"a/notes", "b/notes", "top"}
    assert deck_identity(root / "top.md", root) == "top"  # top-level ids never changed


def test_a_missing_file_named_on_its_own_removes_nothing(library: DeckLibrary) -> None:
    (library.knowledge_dir / "keep.md").write_bytes(deck("Kept?"))
    library.ingest()
    result = library.ingest([library.knowledge_dir / "keep.txt"])  # a typo
    assert result.removed == 0 and result.decks[0].issues
    assert [c.deck for c in library.index.cards()] == ["keep"]


def test_uploads_keep_their_names_and_collisions_are_numbered(library: DeckLibrary) -> None:
    first = library.upload(SCOPE, "生物.md", deck("Q1?"), now=NOW)
    other = library.upload(SCOPE, "生物.csv", b"question,answer\nQ2?,A2\n", now=NOW)
    again = library.upload(SCOPE, "生物.md", deck("Q1?", "Q3?"), now=NOW)
    assert (first.deck.name, other.deck.name, again.deck.name) == ("生物", "生物 (2)", "生物")
    assert again.replaced and (again.added, again.updated) == (1, 0)
    assert [r.name for r in library.listed(SCOPE)] == ["生物", "生物 (2)"]
    assert sorted(c.question for c in library.index.cards((SCOPE,))) == ["Q1?", "Q2?", "Q3?"]
    assert library.remove(SCOPE, "生物 (2)") == 1
    with pytest.raises(InputError, match="no deck named"):
        library.remove(SCOPE, "生物 (2)")
    assert upload_id("biology") == "biology" and upload_id("生物").startswith("deck-")


def test_a_deck_without_cards_is_not_saved_and_bad_files_are_refused(library: DeckLibrary) -> None:
    result = library.upload(SCOPE, "empty.md", b"nothing here", now=NOW)
    assert not result.saved and library.listed(SCOPE) == []
    with pytest.raises(InputError, match="Upload a deck file"):
        library.upload(SCOPE, "slides.pdf", b"%PDF", now=NOW)
    with pytest.raises(InputError, match="at most 1,048,576"):
        library.upload(SCOPE, "big.csv", b"q,a\n" * 300_000, now=NOW)


def test_resync_makes_index_and_list_agree_with_the_files(library: DeckLibrary) -> None:
    library.upload(SCOPE, "a.md", deck("A?"), now=NOW)
    library.upload(SCOPE, "b.md", deck("B?"), now=NOW)
    folder = Path(library.uploads.entries(SCOPE)[0].path).parent
    (folder / "b.md").unlink()  # as if a removal was killed right after its commit
    (folder / "c.md").write_bytes(deck("C?"))  # as if an upload was killed right after its commit
    (folder / ".x.md.123.tmp").write_bytes(b"half")  # and one killed before its commit
    library.resync()
    assert [r.name for r in library.listed(SCOPE)] == ["a", "c"]
    assert sorted(c.deck for c in library.index.cards((SCOPE,))) == ["a", "c"]
    assert not (folder / ".x.md.123.tmp").exists()


def test_check_names_decks_as_ingest_does(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "n.md").write_bytes(deck("Q?"))
    assert [d.name for d in load_decks([tmp_path], tmp_path / "knowledge")] == ["x/n"]
