"""`DeckLibrary`: the one place decks change. Ingest, check, upload, list, remove, export and
the start-up resync, for the bot and the CLI alike, through ports (the index, the deck
registry in the progress store, the upload files, the media store).

Identity. A shipped or ingested deck is named by its path relative to the folder it was read
from, without the suffix (`notes`, `biology/cells`), so two `notes.md` in different folders
stay two decks, and a top-level file keeps the name (and card ids) it always had. An upload is
named by its file name in any script; a second file whose name gives the same deck name gets
`name (2)`, while the same file name again replaces its deck.

Atomicity. The upload's file on disk is the truth: writing it (a rename) commits an upload,
deleting it commits a removal, and `resync` at start-up makes the index and the registry agree
with the files. So after a kill -9 at any point, a deck is listed exactly when it is served.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.core.cards import GLOBAL_SCOPE
from bot.core.decks.files import (
    TEXT_SUFFIXES,
    deck_name,
    discover_deck_files,
    format_for,
    load_deck_file,
    parse_deck_bytes,
)
from bot.core.decks.model import ParsedDeck
from bot.core.limits import MAX_PACKAGE_UPLOAD_BYTES, MAX_UPLOAD_BYTES
from bot.core.ports import DeckIndex, DeckRegistry, MediaStore, SyncCounts, UploadShelf
from bot.core.records import DeckRow, StoredUpload
from bot.errors import InputError

UPLOAD_SUFFIXES = frozenset({*TEXT_SUFFIXES, ".apkg", ".colpkg"})
MAX_DECK_NAME_CHARS = 80


@dataclass(slots=True)
class UploadResult:
    """What an upload did: the parsed deck (its issues), and whether it was saved."""

    deck: ParsedDeck
    saved: bool
    added: int = 0
    updated: int = 0
    replaced: bool = False
    wanted_name: str = ""


@dataclass(slots=True)
class IngestResult:
    """What an ingest did."""

    decks: list[ParsedDeck]
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    media: int = 0
    names: list[str] = field(default_factory=list)


def upload_limit(filename: str) -> int:
    """The largest upload of this kind of file."""
    return MAX_PACKAGE_UPLOAD_BYTES if format_for(filename) == "anki" else MAX_UPLOAD_BYTES


def deck_identity(path: Path, root: Path | None) -> str:
    """A deck's name: its path below `root` without the suffix (`biology/cells`), or its
    stem when it is not below `root`."""
    if root is not None:
        try:
            rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
        except ValueError:
            rel = None
        if rel is not None and rel.parts:
            parts = [deck_name(p) for p in rel.parent.parts] + [deck_name(rel.name)]
            return "/".join(p for p in parts if p)
    return deck_name(path.name)


class DeckLibrary:
    """Every change to decks goes through here; see the module docstring."""

    def __init__(
        self,
        *,
        index: DeckIndex,
        registry: DeckRegistry,
        uploads: UploadShelf,
        media: MediaStore,
        knowledge_dir: Path,
    ) -> None:
        self.index = index
        self.registry = registry
        self.uploads = uploads
        self.media = media
        self.knowledge_dir = knowledge_dir

    # --- shipped and ingested decks ----------------------------------------------------

    def load(
        self, paths: Sequence[Path] | None = None, *, scope: str = GLOBAL_SCOPE
    ) -> list[ParsedDeck]:
        """Parse deck files (default: the knowledge folder), each named by its identity."""
        roots = list(paths) if paths else [self.knowledge_dir]
        return load_decks(roots, self.knowledge_dir, scope=scope)

    def ingest(
        self,
        paths: Sequence[Path] | None = None,
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> IngestResult:
        """Parse decks and sync them into the shared scope of the index.

        With no paths the knowledge folder is the whole truth (decks whose files are gone are
        removed); with paths only their decks change, and a file that could not be read at
        all leaves the cards it had alone.
        """
        decks = self.load(paths)
        cards = [card for deck in decks for card in deck.cards]
        for deck in decks:  # images first: a card in the index can always show its image
            self.media.save(deck.media)
        names = (
            None if not paths else sorted({n for d in decks if d.questions for n in d.deck_names})
        )
        report = self.index.sync(cards, scope=GLOBAL_SCOPE, decks=names, on_progress=on_progress)
        return IngestResult(
            decks,
            report.added,
            report.updated,
            report.removed,
            report.unchanged,
            sum(len(d.media) for d in decks),
            names or [],
        )

    # --- server uploads ----------------------------------------------------------------

    def upload(self, scope: str, filename: str, data: bytes, *, now: datetime) -> UploadResult:
        """Add or replace one server deck; a deck with no usable card is not saved."""
        base = filename.replace("\\", "/").rsplit("/", 1)[-1]
        suffix = Path(base).suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            kinds = ", ".join(sorted(UPLOAD_SUFFIXES))
            raise InputError(f"Upload a deck file ({kinds}); got “{base}”.")
        limit = upload_limit(base)
        if len(data) > limit:
            raise InputError(
                f"That file is {len(data):,} bytes; this kind of deck may be at most {limit:,}."
            )
        wanted = deck_name(base)[:MAX_DECK_NAME_CHARS].strip() or "deck"
        entries = self.uploads.entries(scope)
        name, replaced = _unique_name(wanted, base, entries)
        deck = parse_deck_bytes(data, filename=base, deck=name, scope=scope)
        if not deck.cards:
            return UploadResult(deck, saved=False, wanted_name=wanted)
        self.media.save(deck.media)
        stored = self.uploads.save(scope, name, base, data)  # the commit
        report = self._sync_scope(scope)
        self.registry.add_deck(
            scope=scope, name=name, path=stored.path, cards=len(deck.cards), now=now
        )
        return UploadResult(deck, True, report.added, report.updated, replaced, wanted)

    def listed(self, scope: str) -> list[DeckRow]:
        """A server's uploaded decks."""
        return self.registry.list_decks(scope)

    def remove(self, scope: str, name: str) -> int:
        """Remove an uploaded deck (progress on its cards is kept); returns its cards removed."""
        known = self.uploads.remove(scope, name)  # the commit
        report = self._sync_scope(scope)
        listed = self.registry.remove_deck(scope, name)
        if not known and not listed:
            raise InputError(f"This server has no deck named “{name}” (see /deck list).")
        return report.removed

    def _parse_uploads(self, scope: str) -> list[ParsedDeck]:
        decks = []
        for upload in self.uploads.entries(scope):
            try:
                data = self.uploads.read(upload)
            except OSError:
                continue  # removed while we read: the next sync settles it
            decks.append(
                parse_deck_bytes(data, filename=upload.filename, deck=upload.name, scope=scope)
            )
        return decks

    def _sync_scope(self, scope: str) -> SyncCounts:
        """Index exactly what the server's files hold (authoritative for the whole scope)."""
        decks = self._parse_uploads(scope)
        return self.index.sync([c for d in decks for c in d.cards], scope=scope)

    # --- start-up -----------------------------------------------------------------------

    def resync(self) -> int:
        """Make the index and the registry agree with the files: shipped decks, then every
        server's uploads (leftovers of interrupted uploads cleaned). Returns cards indexed."""
        total = sum(len(d.cards) for d in self.ingest().decks)
        for scope in self.uploads.scopes():
            self.uploads.clean(scope)
            decks = self._parse_uploads(scope)
            for deck in decks:
                self.media.save(deck.media)
            self.index.sync([c for d in decks for c in d.cards], scope=scope)
            total += sum(len(d.cards) for d in decks)
            stored = {u.name: u for u in self.uploads.entries(scope)}
            counts = {d.name: len(d.cards) for d in decks}
            rows = {r.name: r for r in self.registry.list_decks(scope)}
            for name in rows.keys() - stored.keys():
                self.registry.remove_deck(scope, name)
            for name, upload in stored.items():
                row = rows.get(name)
                if row is None or row.cards != counts.get(name, 0):
                    when = row.added_at if row else datetime.fromtimestamp(upload.mtime, UTC)
                    self.registry.add_deck(
                        scope=scope,
                        name=name,
                        path=upload.path,
                        cards=counts.get(name, 0),
                        now=when,
                    )
        return total

    # --- export -------------------------------------------------------------------------

    def export(self, scopes: Sequence[str], deck: str, out: Path) -> int:
        """Write a deck (and its `deck::…` subdecks) visible from `scopes` as an .apkg."""
        from bot.core.decks.export import write_package

        cards = [
            c
            for c in self.index.cards(list(scopes))
            if c.deck == deck or c.deck.startswith(deck + "::")
        ]
        if not cards:
            raise InputError(f"There is no deck named “{deck}” here.")
        return write_package(cards, out)


