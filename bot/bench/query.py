"""Query latency: `CardIndex.search` (embed + hybrid search) against raw encode + raw Chroma.

The baseline is the least a search can do: encode the query with the raw
sentence-transformers model and ask Chroma for the top k. Ours does what the tutor does
(dense + chunk + BM25 fusion). Calls alternate one by one, so noise hits both sides alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.bench.stats import ms, percentile, ratio, timed
from bot.infra.index import CardIndex

QUERIES = (
    "why do we split text into tokens before feeding it to a model",
    "what does tokenizing mean",
    "breaking a sentence into smaller units",
    "how does a word get turned into a vector",
    "static versus contextual embeddings",
    "same word different meaning in different sentences",
    "why can't I swap the tokenizer of a pretrained model",
    "DeBERTa embeddings",
    "how to average token vectors into one sentence vector",
    "what is a text embedding",
    "how many numbers are in an embedding vector",
    "word2vec skip-gram negative sampling",
    "recommend songs with embeddings",
    "cosine similarity between two sentences",
    "what is the vocabulary of a tokenizer",
    "byte pair encoding",
    "how does the model know which word is similar",
    "embedding dimension",
    "sentence-transformers library",
    "contrastive training of embeddings",
    "named entity recognition with token embeddings",
    "what happens to unknown words",
    "positional information",
    "semantic search over documents",
)


def bench_query(
    index: CardIndex,
    chroma_path: Path,
    raw_model: Any,
    *,
    queries: Sequence[str] = QUERIES,
    repeats: int = 4,
    k: int = 5,
) -> dict[str, Any]:
    """Median and p99 latency of ours and of the baseline over QUERIES x `repeats`."""
    import chromadb

    client = chromadb.PersistentClient(
        path=str(chroma_path), settings=chromadb.Settings(anonymized_telemetry=False)
    )
    collection = client.get_collection(f"flashtutor-cards-{index.embedder.name}")

    def raw(query: str) -> None:
        vector = raw_model.encode(
            [query], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )[0]
        collection.query(
            query_embeddings=[vector.tolist()], n_results=k, include=["metadatas", "distances"]
        )

    for query in queries[:3]:  # warm caches (catalog, BM25, HNSW pages) on both sides
        index.search(query, k=k)
        raw(query)
    ours_s: list[float] = []
    raw_s: list[float] = []
    for r in range(repeats):
        for i, query in enumerate(queries):
            first, second = (ours_s, raw_s) if (i + r) % 2 else (raw_s, ours_s)
            for bucket in (first, second):
                if bucket is ours_s:
                    _, t = timed(index.search, query, k)
                else:
                    _, t = timed(raw, query)
                bucket.append(t)
    p50, raw_p50 = percentile(ours_s, 50), percentile(raw_s, 50)
    return {
        "query_cards": len(index.cards()),
        "query_samples": len(ours_s),
        "query_p50_ms": ms(p50),
        "query_p99_ms": ms(percentile(ours_s, 99)),
        "query_raw_p50_ms": ms(raw_p50),
        "query_raw_p99_ms": ms(percentile(raw_s, 99)),
        "query_vs_raw": ratio(p50, raw_p50),
    }
