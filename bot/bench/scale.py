"""Vector search at scale: Chroma (as the card index queries it) against brute-force NumPy.

Embedding 100,000 cards would take hours on this machine, so the vectors are made from real
embeddings of card texts: random blends of two of them plus a little noise, normalised. That
keeps the clustered shape of real embeddings (random isotropic vectors would be an unfair
worst case for HNSW). Both sides search the very same vectors; recall@10 of Chroma's
approximate search against the exact answer is reported beside the latency.

Two cases, as `CardIndex` lays the index out (a Chroma collection per scope):
- global: the shipped decks' collection alone (a server without decks of its own);
- scoped: a server with its own decks, whose search asks its own collection and the global
  one, each unfiltered, and keeps the nearest of both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bot.bench.stats import ms, percentile, ratio, timed
from bot.core.cards import GLOBAL_SCOPE
from bot.infra.embedder import Embedder
from bot.infra.index_collections import collection_name

_FETCH = 40  # what CardIndex.search asks Chroma for when k=5: max(32, 8 * k)
_SERVER = "100000000000000001"  # a Discord server id
_SERVER_SHARE = 20  # the server's own decks: one vector for every 20 global ones


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

    `search_scale_scoped_p50_ms` is a server's search: its own collection (n/20 vectors)
    and the global one queried in turn and merged, against exact NumPy over both.
    """
    import chromadb

    base = embedder.embed(texts, batch_size=64)
    vectors = blended_vectors(base, n)
    own = blended_vectors(base, max(1, n // _SERVER_SHARE), seed=12)
    client = chromadb.PersistentClient(
        path=str(workdir / "chroma-scale"), settings=chromadb.Settings(anonymized_telemetry=False)
    )

    def fill(scope: str, prefix: str, vecs: np.ndarray) -> Any:
        collection = client.get_or_create_collection(
            collection_name("scale", scope),
            metadata={"hnsw:space": "cosine"},
            embedding_function=None,
        )
        step = 5000
        for start in range(0, len(vecs), step):
            stop = min(len(vecs), start + step)
            collection.add(
                ids=[f"{prefix}{i}" for i in range(start, stop)],
                embeddings=vecs[start:stop],
                metadatas=[
                    {
                        "card_id": f"{prefix}{i}",
                        "scope": scope,
                        "deck": f"d{i % 50}",
                        "kind": "chunk",
                    }
                    for i in range(start, stop)
                ],
            )
        return collection

    (shared, server), fill_s = timed(
        lambda: (fill(GLOBAL_SCOPE, "v", vectors), fill(_SERVER, "s", own))
    )
    qvecs = embedder.embed(queries)
    both = np.concatenate([vectors, own])
    both_ids = [f"v{i}" for i in range(len(vectors))] + [f"s{i}" for i in range(len(own))]

    def query(collection: Any, q: np.ndarray) -> list[tuple[float, str]]:
        got = collection.query(
            query_embeddings=[q.tolist()],
            n_results=_FETCH,
            include=["metadatas", "distances"],
        )
        return list(zip(got["distances"][0], got["ids"][0], strict=True))

    def chroma(q: np.ndarray) -> list[str]:
        return [i for _, i in query(shared, q)]

    def chroma_scoped(q: np.ndarray) -> list[str]:
        # As CardIndex asks: each visible scope's collection unfiltered, nearest of all kept.
        hits = sorted(query(shared, q) + query(server, q))[:_FETCH]
        return [i for _, i in hits]

    def top(matrix: np.ndarray, q: np.ndarray) -> list[int]:
        sims = matrix @ q
        best = np.argpartition(-sims, _FETCH)[:_FETCH]
        return best[np.argsort(-sims[best])].tolist()

    def numpy(q: np.ndarray) -> list[str]:
        return [f"v{j}" for j in top(vectors, q)]

    def numpy_scoped(q: np.ndarray) -> list[str]:
        return [both_ids[j] for j in top(both, q)]

    for q in qvecs[:3]:
        chroma(q)
        chroma_scoped(q)
        numpy(q)
        numpy_scoped(q)
    samples: dict[str, list[float]] = {"ours": [], "brute": [], "scoped": [], "scoped_brute": []}
    recalls: dict[str, list[float]] = {"ours": [], "scoped": []}
    pairs = (
        ("ours", chroma, "brute", numpy),
        ("scoped", chroma_scoped, "scoped_brute", numpy_scoped),
    )
    for r in range(repeats):
        for i, q in enumerate(qvecs):
            for ours, fn_ours, brute, fn_brute in pairs:
                if (i + r) % 2:  # alternate which side goes first
                    got, t_ours = timed(fn_ours, q)
                    exact, t_brute = timed(fn_brute, q)
                else:
                    exact, t_brute = timed(fn_brute, q)
                    got, t_ours = timed(fn_ours, q)
                samples[ours].append(t_ours)
                samples[brute].append(t_brute)
                recalls[ours].append(len(set(exact[:10]) & set(got[:10])) / 10)
    p50, np50 = percentile(samples["ours"], 50), percentile(samples["brute"], 50)
    scoped50, scoped_np50 = (percentile(samples[k], 50) for k in ("scoped", "scoped_brute"))
    return {
        "search_scale_vectors": n,
        "search_scale_server_vectors": len(own),
        "search_scale_fill_s": round(fill_s, 1),
        "search_scale_p50_ms": ms(p50),
        "search_scale_p99_ms": ms(percentile(samples["ours"], 99)),
        "search_scale_numpy_p50_ms": ms(np50),
        "search_scale_recall_at_10": round(float(np.mean(recalls["ours"])), 3),
        "search_100k_vs_numpy": ratio(p50, np50),
        "search_scale_scoped_p50_ms": ms(scoped50),
        "search_scale_scoped_numpy_p50_ms": ms(scoped_np50),
        "search_scale_scoped_recall_at_10": round(float(np.mean(recalls["scoped"])), 3),
        "search_scale_scoped_vs_numpy": ratio(scoped50, scoped_np50),
    }
