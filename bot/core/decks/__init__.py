"""Decks: the card formats flashtutor reads, one module each, and what reading them yields.

- `seed`: the seed markdown format (`####` title, `:p` question, `??x` … `x??` answer),
  read leniently the way real files are written;
- `tables`: CSV/TSV and Anki's plain-text export;
- `anki`: Anki packages (`.apkg`/`.colpkg`, legacy and `anki21b`);
- `cloze`: cloze deletions, in any format;
- `model`: `ParsedDeck`, `ParseIssue` and the builder that validates cards;
- `hygiene` and `html_text`: text cleaning, byte decoding, HTML to text;
- `files`: formats by file name, reading files and uploads, finding deck files.
"""

from bot.core.decks.files import (
    DECK_SUFFIXES,
    TEXT_SUFFIXES,
    deck_name,
    discover_deck_files,
    format_for,
    load_deck_file,
    max_bytes_for,
    parse_deck_bytes,
    parse_deck_text,
)
from bot.core.decks.html_text import html_to_text, strip_html
from bot.core.decks.hygiene import clean_text
from bot.core.decks.model import MAX_DECK_BYTES, ParsedDeck, ParseIssue

__all__ = [
    "DECK_SUFFIXES",
    "MAX_DECK_BYTES",
    "TEXT_SUFFIXES",
    "ParseIssue",
    "ParsedDeck",
    "clean_text",
    "deck_name",
    "discover_deck_files",
    "format_for",
    "html_to_text",
    "load_deck_file",
    "max_bytes_for",
    "parse_deck_bytes",
    "parse_deck_text",
    "strip_html",
]
