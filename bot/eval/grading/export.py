"""The ASAG test sets as JSONL for `flashtutor grade --batch`, and scoring its output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bot.errors import InputError
from bot.eval.grading.loaders import SEMEVAL_TESTS, load_mohler, load_semeval
from bot.eval.grading.metrics import macro_f1, pearson, rmse


def export(data: Path, out: Path) -> list[Path]:
    """Write each test set as `NAME.jsonl` (question, reference, answer) + `NAME.gold.jsonl`."""
    out.mkdir(parents=True, exist_ok=True)
    sets = {split: load_semeval(split, data=data) for split in SEMEVAL_TESTS}
    sets["mohler"] = load_mohler(data)
    written: list[Path] = []
    for name, items in sets.items():
        path = out / f"{name}.jsonl"
        with (
            path.open("w", encoding="utf-8") as inputs,
            (out / f"{name}.gold.jsonl").open("w", encoding="utf-8") as gold,
        ):
            for i in items:
                line = {"question": i.question, "reference": i.reference, "answer": i.answer}
                inputs.write(json.dumps(line, ensure_ascii=False) + "\n")
                meta = {"dataset": i.dataset, "split": i.split, "qid": i.qid, "gold": i.gold}
                gold.write(json.dumps(meta) + "\n")
        written.append(path)
    return written


def score_predictions(gold_path: Path, pred_path: Path) -> dict[str, float]:
    """Metrics for `flashtutor grade --batch` output against an exported gold file."""
    gold = [json.loads(line) for line in gold_path.read_text("utf-8").splitlines() if line]
    pred = [json.loads(line) for line in pred_path.read_text("utf-8").splitlines() if line]
    if len(gold) != len(pred):
        raise InputError(f"{len(pred)} predictions for {len(gold)} gold lines")
    y = np.array([g["gold"] for g in gold])
    s = np.array([p["score"] for p in pred])
    correct = [p["verdict"] == "correct" for p in pred]
    return {
        "n": len(y),
        "macro_f1": round(macro_f1(y > 0.5, correct), 4),
        "pearson_r": round(pearson(s, y), 4),
        "rmse_0_5": round(rmse(s * 5, y * 5), 4),
    }
