"""Uploaded deck files on disk, one folder per server: the truth of what a server uploaded.

A deck `name` (any script, as the person chose it) is stored as `<id><suffix>` beside
`<id>.deck.json` (`{"name", "filename"}`); `<id>` is the name itself when it is already a safe
file name (as every upload before names were kept was), else a safe slug plus a hash of the
name. Writing the deck file (a temporary file, fsync, rename) is the commit: a meta file
without its deck file is a leftover of an interrupted upload and is cleaned away; removing the
deck file removes the deck. A deck file without a meta file is named by its stem.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from bot.core.records import StoredUpload

_SAFE = re.compile(r"[A-Za-z0-9._-]{1,80}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_META = ".deck.json"


def upload_id(name: str) -> str:
    """The file-name stem a deck name is stored under."""
    if _SAFE.fullmatch(name) and not name.startswith("."):
        return name
    slug = _UNSAFE.sub("_", name).strip("._-")[:60] or "deck"
    return f"{slug}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:10]}"


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class UploadFiles:
    """The `UploadShelf` port on `uploads_dir/<scope>/`."""

    def __init__(self, root: Path, suffixes: frozenset[str]) -> None:
        self.root = root
        self.suffixes = suffixes

    def _folder(self, scope: str) -> Path:
        if not scope.isdigit():
            raise ValueError(f"not a server scope: {scope!r}")
        return self.root / scope

    def scopes(self) -> list[str]:
        """Servers with an uploads folder."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and p.name.isdigit())

    def entries(self, scope: str) -> list[StoredUpload]:
        """Every committed upload of a server, by name."""
        folder = self._folder(scope)
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or path.suffix.lower() not in self.suffixes:
                continue
            if not path.is_file():
                continue
            name, filename = path.stem, path.name
            meta = path.with_name(path.stem + _META)
            try:
                data = json.loads(meta.read_text(encoding="utf-8"))
                name, filename = str(data["name"]), str(data["filename"])
            except (OSError, ValueError, KeyError, TypeError):
                pass  # an upload from before names were kept: named by its file
            stat = path.stat()
            found.append(StoredUpload(name, filename, str(path), stat.st_size, stat.st_mtime))
        return sorted(found, key=lambda u: u.name.casefold())

    def read(self, upload: StoredUpload) -> bytes:
        """The bytes of an upload."""
        return Path(upload.path).read_bytes()

    def save(self, scope: str, name: str, filename: str, data: bytes) -> StoredUpload:
        """Store (or replace) the upload called `name`; the deck file's rename commits it."""
        folder = self._folder(scope)
        folder.mkdir(parents=True, exist_ok=True)
        stem = upload_id(name)
        suffix = Path(filename).suffix.lower()
        target = folder / f"{stem}{suffix}"
        meta = {"name": name, "filename": filename}
        _write(folder / f"{stem}{_META}", json.dumps(meta, ensure_ascii=False).encode("utf-8"))
        _write(target, data)
        for other in folder.glob(f"{stem}.*"):  # an older upload of this name, other suffix
            if other != target and other.suffix.lower() in self.suffixes:
                other.unlink(missing_ok=True)
        stat = target.stat()
        return StoredUpload(name, filename, str(target), stat.st_size, stat.st_mtime)

    def remove(self, scope: str, name: str) -> bool:
        """Remove the upload called `name` (its deck file first: that is the commit)."""
        for upload in self.entries(scope):
            if upload.name == name:
                path = Path(upload.path)
                path.unlink(missing_ok=True)
                path.with_name(path.stem + _META).unlink(missing_ok=True)
                return True
        return False

    def clean(self, scope: str) -> None:
        """Drop what interrupted uploads left: temporary files, meta files without a deck."""
        folder = self._folder(scope)
        if not folder.is_dir():
            return
        decks = {p.stem for p in folder.iterdir() if p.suffix.lower() in self.suffixes}
        for path in folder.iterdir():
            temporary = path.name.startswith(".") and path.name.endswith(".tmp")
            orphan = path.name.endswith(_META) and path.name[: -len(_META)] not in decks
            if temporary or orphan:
                path.unlink(missing_ok=True)
