"""Embedders for measuring the index without (only) the model: a stand-in and a counter.

`StandInEmbedder` gives each text a pseudo-random unit vector derived from the text (the
same text, the same vector). With it the ingest group times what the index itself does —
reading hashes, writing Chroma, building its HNSW graph, loading the catalogue — at sizes
where the real model would take hours on this machine (100,000 cards are about 900,000
texts). Its figures say nothing about embedding speed, and the bench says so wherever it
uses it. `CountingEmbedder` counts what a wrapped embedder is asked to embed, so a figure for
an "unchanged" re-sync can show that nothing was embedded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from bot.core.ports import Embedder, Vectors

STAND_IN = "standin"
"""The stand-in's name (its own Chroma collections: it never mixes with a real model's)."""


class StandInEmbedder:
    """Deterministic random unit vectors in the real model's dimension; no model."""

    name = STAND_IN
    dim = 384

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        """One unit vector per text, seeded by the text's hash."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
            row = np.random.default_rng(seed).standard_normal(self.dim, dtype=np.float32)
            out[i] = row / np.linalg.norm(row)
        return out


class CountingEmbedder:
    """Wraps an embedder and counts the texts it embeds."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.texts = 0

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        """Embed with the wrapped embedder, counting."""
        self.texts += len(texts)
        return self.inner.embed(texts, batch_size=batch_size)