def load_decks(
    paths: Sequence[Path], knowledge_dir: Path, *, scope: str = GLOBAL_SCOPE
) -> list[ParsedDeck]:
    """Parse the deck files under `paths`, each named by its identity: below the folder it
    was found in, or (a file named on its own) below the knowledge folder or the cwd."""
    decks = []
    for root in paths:
        for path in discover_deck_files([root]):
            if root.is_dir():
                base = root
            else:
                base = knowledge_dir if _is_below(path, knowledge_dir) else Path.cwd()
            decks.append(load_deck_file(path, scope=scope, deck=deck_identity(path, base)))
    return decks


def _is_below(path: Path, root: Path) -> bool:
    try:
        Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        return False
    return True


def _unique_name(wanted: str, filename: str, entries: Sequence[StoredUpload]) -> tuple[str, bool]:
    """(the deck name for this upload, whether it replaces an earlier upload)."""
    taken = {u.name.casefold(): u for u in entries}
    same = taken.get(wanted.casefold())
    if same is None:
        return wanted, False
    if same.filename.casefold() == filename.casefold():
        return same.name, True
    for n in range(2, 1000):
        candidate = f"{wanted} ({n})"
        other = taken.get(candidate.casefold())
        if other is None:
            return candidate, False
        if other.filename.casefold() == filename.casefold():
            return other.name, True
    raise InputError(f"This server has too many decks named “{wanted}”.")
