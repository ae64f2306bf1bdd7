"""Anki packages: `.apkg` (decks) and `.colpkg` (a whole collection), read without Anki.

A package is a zip holding the collection as SQLite: `collection.anki21b` (current Anki,
zstd-compressed, schema 18 with note types in their own tables), else `collection.anki21` or
`collection.anki2` (legacy, note types and decks as JSON in the `col` table). Media files are
zip members named `0`, `1`, …; a `media` member maps them to file names (JSON in legacy
packages, a zstd-compressed protobuf `MediaEntries` list in current ones, where the member
is zstd-compressed too).

Each card of the package becomes a flashcard: a cloze note one card per deletion number, other
notes by their card templates (the first field the front shows, the first new field the back
shows), falling back to their first two fields. Fields are HTML turned into text; images are
kept (`Card.media`, bytes in `ParsedDeck.media`); tags become `Card.tags`; a card's deck is its
Anki deck's full path (`Parent::Child`).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from bot.core.decks import protobuf
from bot.core.decks.cloze import has_cloze
from bot.core.decks.html_text import html_to_text
from bot.core.decks.model import DeckBuilder, ParsedDeck, failed
from bot.core.limits import MAX_COLLECTION_BYTES, MAX_IMAGE_BYTES, MAX_PACKAGE_BYTES

PACKAGE_SUFFIXES = frozenset({".apkg", ".colpkg"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})
_COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_FIELD_REF = re.compile(r"\{\{([^#^/{}][^{}]*)\}\}")
_SPECIAL = frozenset({"FrontSide", "Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag"})
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class PackageError(ValueError):
    """Why a file is not a readable Anki package."""


@dataclass(slots=True)
class _NoteType:
    name: str
    cloze: bool
    fields: list[str]
    templates: dict[int, tuple[str, str]] = field(default_factory=dict)  # ord -> (front, back)


def read_package(
    data: bytes, *, name: str, source: str, scope: str, default_deck: str | None = None
) -> ParsedDeck:
    """Every card of an Anki package; never raises for bad content."""
    if len(data) > MAX_PACKAGE_BYTES:
        return failed(
            name,
            source,
            scope,
            1,
            f"package too large ({len(data):,} bytes, max {MAX_PACKAGE_BYTES:,})",
        )
    out = DeckBuilder(deck=name, source=source, scope=scope, bad_lines={})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            db = _open_collection(archive)
            try:
                _read_notes(db, out, default_deck or name)
            finally:
                db.close()
            _read_media(archive, out)
    except (PackageError, zipfile.BadZipFile, sqlite3.DatabaseError, protobuf.ProtobufError) as exc:
        reason = (
            str(exc) if isinstance(exc, PackageError) else f"not a readable Anki package ({exc})"
        )
        return failed(name, source, scope, 1, reason)
    if not out.deck.cards and not out.deck.issues:
        out.issue(1, "no cards found (the package has no notes)")
    return out.deck


def _member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """One zip member, decompressed (zstd too) and at most `limit` bytes."""
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise PackageError(f"the package has no {name!r}") from exc
    if info.file_size > limit:
        raise PackageError(f"{name!r} is too large ({info.file_size:,} bytes, max {limit:,})")
    raw = archive.read(info)
    if not raw.startswith(_ZSTD_MAGIC):
        return raw
    import zstandard

    try:
        with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)) as reader:
            out = reader.read(limit + 1)
    except zstandard.ZstdError as exc:
        raise PackageError(f"{name!r} is not valid zstd data ({exc})") from exc
    if len(out) > limit:
        raise PackageError(f"{name!r} unpacks to more than {limit:,} bytes")
    return out


def _open_collection(archive: zipfile.ZipFile) -> sqlite3.Connection:
    names = set(archive.namelist())
    member = next((n for n in _COLLECTIONS if n in names), None)
    if member is None:
        raise PackageError("not an Anki package: it has no collection.anki21b/anki21/anki2")
    image = bytearray(_member(archive, member, MAX_COLLECTION_BYTES))
    if not image.startswith(b"SQLite format 3\x00"):
        raise PackageError(f"not an Anki package: {member!r} is not an SQLite database")
    # A WAL-mode header (bytes 18-19 = 2) cannot be opened from memory; the rollback journal
    # mode reads the same pages.
    image[18:20] = b"\x01\x01"
    db = sqlite3.connect(":memory:")
    db.deserialize(bytes(image))
    return db


def _deck_names(db: sqlite3.Connection) -> dict[int, str]:
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "decks" in tables:  # schema 18: one row per deck, the path separated by \x1f
        return {
            int(i): str(n).replace("\x1f", "::")
            for i, n in db.execute("SELECT id, name FROM decks")
        }
    row = db.execute("SELECT decks FROM col").fetchone()
    decks = json.loads(row[0]) if row and row[0] else {}
    return {int(k): str(v.get("name", "")) for k, v in decks.items()}


def _note_types(db: sqlite3.Connection) -> dict[int, _NoteType]:
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    types: dict[int, _NoteType] = {}
    if "notetypes" in tables:
        for ntid, name, config in db.execute("SELECT id, name, config FROM notetypes"):
            kind = protobuf.first_int(protobuf.decode(bytes(config or b"")), 1)
            types[int(ntid)] = _NoteType(str(name), kind == 1, [])
        for ntid, _, fname in db.execute("SELECT ntid, ord, name FROM fields ORDER BY ntid, ord"):
            if int(ntid) in types:
                types[int(ntid)].fields.append(str(fname))
        for ntid, ord_, config in db.execute("SELECT ntid, ord, config FROM templates"):
            if int(ntid) in types:
                cfg = protobuf.decode(bytes(config or b""))
                front, back = protobuf.first_text(cfg, 1), protobuf.first_text(cfg, 2)
                types[int(ntid)].templates[int(ord_)] = (front, back)
        return types
    row = db.execute("SELECT models FROM col").fetchone()
    models = json.loads(row[0]) if row and row[0] else {}
    for mid, model in models.items():
        nt = _NoteType(
            str(model.get("name", "")),
            int(model.get("type", 0)) == 1,
            [
                str(f.get("name", ""))
                for f in sorted(model.get("flds", []), key=lambda f: f.get("ord", 0))
            ],
        )
        for t in model.get("tmpls", []):
            nt.templates[int(t.get("ord", 0))] = (str(t.get("qfmt", "")), str(t.get("afmt", "")))
        types[int(mid)] = nt
    return types


def _refs(template: str, fields: list[str]) -> list[str]:
    """Fields a card template shows, in order (`{{type:Back}}` shows Back)."""
    found = []
    for m in _FIELD_REF.finditer(template):
        ref = m.group(1).strip().split(":")[-1].strip()
        if ref in fields and ref not in _SPECIAL and ref not in found:
            found.append(ref)
    return found


def _sides(nt: _NoteType, ord_: int) -> tuple[int, int]:
    """The field indexes a card shows as its question and its answer."""
    front, back = nt.templates.get(ord_, ("", ""))
    asked = _refs(front, nt.fields)
    told = [f for f in _refs(back, nt.fields) if f not in asked]
    if asked and told:
        return nt.fields.index(asked[0]), nt.fields.index(told[0])
    return 0, 1


def _cards_of_notes(db: sqlite3.Connection) -> dict[int, list[tuple[int, int]]]:
    """note id -> [(card ordinal, deck id)] in ordinal order."""
    cards: dict[int, list[tuple[int, int]]] = {}
    for nid, did, ord_ in db.execute("SELECT nid, did, ord FROM cards ORDER BY nid, ord"):
        cards.setdefault(int(nid), []).append((int(ord_), int(did)))
    return cards


def _notes(db: sqlite3.Connection) -> Iterator[tuple[int, int, str, str]]:
    yield from db.execute("SELECT id, mid, tags, flds FROM notes ORDER BY id")


def _read_notes(db: sqlite3.Connection, out: DeckBuilder, default_deck: str) -> None:
    decks, types, cards = _deck_names(db), _note_types(db), _cards_of_notes(db)
    for number, (nid, mid, tags_text, flds) in enumerate(_notes(db), start=1):
        nt = types.get(int(mid))
        if nt is None:
            out.skip_question(number, f"note {number} has an unknown note type")
            continue
        raw_fields = str(flds).split("\x1f")
        tags = tuple(t for t in str(tags_text or "").split() if t)
        its_cards = cards.get(int(nid)) or [(0, 1)]
        deck = decks.get(its_cards[0][1], "") or "Default"
        if deck == "Default":
            deck = default_deck
        texts: list[tuple[str, list[str]]] = [html_to_text(f) for f in raw_fields]
        if any("image-occlusion:" in f for f in raw_fields):
            out.skip_question(number, f"note {number}: image occlusion notes are not supported")
            continue
        if nt.cloze or has_cloze(raw_fields[0]):
            text, images = texts[0]
            extra = "\n\n".join(t for t, _ in texts[1:] if t)
            media = tuple(dict.fromkeys(images + [i for _, imgs in texts[1:] for i in imgs]))
            out.card(number, text, extra, deck=deck, tags=tags, media=media)
            continue
        for ord_, _ in its_cards:
            q, a = _sides(nt, ord_)
            if max(q, a) >= len(texts):
                out.skip_question(number, f"note {number} has fewer than two fields")
                break
            (question, q_images), (answer, a_images) = texts[q], texts[a]
            others = [t for k, (t, _) in enumerate(texts) if k not in (q, a) and t]
            out.card(
                number,
                question or ("(image)" if q_images else ""),
                answer or ("(image)" if a_images else ""),
                background="\n\n".join(others),
                deck=deck,
                tags=tags,
                media=tuple(dict.fromkeys(q_images + a_images)),
            )


def _media_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """File name -> zip member of every media file in the package."""
    if "media" not in archive.namelist():
        return {}
    raw = _member(archive, "media", 64 * 1024 * 1024)
    if raw.lstrip().startswith(b"{"):
        legacy = json.loads(raw.decode("utf-8"))
        return {str(v): str(k) for k, v in legacy.items()}
    names: dict[str, str] = {}
    for index, entry in enumerate(protobuf.decode(raw).get(1, [])):
        if not isinstance(entry, bytes):
            continue
        fields = protobuf.decode(entry)
        zip_name = protobuf.first_int(fields, 255, index) if 255 in fields else index
        names[protobuf.first_text(fields, 1)] = str(zip_name)
    return names


def media_key(name: str, data: bytes) -> str:
    """The name an image is stored under: its content hash and its suffix, so the same image
    is stored once and a name can never leave the media folder."""
    suffix = PurePosixPath(name).suffix.lower()
    return hashlib.sha256(data).hexdigest()[:24] + (suffix if suffix in IMAGE_SUFFIXES else "")


def _read_media(archive: zipfile.ZipFile, out: DeckBuilder) -> None:
    """Read the images the cards show; cards name them by `media_key` from here on."""
    wanted = dict.fromkeys(m for c in out.deck.cards for m in c.media)
    if not wanted:
        return
    members = _media_names(archive)
    present = set(archive.namelist())
    keys: dict[str, str] = {}
    for name in wanted:
        if PurePosixPath(name).suffix.lower() not in IMAGE_SUFFIXES:
            continue
        member = members.get(name)
        if member is None or member not in present:
            out.warn(1, f"image {name!r} is not in the package; its cards show no image")
            continue
        try:
            data = _member(archive, member, MAX_IMAGE_BYTES)
        except PackageError as exc:
            out.warn(1, f"image {name!r} left out: {exc}")
            continue
        keys[name] = media_key(name, data)
        out.deck.media[keys[name]] = data
    out.deck.cards = [
        replace(c, media=tuple(keys[m] for m in c.media if m in keys)) if c.media else c
        for c in out.deck.cards
    ]
