"""Card images on disk: one file per image under the media folder, named by its content hash
(`bot.core.decks.anki.media_key`), so the same image is stored once, a file never changes
once written, and no name from a deck can reach outside the folder."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

_NAME = re.compile(r"[0-9a-f]{24}(?:\.(?:png|jpe?g|gif|webp))?")


class MediaFiles:
    """The `MediaStore` port on a local folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path | None:
        return self.root / name[:2] / name if _NAME.fullmatch(name) else None

    def save(self, media: Mapping[str, bytes]) -> None:
        """Write each image not stored yet (atomically: a temporary file, then a rename)."""
        for name, data in media.items():
            path = self._path(name)
            if path is None or path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)

    def read(self, name: str) -> bytes | None:
        """One stored image, or None."""
        path = self._path(name)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None
