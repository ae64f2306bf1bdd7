"""The project's own cross-encoder, run with onnxruntime: is this answer true for this point?

`bot.core.ports.PairScorer` is what the grader sees. The model reads one (question, reference
or key point, answer) triple as a single token sequence and gives three probabilities over
`LABELS` = (correct, contradictory, incorrect), the SemEval-2013 3-way scheme. It was trained
by the project from the bundled all-MiniLM-L6-v2 weights (`python -m bot.eval.crossenc`; the
data, command, seed, figures and sha256 are in `bot/infra/models/crossenc.json`), and the
ONNX file committed beside that record is the training run's output, loaded offline.

`PairEncoding` turns triples into token ids; training uses the very same code, so the
shipped model sees exactly what it was trained on. The file is verified by sha256 before it
is loaded; a mismatch is a `ConfigError`, never a silently different model.
"""

from __future__ import annotations

import hashlib
import json
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.ports import PAIR_LABELS
from bot.errors import ConfigError
from bot.infra.embedder import bundled_model_path

LABELS = PAIR_LABELS
"""The order of the model's outputs (the columns `PairScorer.score` returns)."""

MODEL_DIR = Path(__file__).resolve().parent / "models"
MODEL_NAME = "crossenc"


def model_paths(name: str = MODEL_NAME, directory: Path = MODEL_DIR) -> tuple[Path, Path]:
    """The ONNX file and its provenance record."""
    return directory / f"{name}.onnx", directory / f"{name}.json"


