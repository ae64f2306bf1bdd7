"""Vector search at scale: Chroma (as the card index queries it) against brute-force NumPy.

Embedding 100,000 cards would take hours on this machine, so the vectors are made from real
embeddings of card texts: random blends of two of them plus a little noise, normalised. That
keeps the clustered shape of real embeddings (random isotropic vectors would be an unfair
worst case for HNSW). Both sides search the very same vectors; recall@10 of Chroma's
approximate search against the exact answer is reported beside the latency.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bot.bench.stats import ms, percentile, ratio, timed
from bot.infra.embedder import Embedder

_FETCH = 40  # what CardIndex.search asks Chroma for when k=5: max(32, 8 * k)


def blended_vectors(base: np.ndarray, n: int, *, seed: int = 11) -> np.ndarray:
    """`n` unit vectors, each a random blend of two rows of `base` plus small noise."""
    rng = np.random.default_rng(seed)
    a = base[rng.integers(0, len(base), n)]
    b = base[rng.integers(0, len(base), n)]
    w = rng.uniform(0.5, 1.0, (n, 1)).astype(np.float32)
    v = w * a + (1 - w) * b + rng.normal(0, 0.04, (n, base.shape[1])).astype(np.float32)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def bench_scale(
    embedder: Embedder,
    texts: list[str],
    queries: list[str],
    workdir: Path,
    *,
    n: int = 100_000,
    repeats: int = 4,
) -> dict[str, Any]:
    """p50 of a top-40 Chroma query over `n` vectors vs exact NumPy top-40 (same vectors).

    `search_scale_scoped_p50_ms` is the same query with the scope filter CardIndex adds when
    some indexed scopes are not visible (a server's own decks beside others').
    """
    import chromadb

    base = embedder.embed(texts, batch_size=64)
    vectors = blended_vectors(base, n)
    client = chromadb.PersistentClient(
        path=str(workdir / "chroma-scale"), settings=chromadb.Settings(anonymized_telemetry=False)
    )
    collection = client.get_or_create_collection(
        "scale", metadata={"hnsw:space": "cosine"}, embedding_function=None
    )

    def fill() -> None:
        step = 5000
        for start in range(0, n, step):
            stop = min(n, start + step)
            collection.add(
                ids=[f"v{i}" for i in range(start, stop)],
                embeddings=vectors[start:stop],
                metadatas=[
                    {"card_id": f"v{i}", "scope": "", "deck": f"d{i % 50}", "kind": "chunk"}
                    for i in range(start, stop)
                ],
            )

    _, fill_s = timed(fill)
    qvecs = embedder.embed(queries)
    scoped: Any = {"scope": {"$in": [""]}}

    def chroma(q: np.ndarray, where: Any = None) -> list[str]:
        # As CardIndex asks: no filter when every indexed scope is visible (the usual case).
        got = collection.query(
            query_embeddings=[q.tolist()],
            n_results=_FETCH,
            where=where,
            include=["metadatas", "distances"],
        )
        return list(got["ids"][0])

    def numpy(q: np.ndarray) -> list[int]:
        sims = vectors @ q
        top = np.argpartition(-sims, _FETCH)[:_FETCH]
        return top[np.argsort(-sims[top])].tolist()

    for q in qvecs[:3]:
        chroma(q)
        numpy(q)
    ours: list[float] = []
    filtered: list[float] = []
    brute: list[float] = []
    recalls: list[float] = []
    for r in range(repeats):
        for i, q in enumerate(qvecs):
            if (i + r) % 2:
                got, t_ours = timed(chroma, q)
                exact, t_np = timed(numpy, q)
            else:
                exact, t_np = timed(numpy, q)
                got, t_ours = timed(chroma, q)
            filtered.append(timed(chroma, q, scoped)[1])
            ours.append(t_ours)
            brute.append(t_np)
            truth = {f"v{j}" for j in exact[:10]}
            recalls.append(len(truth & set(got[:10])) / 10)
    p50, np50 = percentile(ours, 50), percentile(brute, 50)
    return {
        "search_scale_vectors": n,
        "search_scale_fill_s": round(fill_s, 1),
        "search_scale_p50_ms": ms(p50),
        "search_scale_p99_ms": ms(percentile(ours, 99)),
        "search_scale_numpy_p50_ms": ms(np50),
        "search_scale_scoped_p50_ms": ms(percentile(filtered, 50)),
        "search_scale_recall_at_10": round(float(np.mean(recalls)), 3),
        "search_100k_vs_numpy": ratio(p50, np50),
    }
