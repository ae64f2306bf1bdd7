"""Deck files: which formats there are, reading a file or uploaded bytes, finding deck files.

Reading never raises for bad content. Every problem becomes a `ParseIssue` (`path:line:
reason`); a malformed card is skipped and the rest of the deck still loads, while a file that
cannot be read as a deck at all (binary, too large, empty) yields one issue and no cards.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

from bot.core.cards import GLOBAL_SCOPE
from bot.core.decks.anki import read_package
from bot.core.decks.hygiene import Decoded, clean_text, decode_deck
from bot.core.decks.model import MAX_DECK_BYTES, DeckBuilder, ParsedDeck, failed
from bot.core.decks.seed import SeedParser
from bot.core.decks.tables import ANKI_HEADER, parse_table
from bot.core.limits import MAX_PACKAGE_BYTES

_FORMATS = {
    ".md": "md",
    ".markdown": "md",
    ".txt": "md",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".apkg": "anki",
    ".colpkg": "anki",
}
DECK_SUFFIXES: frozenset[str] = frozenset(_FORMATS)
"""File name suffixes (lower case) that `discover_deck_files` picks up."""
TEXT_SUFFIXES: frozenset[str] = frozenset(s for s, f in _FORMATS.items() if f != "anki")


def format_for(filename: str) -> str | None:
    """The format ("md", "csv", "tsv" or "anki") for a file name, or None if unsupported."""
    return _FORMATS.get(Path(filename).suffix.lower())


def max_bytes_for(filename: str) -> int:
    """The largest file of this kind that is read."""
    return MAX_PACKAGE_BYTES if format_for(filename) == "anki" else MAX_DECK_BYTES


def _too_large(size: int, limit: int = MAX_DECK_BYTES) -> str:
    return f"file too large ({size:,} bytes, max {limit:,})"


def parse_deck_text(
    text: str,
    *,
    deck: str,
    source: str,
    fmt: str,
    scope: str = GLOBAL_SCOPE,
    bad_lines: dict[int, str] | None = None,
) -> ParsedDeck:
    """Parse deck text in format `fmt` ("md", "csv" or "tsv"); never raises for bad content.

    `bad_lines` are lines that held undecodable bytes: the cards on them are skipped.
    """
    out = DeckBuilder(deck=deck, source=source, scope=scope, bad_lines=bad_lines or {})
    text = clean_text(text)
    if not deck.strip():
        out.issue(1, "empty deck name")
    elif len(text) > MAX_DECK_BYTES:
        out.issue(1, _too_large(len(text.encode("utf-8"))))
    elif not text.strip():
        out.issue(1, "empty file")
    elif fmt == "md" and ANKI_HEADER.match(text):
        # Anki's "Notes in Plain Text" export is saved as .txt: its header says it is a table.
        parse_table(text, "tsv", out)
    elif fmt == "md":
        out.deck.title = SeedParser(text, out).run() or out.deck.title
    elif fmt in ("csv", "tsv"):
        parse_table(text, fmt, out)
    else:
        out.issue(1, f"unknown deck format {fmt!r} (expected md, csv or tsv)")
    for line in out.unused_bad_lines():
        out.warn(line, f"{(bad_lines or {})[line]}; replaced (no card was on this line)")
    if not out.deck.cards and not out.deck.issues:
        hint = "':p' question and '??x' ... 'x??' answer" if fmt == "md" else "question,answer rows"
        out.issue(1, f"no cards found (expected {hint})")
    return out.deck


def parse_deck_bytes(
    data: bytes,
    *,
    filename: str,
    deck: str | None = None,
    scope: str = GLOBAL_SCOPE,
    source: str | None = None,
) -> ParsedDeck:
    """Parse an uploaded file's bytes; the format comes from `filename`'s extension."""
    base = re.split(r"[\\/]", filename)[-1]
    name = deck if deck is not None else deck_name(base)
    src = source if source is not None else base
    fmt = format_for(base)
    if fmt is None:
        return failed(name, src, scope, 1, _unsupported(base))
    limit = max_bytes_for(base)
    if len(data) > limit:
        return failed(name, src, scope, 1, _too_large(len(data), limit))
    if fmt == "anki":
        return read_package(data, name=name, source=src, scope=scope)
    text = decode_deck(data)
    if not isinstance(text, Decoded):
        return failed(name, src, scope, *text)
    return parse_deck_text(
        text.text, deck=name, source=src, fmt=fmt, scope=scope, bad_lines=text.bad_lines
    )


def load_deck_file(path: Path, *, scope: str = GLOBAL_SCOPE, deck: str | None = None) -> ParsedDeck:
    """Read and parse one deck file; unreadable files come back as a deck with one issue."""
    path = Path(path)
    source, name = str(path), deck if deck is not None else deck_name(path.name)
    if format_for(path.name) is None:
        return failed(name, source, scope, 1, _unsupported(path.name))
    limit = max_bytes_for(path.name)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return failed(name, source, scope, 1, "not a regular file")
        if info.st_size > limit:
            return failed(name, source, scope, 1, _too_large(info.st_size, limit))
        with path.open("rb") as fh:
            # One byte past the limit: a file that grew since stat() is still caught.
            data = fh.read(limit + 1)
    except OSError as exc:
        return failed(name, source, scope, 1, f"cannot read file: {exc.strerror or exc}")
    return parse_deck_bytes(data, filename=path.name, deck=name, scope=scope, source=source)


def discover_deck_files(paths: Sequence[Path]) -> list[Path]:
    """Deck files under `paths`: files as given, directories walked recursively and sorted.

    Inside directories only `DECK_SUFFIXES` files count; hidden files and folders and README
    files are skipped. Files named explicitly are kept whatever their suffix, so that
    `load_deck_file` reports why they cannot be used instead of dropping them silently.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for root in map(Path, paths):
        if root.is_dir():
            walked: list[Path] = []
            for here, dirs, files in os.walk(root):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                walked.extend(Path(here, f) for f in files if _is_deck_name(f))
            candidates = sorted(p for p in walked if p.is_file())
        else:
            candidates = [root]
        for path in candidates:
            key = Path(os.path.realpath(path))  # unlike resolve(), never raises on link loops
            if key not in seen:
                seen.add(key)
                found.append(path)
    return found


def deck_name(filename: str) -> str:
    """A deck's name from its file name: the stem, cleaned, on one line."""
    return " ".join(clean_text(Path(filename).stem).split())


def _is_deck_name(name: str) -> bool:
    return (
        not name.startswith(".")
        and not name.lower().startswith("readme")
        and Path(name).suffix.lower() in DECK_SUFFIXES
    )


def _unsupported(filename: str) -> str:
    suffix = Path(filename).suffix or "(none)"
    return f"unsupported deck file type {suffix!r} (use {', '.join(sorted(DECK_SUFFIXES))})"
