"""Short-answer grading data (Mohler 2011, SemEval-2013 Task 7): loaders and metrics.

The datasets stay outside the repository: `--data DIR`, or the `FLASHTUTOR_ASAG_DATA` setting.
"""

from __future__ import annotations

import argparse
import csv
import json
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.grading import FEATURES, Grader, GraderParams
from bot.errors import ConfigError, InputError
from bot.eval.grading.adversarial import (
    SEED_DECK,
    adversarial_answers,
    adversarial_check,
    seed_cards,
)
from bot.eval.grading.cache import CachedEmbedder
from bot.eval.grading.metrics import best_threshold, fit_logistic, macro_f1, pearson, rmse
from bot.infra.embedder import Embedder
from bot.settings import Settings

__all__ = [
    "SEED_DECK",
    "AsagItem",
    "CachedEmbedder",
    "adversarial_answers",
    "adversarial_check",
    "best_threshold",
    "fit_logistic",
    "macro_f1",
    "pearson",
    "rmse",
    "seed_cards",
]


def data_folder(given: Path | None = None) -> Path:
    """The ASAG data folder: `given` (`--data`), else the `FLASHTUTOR_ASAG_DATA` setting."""
    folder = given or Settings().asag_data
    if folder is None:
        raise ConfigError(
            "no ASAG data folder: pass --data DIR or set FLASHTUTOR_ASAG_DATA to the folder "
            "holding the Mohler 2011 and SemEval-2013 Task 7 data (see docs/QUALITY.md)"
        )
    if not folder.is_dir():
        raise ConfigError(f"the ASAG data folder {folder} does not exist")
    return folder


MODEL_PATH = Path(__file__).resolve().parents[1] / "core" / "grading" / "model.json"
MOHLER_WEIGHT = 4.0
SEMEVAL_TESTS = ("test-unseen-answers", "test-unseen-questions", "test-unseen-domains")


@dataclass(frozen=True, slots=True)
class AsagItem:
    """One human-graded student answer; `gold` is 0..1 (Mohler: mean score / 5; SemEval: 0/1)."""

    dataset: str
    split: str
    qid: str
    question: str
    reference: str
    answer: str
    gold: float
    label: str = ""  # SemEval's own label: correct, incorrect, or (3-way) contradictory


def load_mohler(data: Path) -> list[AsagItem]:
    """All 2,273 Mohler 2011 answers; `qid` is `assignment.question`."""
    path = data / "mohler2011" / "mohler2011.csv"
    if not path.is_file():
        raise InputError(f"Mohler data not found: {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            AsagItem(
                dataset="mohler",
                split="all",
                qid=row["qid"],
                question=row["question"],
                reference=row["reference_answer"],
                answer=row["student_answer"],
                gold=float(row["score_avg"]) / 5.0,
            )
            for row in csv.DictReader(handle)
        ]


def load_semeval(
    split: str, corpus: str = "sciEntsBank", *, data: Path, ways: int = 2
) -> list[AsagItem]:
    """SemEval-2013 items of `corpus` for `split` ("training" or a `SEMEVAL_TESTS` name).

    `ways` is 2 (correct / incorrect) or 3 (correct / contradictory / incorrect); `gold` is 1
    for correct either way. A question with several reference answers (Beetle) keeps the
    first one marked BEST.
    """
    path = data / "semeval2013-task7" / "semeval-3way.zip"
    if not path.is_file():
        raise InputError(f"SemEval data not found: {path}")
    way = f"{ways}way"
    prefix = f"training/{way}/{corpus}/" if split == "training" else f"test/{way}/{corpus}/{split}/"
    items: list[AsagItem] = []
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith(prefix) and n.endswith(".xml"))
        if not names:
            raise InputError(f"no SemEval files under {prefix} in {path}")
        for name in names:
            root = ET.fromstring(archive.read(name))
            refs = root.findall("./referenceAnswers/referenceAnswer")
            best = [r for r in refs if r.get("category", "BEST") == "BEST"] or refs
            for answer in root.findall("./studentAnswers/studentAnswer"):
                items.append(
                    AsagItem(
                        dataset=f"semeval-{corpus}",
                        split=split,
                        qid=root.get("id", name),
                        question=(root.findtext("questionText") or "").strip(),
                        reference=(best[0].text or "").strip(),
                        answer=(answer.text or "").strip(),
                        gold=1.0 if answer.get("accuracy") == "correct" else 0.0,
                        label=answer.get("accuracy", ""),
                    )
                )
    return items


def _triples(items: Sequence[AsagItem]) -> list[tuple[str, str, str]]:
    return [(i.question, i.reference, i.answer) for i in items]


def mohler_folds(items: Sequence[AsagItem], n_folds: int = 6) -> np.ndarray:
    """Fold number per Mohler item: whole assignments are held out together (2 per fold)."""
    assignment = np.array([int(i.qid.split(".")[0]) for i in items])
    return (assignment - 1) % n_folds


