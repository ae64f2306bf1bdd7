"""The shipped cross-encoder on the real onnxruntime: verified, loaded offline, and it judges truth."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from bot.core.ports import PAIR_LABELS, PairScorer
from bot.errors import ConfigError
from bot.infra.pair_scorer import (
    OnnxPairScorer,
    build_pair_scorer,
    clean_text,
    load_pair_scorer,
    model_paths,
    sha256_file,
)

CORRECT, CONTRADICTORY, INCORRECT = (PAIR_LABELS.index(n) for n in PAIR_LABELS)
Q = "Why does a ship made of steel float?"
REF = (
    "A steel ship is hollow, so it displaces a lot of water. It floats because the weight of "
    "the water it pushes aside equals its own weight."
)


@pytest.fixture(scope="module")
def scorer() -> OnnxPairScorer:
    return load_pair_scorer()


def test_the_shipped_file_is_the_recorded_training_output(scorer: OnnxPairScorer) -> None:
    onnx, record_file = model_paths()
    record = json.loads(record_file.read_text(encoding="utf-8"))
    assert sha256_file(onnx) == record["sha256"]
    assert record["labels"] == list(PAIR_LABELS)
    assert "python -m bot.eval.crossenc train" in record["command"]
    assert "SemEval test splits" in record["data"]["not_used"]
    assert onnx.stat().st_size <= 25_000_000  # small enough to keep in the repository
    port: PairScorer = scorer  # the adapter satisfies the core's port (checked by mypy)
    assert port.name == record["name"]


def test_scores_are_probabilities_in_label_order(scorer: OnnxPairScorer) -> None:
    probs = scorer.score([(Q, REF, REF), ("", REF, "bananas are yellow"), (Q, REF, "")])
    assert probs.shape == (3, 3) and probs.dtype == np.float32
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert scorer.score([]).shape == (0, 3)


def test_its_own_reference_is_correct_and_a_contradiction_is_not(scorer: OnnxPairScorer) -> None:
    negated = REF.replace("It floats because", "It does not float, although")
    wrong = "A steel ship floats because steel is lighter than water."
    probs = scorer.score([(Q, REF, REF), (Q, REF, negated), (Q, REF, wrong)])
    assert probs[0].argmax() == CORRECT
    assert probs[1][CONTRADICTORY] > probs[1][CORRECT]  # the reference negated
    # A misconception is "not correct" in SemEval's 2-way reading; which of contradictory
    # and incorrect it is, annotators (and this small model) split on.
    assert probs[2][CORRECT] < 0.5


def test_another_questions_answer_and_salad_are_not_correct(scorer: OnnxPairScorer) -> None:
    other = "Mitochondria break down glucose and store the energy in ATP for the cell."
    salad = "ship steel water weight hollow displaces floats " * 20
    probs = scorer.score([(Q, REF, other), (Q, REF, salad), (Q, REF, Q)])
    assert all(row.argmax() != CORRECT for row in probs)


def test_order_batching_and_zero_width_characters_do_not_change_scores(
    scorer: OnnxPairScorer,
) -> None:
    items = [
        (Q, REF, REF),
        ("", REF, "It is hollow so it pushes away its own weight of water."),
        (Q, "It floats.", "x" * 5000),  # past every token budget
        (Q, REF, "A ste\u200bel ship is hol\u200blow."),
    ]
    one_by_one = np.vstack([scorer.score([item]) for item in items])
    together = scorer.score(list(reversed(items)))[::-1]
    assert np.allclose(one_by_one, together, atol=1e-4)
    plain = scorer.score([(Q, REF, "A steel ship is hollow.")])
    assert np.allclose(plain, one_by_one[3], atol=1e-5)


def test_concurrent_calls_get_the_same_answers(scorer: OnnxPairScorer) -> None:
    items = [(Q, REF, f"It is hollow and displaces water {i}") for i in range(6)]
    want = scorer.score(items)
    got: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: got.append(scorer.score(items))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 4 and all(np.allclose(g, want, atol=1e-5) for g in got)


def test_clean_text_drops_format_characters_and_folds_space() -> None:
    assert clean_text("to\u200bken\u2060izer\ufeff  x\n\ty") == "tokenizer x y"
    assert clean_text("ﬁne") == "fine"  # NFKC


def test_a_tampered_file_is_refused(tmp_path: Path) -> None:
    onnx, record = model_paths()
    copy = tmp_path / "crossenc.onnx"
    shutil.copyfile(onnx, copy)
    data = json.loads(record.read_text(encoding="utf-8"))
    copy.with_suffix(".json").write_text(json.dumps({**data, "sha256": "0" * 64}), "utf-8")
    with pytest.raises(ConfigError, match="does not match the sha256"):
        OnnxPairScorer(copy)
    copy.with_suffix(".json").unlink()
    with pytest.raises(ConfigError, match="provenance missing"):
        OnnxPairScorer(copy)


def test_the_setting_selects_turns_off_or_rejects() -> None:
    assert build_pair_scorer("none") is None
    assert build_pair_scorer("crossenc") is load_pair_scorer()
    with pytest.raises(ConfigError, match="unknown pair scorer"):
        build_pair_scorer("bert-large")
    with pytest.raises(ConfigError, match="missing"):
        build_pair_scorer("/nonexistent/model.onnx")
