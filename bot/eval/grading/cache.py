"""An embedding cache on disk, so repeated evaluations embed each text once."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.core.ports import Embedder


class CachedEmbedder:
    """Wraps an embedder with a pickle file of vectors, so repeated evaluations are quick."""

    def __init__(self, inner: Embedder, path: Path | None) -> None:
        self.name = inner.name
        self.dim = inner.dim
        self._inner = inner
        self._path = path
        self._vectors: dict[str, np.ndarray] = {}
        if path is not None and path.is_file():
            with path.open("rb") as handle:
                self._vectors = pickle.load(handle)  # our own cache file, written below
        self._dirty = False

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed `texts`, computing only the ones not cached yet."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for text, vector in zip(missing, self._inner.embed(missing, batch_size), strict=True):
                self._vectors[text] = vector
            self._dirty = True
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts]).astype(np.float32)

    def save(self) -> None:
        """Write the cache file (atomically) if anything new was embedded."""
        if self._path is None or not self._dirty:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(self._vectors, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(self._path)
        self._dirty = False