def fit_params(
    semeval_x: np.ndarray,
    semeval_y: np.ndarray,
    mohler_x: np.ndarray,
    mohler_y: np.ndarray,
    provenance: str,
) -> GraderParams:
    """Fit the shared logistic model: SemEval labels plus Mohler scores with their own offset.

    The two datasets grade on different scales (SemEval: 40% correct; Mohler: mean 4.2 of 5),
    so Mohler rows get an indicator feature; its weight is kept as `extra["mohler_offset"]`
    and is not part of the shipped score.
    """
    x = np.vstack(
        [
            np.hstack([semeval_x, np.zeros((len(semeval_x), 1))]),
            np.hstack([mohler_x, np.ones((len(mohler_x), 1))]),
        ]
    )
    y = np.concatenate([semeval_y, mohler_y])
    # Mohler's rows weigh 4x: fewer and soft-labelled, they would otherwise barely shape the
    # shared weights (chosen by the SemEval question-held-out and Mohler assignment-held-out
    # cross-validation figures; 1x, 2x and 8x were within 0.005 of it).
    weight = np.concatenate([np.ones(len(semeval_y)), np.full(len(mohler_y), MOHLER_WEIGHT)])
    mean, scale, weights, bias = fit_logistic(x, y, weight, l2=1.0)
    # Fold the indicator's standardisation into the bias: at grading time it is 0.
    offset = float(weights[-1] / scale[-1])
    bias = float(bias - weights[-1] * mean[-1] / scale[-1])
    params = GraderParams(
        mean=tuple(float(v) for v in mean[:-1]),
        scale=tuple(float(v) for v in scale[:-1]),
        weights=tuple(float(v) for v in weights[:-1]),
        bias=bias,
        provenance=provenance,
        extra={"mohler_offset": offset},
    )
    scores = params.probability(semeval_x)
    correct_at = best_threshold(scores, semeval_y)
    # Key-point coverage cut: the best single-feature cut for "this answer is correct" on
    # SemEval, whose references are one key point each.
    cover = semeval_x[:, FEATURES.index("keypoint_mean")]
    cover_at = best_threshold(cover, semeval_y)
    return replace(
        params,
        correct_at=correct_at,
        # Partial: about half of what a correct answer needs.
        partial_at=round(correct_at / 2, 3),
        cover_at=cover_at,
    )


def mohler_profile(params: GraderParams) -> GraderParams:
    """The same model with the Mohler offset: scores on Mohler's 0..1 (score/5) scale."""
    return replace(params, bias=params.bias + float(params.extra.get("mohler_offset", 0.0)))


def naive_cosine(embedder: Embedder, items: Sequence[AsagItem]) -> np.ndarray:
    """The baseline: cosine of the whole answer and the whole reference."""
    answers = embedder.embed([i.answer for i in items], 64)
    references = embedder.embed([i.reference for i in items], 64)
    return np.asarray((answers * references).sum(axis=1), dtype=float)


def calibrate(embedder: Embedder, data: Path) -> tuple[GraderParams, dict[str, Any]]:
    """Fit the shipped model on SemEval sciEntsBank training + all of Mohler."""
    grader = Grader(embedder, GraderParams())
    train, mohler = load_semeval("training", data=data), load_mohler(data)
    x_train, x_mohler = grader.features(_triples(train)), grader.features(_triples(mohler))
    y_train = np.array([i.gold for i in train])
    y_mohler = np.array([i.gold for i in mohler])
    params = fit_params(
        x_train,
        y_train,
        x_mohler,
        y_mohler,
        "logistic regression fitted by `python -m bot.eval.asag calibrate` on SemEval-2013 "
        "sciEntsBank 2-way training/ and Mohler 2011 (all; its test figure is cross-validated)",
    )
    train_f1 = macro_f1(y_train > 0.5, params.probability(x_train) >= params.correct_at)
    # Model selection figure: questions held out of the fit (5 folds), as in unseen questions.
    questions = sorted({i.qid for i in train})
    fold_of = {q: n % 5 for n, q in enumerate(questions)}
    folds = np.array([fold_of[i.qid] for i in train])
    held_out = np.zeros(len(train), dtype=bool)
    for fold in range(5):
        test = folds == fold
        fold_params = fit_params(x_train[~test], y_train[~test], x_mohler, y_mohler, "cv")
        held_out[test] = fold_params.probability(x_train[test]) >= fold_params.correct_at
    return params, {
        "semeval_training_macro_f1": round(train_f1, 4),
        "semeval_training_cv_unseen_questions_macro_f1": round(
            macro_f1(y_train > 0.5, held_out), 4
        ),
    }


