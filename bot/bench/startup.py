"""Start-up at scale: what `flashtutor run` does with its decks before it connects, timed in a
fresh process.

The ingest group writes its synthetic cards as seed-format deck files into a knowledge
folder (so start-up parses real files, as the bot does) and ingests them. Then a child
process (`python -m bot.bench.startup`) builds the composition root over that folder and the
filled index and times, as `Services.warm_up` (which `bot.app.runner.prepare` calls) runs
them:

- `resync`: opening the index and `DeckLibrary.resync()` — parse every deck file, read every
  card's hash from Chroma, embed and write what changed (nothing, when nothing did);
- `catalogue`: `Tutor.topics()`, which loads every card (and its vector) into memory;
- `first_search`: one search (the query's embedding, Chroma's HNSW graph loaded from disk,
  BM25 built over every card).

A fresh process each time: the Chroma and page caches of the process that ingested are not
what a restarted bot has (the operating system's file cache still is: the files were just
written). The child counts the texts it embeds and reports its peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.core.cards import Card

SEARCH = "How do token embeddings help a language model?"


def write_decks(cards: Sequence[Card], folder: Path) -> list[Path]:
    """Write cards as seed-format deck files, one per deck (`<deck>.md`), in card order."""
    folder.mkdir(parents=True, exist_ok=True)
    by_deck: dict[str, list[Card]] = {}
    for card in cards:
        by_deck.setdefault(card.deck, []).append(card)
    paths = []
    for deck, members in by_deck.items():
        path = folder / f"{deck}.md"
        path.write_text(deck_text(members), encoding="utf-8")
        paths.append(path)
    return paths


def deck_text(cards: Sequence[Card]) -> str:
    """The seed format: a rating line, a `####` title, background, `:p`, `??x` … `x??`, `---`."""
    parts = []
    for card in cards:
        lines = [f"**Rating: {card.rating}/10**", "", f"#### {card.title}"]
        if card.background:
            lines.append(card.background)
        lines += ["", f":p {card.question}", "??x", card.answer, "x??", "", "---", ""]
        parts.append("\n".join(lines))
    return "\n".join(parts)


def peak_rss_mb() -> float | None:
    """This process's peak resident set size so far, in MB (Linux; None elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _measure(stand_in: bool) -> dict[str, Any]:
    from bot.bench.standin import CountingEmbedder, StandInEmbedder
    from bot.services import Services
    from bot.settings import Settings

    services = Services(Settings())
    inner = StandInEmbedder() if stand_in else services.embedder
    counting = CountingEmbedder(inner)
    counting.embed(["warm up"])  # the model's lazy start is not the sync's
    services.embedder = counting  # before the index is built on it
    counting.texts = 0
    t0 = time.perf_counter()
    cards = services.decks.resync()
    t1 = time.perf_counter()
    embedded = counting.texts
    topics = services.tutor.topics()
    t2 = time.perf_counter()
    hits = services.index.search(SEARCH, k=5)
    t3 = time.perf_counter()
    return {
        "cards": cards,
        "decks": len(topics),
        "texts_embedded": embedded,
        "resync_s": round(t1 - t0, 2),
        "catalogue_s": round(t2 - t1, 2),
        "first_search_s": round(t3 - t2, 2),
        "hits": len(hits),
        "peak_rss_mb": peak_rss_mb(),
    }


def run_startup(
    data_dir: Path,
    knowledge_dir: Path,
    *,
    stand_in: bool,
    timeout_s: float = 7200,
) -> dict[str, Any]:
    """One start-up in a child process over `data_dir` (its `chroma/`) and `knowledge_dir`."""
    env = {
        **os.environ,
        "FLASHTUTOR_DATA_DIR": str(data_dir),
        "FLASHTUTOR_KNOWLEDGE_DIR": str(knowledge_dir),
        "FLASHTUTOR_LLM_MODEL": "none",  # start-up loads the LLM in its own thread, apart
    }
    from bot.settings import Settings

    env.setdefault("FLASHTUTOR_MODELS_DIR", str(Settings().models_dir))
    args = [sys.executable, "-m", "bot.bench.startup", *(["--stand-in"] if stand_in else [])]
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout_s, check=False, env=env
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"start-up probe failed: {tail}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """The child: measure one start-up over the configured folders, print JSON."""
    parser = argparse.ArgumentParser(prog="python -m bot.bench.startup")
    parser.add_argument("--stand-in", action="store_true", help="the stand-in embedder")
    args = parser.parse_args(argv)
    print(json.dumps(_measure(args.stand_in)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