def clean_text(text: str) -> str:
    """NFKC, format characters (zero-width spaces, joiners, BOM) dropped, whitespace folded.

    Zero-width characters split a word into pieces the tokenizer reads as other words; an
    answer must not change meaning by being sprinkled with them.
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if ch.isspace() else ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Limits:
    """Token budgets of one pair: the question keeps its end, point and answer their start."""

    max_tokens: int = 192
    question_tokens: int = 40
    point_tokens: int = 96


class PairEncoding:
    """Triples to token ids: `[CLS] question [SEP] point [SEP] answer [SEP]`.

    Segment A (type 0) is the question and the reference or key point, segment B (type 1)
    the answer. An empty question leaves out its `[SEP]`. The question keeps its last tokens
    (SemEval questions open with context and end with the ask); the point and the answer keep
    their first tokens; the answer gets whatever the budget leaves.
    """

    def __init__(self, tokenizer_file: Path, limits: Limits = Limits()) -> None:
        from tokenizers import Tokenizer

        self.limits = limits
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self.cls_id = self._id("[CLS]")
        self.sep_id = self._id("[SEP]")
        self._cached = lru_cache(maxsize=4096)(self._tokens)

    def _id(self, token: str) -> int:
        found = self._tokenizer.token_to_id(token)
        if found is None:
            raise ConfigError(f"tokenizer has no {token} token")
        return int(found)

    def _tokens(self, text: str) -> tuple[int, ...]:
        # Long texts are cut before tokenizing: no part needs more than ~8 characters a token.
        cut = clean_text(text)[: self.limits.max_tokens * 8]
        return tuple(self._tokenizer.encode(cut, add_special_tokens=False).ids)

    def encode(self, question: str, point: str, answer: str) -> tuple[list[int], list[int]]:
        """Token ids and token type ids of one triple."""
        lim = self.limits
        q = self._cached(question)[-lim.question_tokens :] if question.strip() else ()
        p = self._cached(point)[: lim.point_tokens]
        head = [self.cls_id, *q, *([self.sep_id] if q else []), *p, self.sep_id]
        room = max(1, lim.max_tokens - len(head) - 1)
        a = self._tokens(answer)[:room]  # answers vary: not worth caching
        ids = [*head, *a, self.sep_id]
        return ids, [0] * len(head) + [1] * (len(a) + 1)


def pad(rows: Sequence[tuple[list[int], list[int]]]) -> dict[str, npt.NDArray[np.int64]]:
    """Right-padded `input_ids`, `attention_mask`, `token_type_ids` for one batch."""
    width = max(len(ids) for ids, _ in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    types = np.zeros_like(ids)
    mask = np.zeros_like(ids)
    for r, (row, kinds) in enumerate(rows):
        ids[r, : len(row)] = row
        types[r, : len(row)] = kinds
        mask[r, : len(row)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Row-wise softmax."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


class OnnxPairScorer:
    """The cross-encoder on onnxruntime: loaded once, thread-safe, one pair per run."""

    def __init__(self, path: Path | None = None, *, threads: int = 2, verify: bool = True) -> None:
        import onnxruntime as ort

        onnx_file, record_file = (
            model_paths() if path is None else (path, path.with_suffix(".json"))
        )
        record = _read_record(record_file)
        if not onnx_file.is_file():
            raise ConfigError(f"cross-encoder model missing: {onnx_file}")
        if verify and sha256_file(onnx_file) != record["sha256"]:
            raise ConfigError(
                f"cross-encoder {onnx_file} does not match the sha256 in {record_file.name}: "
                "restore it from the repository or retrain it (python -m bot.eval.crossenc)"
            )
        self.name = str(record.get("name", onnx_file.stem))
        self.record = record
        self.encoding = PairEncoding(
            bundled_model_path(str(record.get("tokenizer", "minilm"))) / "tokenizer.json",
            Limits(**record.get("limits", {})),
        )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle workers sleep: on a small shared box the event loop and the LLM need the cycles.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._wanted = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()
        self.pairs_scored = 0

    def score(self, items: Sequence[tuple[str, str, str]]) -> npt.NDArray[np.float32]:
        """(n, 3) probabilities over `LABELS` for (question, reference or point, answer)."""
        out = np.zeros((len(items), len(LABELS)), dtype=np.float32)
        if not items:
            return out
        rows = [self.encoding.encode(q, p, a) for q, p, a in items]
        with self._lock:
            for i, row in enumerate(rows):
                # One pair per call: dynamic int8 quantizes activations with one scale per
                # call, so in a batch a pair's score would depend on its batch-mates (and on
                # their padding); alone it does not, and on 2 cores it was faster too.
                feeds = pad([row])
                logits = self._session.run(
                    None, {k: v for k, v in feeds.items() if k in self._wanted}
                )[0]
                out[i] = softmax(np.asarray(logits, dtype=np.float32))[0]
            self.pairs_scored += len(items)
        return out


def _read_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"cross-encoder provenance missing: {path}") from None
    except ValueError as exc:
        raise ConfigError(f"cross-encoder provenance {path} is not JSON: {exc}") from exc
    if not isinstance(record, dict) or "sha256" not in record:
        raise ConfigError(f"cross-encoder provenance {path} names no sha256")
    if tuple(record.get("labels", LABELS)) != LABELS:
        raise ConfigError(f"cross-encoder {path.name} has labels {record.get('labels')}")
    return record


_shared: dict[Path, OnnxPairScorer] = {}
_shared_lock = threading.Lock()


def load_pair_scorer(path: Path | None = None) -> OnnxPairScorer:
    """The process-wide scorer for `path` (default: the shipped model), loaded on first use."""
    key = (path or model_paths()[0]).resolve()
    with _shared_lock:
        if key not in _shared:
            _shared[key] = OnnxPairScorer(path)
        return _shared[key]


DISABLED = "none"


def build_pair_scorer(setting: str) -> OnnxPairScorer | None:
    """The scorer a `pair_scorer` setting names: `crossenc`, `none`, or an ONNX file path."""
    key = setting.strip()
    if key.lower() == DISABLED:
        return None
    if key.lower() == MODEL_NAME:
        return load_pair_scorer()
    path = Path(key).expanduser()
    if path.suffix.lower() != ".onnx":
        raise ConfigError(
            f"unknown pair scorer {setting!r}: use {MODEL_NAME}, {DISABLED}, or a path to a .onnx file"
        )
    return load_pair_scorer(path)