def mohler_cross_validated(
    embedder: Embedder, data: Path, n_folds: int = 6
) -> tuple[np.ndarray, np.ndarray]:
    """Held-out Mohler scores: each fold graded by a model fitted without its assignments."""
    grader = Grader(embedder, GraderParams())
    train, mohler = load_semeval("training", data=data), load_mohler(data)
    x_train, x_mohler = grader.features(_triples(train)), grader.features(_triples(mohler))
    y_train = np.array([i.gold for i in train])
    y_mohler = np.array([i.gold for i in mohler])
    folds = mohler_folds(mohler, n_folds)
    scores = np.zeros(len(mohler))
    for fold in range(n_folds):
        held = folds == fold
        params = fit_params(x_train, y_train, x_mohler[~held], y_mohler[~held], f"fold {fold}")
        fold_grader = Grader(embedder, mohler_profile(params))
        held_items = [m for m, h in zip(mohler, held, strict=True) if h]
        grades = fold_grader.grade_many(_triples(held_items))
        scores[held] = [g.score for g in grades]
    return scores, y_mohler


def evaluate(embedder: Embedder, data: Path, params: GraderParams) -> dict[str, Any]:
    """Every test figure, next to the naive-cosine baseline measured in the same run."""
    grader = Grader(embedder, params)
    train = load_semeval("training", data=data)
    cut = best_threshold(naive_cosine(embedder, train), np.array([i.gold for i in train]))
    result: dict[str, Any] = {"naive_cosine_cut": cut, "semeval_macro_f1": {}}
    for split in SEMEVAL_TESTS:
        items = load_semeval(split, data=data)
        gold = np.array([i.gold for i in items]) > 0.5
        grades = grader.grade_many(_triples(items))
        result["semeval_macro_f1"][split] = {
            "grader": round(macro_f1(gold, [g.verdict == "correct" for g in grades]), 4),
            "naive_cosine": round(macro_f1(gold, naive_cosine(embedder, items) >= cut), 4),
            "n": len(items),
        }
    mohler = load_mohler(data)
    scores, gold_m = mohler_cross_validated(embedder, data)
    naive = naive_cosine(embedder, mohler)
    result["mohler"] = {
        "grader_pearson_r": round(pearson(scores, gold_m), 4),
        "grader_rmse_0_5": round(rmse(scores * 5, gold_m * 5), 4),
        "naive_cosine_pearson_r": round(pearson(naive, gold_m), 4),
        "naive_cosine_rmse_0_5": round(rmse(naive * 5, gold_m * 5), 4),
        "n": len(mohler),
        "protocol": "6 folds of whole assignments; each fold graded by a model fitted without it",
    }
    cards = seed_cards()
    result["adversarial"] = adversarial_check(grader, cards)
    attack = [(q, r, a) for q, r in cards for _, a in adversarial_answers(q, r) if a.strip()]
    answers = embedder.embed([a for _, _, a in attack], 64)
    references = embedder.embed([r for _, r, _ in attack], 64)
    result["adversarial"]["naive_cosine_correct"] = int(
        ((answers * references).sum(axis=1) >= cut).sum()
    )
    return result


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


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bot.eval.asag {calibrate,evaluate,export,score}`."""
    parser = argparse.ArgumentParser(prog="python -m bot.eval.asag", description=__doc__)
    parser.add_argument(
        "--data", type=Path, help="ASAG data folder (default: the FLASHTUTOR_ASAG_DATA setting)"
    )
    parser.add_argument("--cache", type=Path, help="pickle file caching embeddings")
    sub = parser.add_subparsers(dest="command", required=True)
    cal = sub.add_parser(
        "calibrate", help="fit on training data, write bot/core/grading/model.json"
    )
    cal.add_argument("--out", type=Path, default=MODEL_PATH)
    ev = sub.add_parser("evaluate", help="test figures next to the naive-cosine baseline")
    ev.add_argument("--params", type=Path, default=MODEL_PATH)
    ev.add_argument("--json", type=Path, help="also write the figures here")
    ex = sub.add_parser("export", help="test sets as JSONL for `flashtutor grade --batch`")
    ex.add_argument("--out", type=Path, required=True)
    sc = sub.add_parser("score", help="score `flashtutor grade --batch` output")
    sc.add_argument("--gold", type=Path, required=True)
    sc.add_argument("--pred", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "score":
        print(json.dumps(score_predictions(args.gold, args.pred)))
        return 0
    args.data = data_folder(args.data)
    if args.command == "export":
        for path in export(args.data, args.out):
            print(path)
        return 0
    from bot.infra.embedder import load_embedder  # heavy: only for the commands that embed

    # The runtime the bot uses (settings' embedder, ONNX by default): same weights as
    # sentence-transformers, vectors equal to cosine > 0.9999, several times faster.
    settings = Settings()
    embedder = CachedEmbedder(
        load_embedder(settings.embedder, models_dir=settings.models_dir), args.cache
    )
    try:
        if args.command == "calibrate":
            params, report = calibrate(embedder, args.data)
            args.out.write_text(json.dumps(params.to_dict(), indent=2) + "\n", "utf-8")
            print(json.dumps({"written": str(args.out), **report}))
        else:
            params = GraderParams.from_dict(json.loads(args.params.read_text("utf-8")))
            figures = evaluate(embedder, args.data, params)
            text = json.dumps(figures, indent=2)
            print(text)
            if args.json:
                args.json.write_text(text + "\n", "utf-8")
    finally:
        embedder.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
