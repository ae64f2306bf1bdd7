"""Text hygiene shared by every deck format: clean text, and bytes decoded so that one bad byte
costs only the card it is in.

`decode_deck` never refuses a text file for a few bad bytes: each invalid UTF-8 sequence or NUL
byte becomes U+FFFD and its line is remembered with a reason, so the parser can skip exactly
the cards on those lines. Only files that are binary as a whole (a known binary signature, or
NUL bytes everywhere) are refused.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass, field

_NEWLINES = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\x85": "\n"})
# Invisible characters that only hide or reorder text (zero-width space, BOM, word joiner, soft
# hyphen, bidi embeddings/overrides/isolates). ZWJ/ZWNJ stay: emoji and several scripts need them.
_INVISIBLE = [0x200B, 0xFEFF, 0x2060, 0x00AD, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_DROP = dict.fromkeys(
    [c for c in range(0x20) if c not in (0x09, 0x0A)] + list(range(0x7F, 0xA0)) + _INVISIBLE
)
REPLACEMENT = "\ufffd"

# Signatures of files that are never text decks (images, archives, documents, executables).
_BINARY_MAGIC = (
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"%PDF",
    b"\x7fELF",
    b"SQLite format 3\x00",
    b"\x1f\x8b",
    b"\x28\xb5\x2f\xfd",
)
# A text file with a stray NUL has one or two; a binary one has NULs and other control bytes
# everywhere.
_BINARY_NUL_SHARE = 0.01
_BINARY_NUL_MIN = 2
_BINARY_CONTROLS = [*range(0x01, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)]


def clean_text(text: str) -> str:
    """Normalise line ends and NFC, drop control and invisible characters; keep tabs/newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_NEWLINES)
    return unicodedata.normalize("NFC", text.translate(_DROP))


@dataclass(slots=True)
class Decoded:
    """Deck text, with the 1-based lines that held undecodable bytes and why."""

    text: str
    bad_lines: dict[int, str] = field(default_factory=dict)


def line_of(data: bytes, offset: int) -> int:
    """The 1-based line of a byte offset."""
    return data.count(b"\n", 0, offset) + 1


def decode_deck(data: bytes) -> Decoded | tuple[int, str]:
    """Bytes to text with bad bytes marked, or (line, reason) when this is not a text file."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16"))
        except UnicodeDecodeError as exc:
            return 1, f"not valid UTF-16 text ({exc.reason} at byte offset {exc.start})"
    nuls = data.count(b"\x00")
    controls = nuls + sum(data.count(bytes([c])) for c in _BINARY_CONTROLS)
    if data.startswith(_BINARY_MAGIC) or (
        controls >= _BINARY_NUL_MIN and controls > _BINARY_NUL_SHARE * len(data)
    ):
        first = data.find(b"\x00")
        where = f"NUL byte at offset {first}" if first >= 0 else "a binary file signature"
        return line_of(data, max(first, 0)), f"binary file ({where}), not a text deck"
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    bad: dict[int, str] = {}
    pieces: list[str] = []
    pos = bom
    while True:
        try:
            pieces.append(data[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            start, end = pos + exc.start, pos + exc.end
            pieces.append(data[pos:start].decode("utf-8") + REPLACEMENT)
            bad.setdefault(
                line_of(data, start),
                f"not UTF-8 text: invalid byte 0x{data[start]:02x} at offset {start}"
                " (save the deck as UTF-8)",
            )
            pos = end
    text = "".join(pieces)
    if nuls:
        offset = -1
        for _ in range(nuls):
            offset = data.find(b"\x00", offset + 1)
            bad.setdefault(line_of(data, offset), f"NUL byte at offset {offset}")
        text = text.replace("\x00", REPLACEMENT)
    return Decoded(text, bad)
