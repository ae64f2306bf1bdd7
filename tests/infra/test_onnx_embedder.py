"""The ONNX backend gives the same vectors as sentence-transformers, from a reproducible export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.errors import ConfigError
from bot.infra.embedder import OnnxEmbedder, load_embedder
from bot.infra.onnx_export import export_onnx, is_current, onnx_path

TEXTS = [
    "What is tokenization, and why is it important?",
    "Token embeddings transform each word or token into a vector of numbers.",
    "",
    "x",
    "é 日本語 ☃ <@123> @everyone",
    "```python\nfrom transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained('x')\n```",
    "long " * 600,  # past max_seq_length: both backends must truncate the same way
]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("models")
    export_onnx("minilm", path)
    return path


@pytest.fixture(scope="module")
def onnx(models_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder("minilm", models_dir=models_dir, threads=1)


def test_vectors_match_sentence_transformers(embedder, onnx: OnnxEmbedder) -> None:
    want = embedder.embed(TEXTS)
    got = onnx.embed(TEXTS, batch_size=3)  # several batches, sorted by length inside
    assert got.shape == want.shape == (len(TEXTS), 384) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert float((got * want).sum(axis=1).min()) >= 0.9999
    assert onnx.name == embedder.name  # same index collection and grader calibration


def test_order_and_batching_do_not_change_vectors(onnx: OnnxEmbedder) -> None:
    one_by_one = np.stack([onnx.embed([t])[0] for t in TEXTS])
    batched = onnx.embed(list(reversed(TEXTS)), batch_size=64)[::-1]
    assert np.allclose(one_by_one, batched, atol=1e-5)
    assert onnx.embed([]).shape == (0, 384)


def test_export_is_reused_until_the_stamp_stops_matching(models_dir: Path) -> None:
    path = onnx_path("minilm", models_dir)
    assert is_current("minilm", models_dir)
    before = path.stat().st_mtime_ns
    assert export_onnx("minilm", models_dir) == path
    assert path.stat().st_mtime_ns == before  # no second export
    stamp = path.with_suffix(".json")
    stamp.write_text('{"opset": 0}', encoding="utf-8")
    assert not is_current("minilm", models_dir)
    stamp.write_text("not json", encoding="utf-8")
    assert not is_current("minilm", models_dir)


def test_load_embedder_selects_onnx_and_explains_mistakes(models_dir: Path) -> None:
    export_onnx("minilm", models_dir)
    chosen = load_embedder("minilm-onnx", models_dir=models_dir)
    assert isinstance(chosen, OnnxEmbedder)
    assert load_embedder("minilm-onnx", models_dir=models_dir) is chosen
    with pytest.raises(ConfigError, match="needs a models directory"):
        load_embedder("minilm-onnx")
    with pytest.raises(ConfigError, match="minilm-onnx"):
        load_embedder("mpnet-onnx", models_dir=models_dir)
