"""Search quality on labelled queries: `python -m bot.eval.search [QUERIES.jsonl ...]`.

Each line is {"query", "title"}: the card (by title, in the seed deck) a person meant. Prints
hit@1 and hit@3 for the shipped hybrid search and for naive dense search over question+answer
text (the baseline), both on the same fresh index.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bot.core.decks import load_deck_file
from bot.infra import index as index_module
from bot.infra import index_search
from bot.infra.embedder import load_embedder

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SETS = [
    ROOT / "tests/data/search_queries.jsonl",
    ROOT / "tests/data/search_queries_dev.jsonl",
]
SEED = ROOT / "knowledge/000_75fa53af5a744319.txt"


def hit_rates(
    index: index_module.CardIndex, queries: Sequence[dict[str, str]]
) -> tuple[float, float]:
    """(hit@1, hit@3) of `index.search` over labelled queries."""
    first = top3 = 0
    for q in queries:
        titles = [h.card.title for h in index.search(q["query"], k=3)]
        first += bool(titles) and titles[0] == q["title"]
        top3 += q["title"] in titles
    return first / len(queries), top3 / len(queries)


def main(argv: Sequence[str]) -> int:
    """Print hit rates of hybrid and naive search for each query file."""
    paths = [Path(a) for a in argv] or DEFAULT_SETS
    index = index_module.CardIndex(load_embedder(), path=Path(tempfile.mkdtemp()))
    index.sync(load_deck_file(SEED).cards)
    weights = (index_search.CHUNK_WEIGHT, index_search.LEXICAL_WEIGHT)
    for path in paths:
        queries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        hybrid = hit_rates(index, queries)
        index_search.CHUNK_WEIGHT, index_search.LEXICAL_WEIGHT = 0.0, 0.0
        naive = hit_rates(index, queries)
        index_search.CHUNK_WEIGHT, index_search.LEXICAL_WEIGHT = weights
        print(
            f"{path.name}: {len(queries)} queries | hybrid hit@1 {hybrid[0]:.3f} hit@3 {hybrid[1]:.3f}"
            f" | naive dense hit@1 {naive[0]:.3f} hit@3 {naive[1]:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
