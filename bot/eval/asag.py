"""Short-answer grading on Mohler 2011 and SemEval-2013 Task 7: calibrate, evaluate, export.

The data stays outside the repository: `--data DIR`, or the `FLASHTUTOR_ASAG_DATA` setting."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.grading import FEATURES, Grader, GraderParams
from bot.core.grading.params import PairParams
from bot.core.ports import PairScorer
from bot.errors import ConfigError
from bot.eval.grading.adversarial import (
    SEED_DECK,
    adversarial_answers,
    adversarial_check,
    seed_cards,
)
from bot.eval.grading.cache import CachedEmbedder
from bot.eval.grading.export import export, score_predictions
from bot.eval.grading.loaders import (
    SEMEVAL_TESTS,
    AsagItem,
    load_mohler,
    load_semeval,
    mohler_folds,
    triples,
)
from bot.eval.grading.metrics import best_threshold, fit_logistic, macro_f1, pearson, rmse
from bot.eval.grading.stack import (
    CachedPairScorer,
    describe,
    fit_pair,
    held_out_questions,
    identity_pair,
    mohler_profile_pair,
    per_point_on,
    with_pair,
)
from bot.eval.grading.threeway import three_way_figures, three_way_header
from bot.infra.embedder import Embedder
from bot.settings import Settings

__all__ = [
    "SEED_DECK",
    "SEMEVAL_TESTS",
    "AsagItem",
    "CachedEmbedder",
    "adversarial_answers",
    "adversarial_check",
    "best_threshold",
    "export",
    "fit_logistic",
    "load_mohler",
    "load_semeval",
    "macro_f1",
    "mohler_folds",
    "pearson",
    "rmse",
    "score_predictions",
    "seed_cards",
    "triples",
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
PAIR_RECORD = Path(__file__).resolve().parents[1] / "infra" / "models" / "crossenc.json"


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


def _pair_rows(embedder: Embedder, scorer: PairScorer, items: Sequence[AsagItem]) -> np.ndarray:
    return Grader(embedder, GraderParams(), pair_scorer=scorer).pair_features(triples(items))


def calibrate(
    embedder: Embedder, data: Path, scorer: PairScorer | None = None, *, keep_stack: bool = False
) -> tuple[GraderParams, dict[str, Any]]:
    """Fit the shipped model on SemEval sciEntsBank training + all of Mohler.

    With a `scorer`, also the stacked part (`bot.eval.grading.stack`), on the rows the
    cross-encoder never trained on.
    """
    grader = Grader(embedder, GraderParams())
    train, mohler = load_semeval("training", data=data), load_mohler(data)
    x_train, x_mohler = grader.features(triples(train)), grader.features(triples(mohler))
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
    report: dict[str, Any] = {
        "semeval_training_macro_f1": round(train_f1, 4),
        "semeval_training_cv_unseen_questions_macro_f1": round(
            macro_f1(y_train > 0.5, held_out), 4
        ),
    }
    if scorer is None:
        return params, report
    dev = np.array([i.qid in held_out_questions(PAIR_RECORD) for i in train])
    dev_items = [i for i, d in zip(train, dev, strict=True) if d]
    p_dev, p_mohler = _pair_rows(embedder, scorer, dev_items), _pair_rows(embedder, scorer, mohler)
    b_dev, b_mohler = params.probability(x_train[dev]), params.probability(x_mohler)
    pair, offset = fit_pair((b_dev, p_dev, y_train[dev]), (b_mohler, p_mohler, y_mohler))
    # Selection figure: the cross-encoder's held-out questions, 4 folds of whole questions.
    dev_q = np.array([fold_of[i.qid] % 4 for i in dev_items])
    stacked, base_only = np.zeros(len(dev_items), bool), np.zeros(len(dev_items), bool)
    for fold in range(4):
        t = dev_q == fold
        fold_pair, _ = fit_pair(
            (b_dev[~t], p_dev[~t], y_train[dev][~t]), (b_mohler, p_mohler, y_mohler)
        )
        stacked[t] = fold_pair.probability(b_dev[t], p_dev[t]) >= fold_pair.correct_at
        base_only[t] = b_dev[t] >= params.correct_at
    gold_dev = y_train[dev] > 0.5
    cv_stacked, cv_base = macro_f1(gold_dev, stacked), macro_f1(gold_dev, base_only)
    # The stacked score ships only if it beats the embedding model on the rows it can be
    # judged on; otherwise the cross-encoder keeps only its per-point part (veto, overruling).
    keep = keep_stack or cv_stacked > cv_base
    report["pair"] = {
        "rows": {"semeval_held_out_questions": len(dev_items), "mohler": len(mohler)},
        "weights": describe(pair),
        "cv_held_out_questions_macro_f1": round(cv_stacked, 4),
        "same_rows_base_model_macro_f1": round(cv_base, 4),
        "stacked_score_shipped": keep,
    }
    if not keep:
        if not per_point_on():
            return params, report  # nothing of the cross-encoder's wins: grading ignores it
        pair, offset = identity_pair(params), 0.0
    return with_pair(params, pair, offset), report


def mohler_cross_validated(
    embedder: Embedder,
    data: Path,
    scorer: PairScorer | None = None,
    n_folds: int = 6,
    *,
    stack: bool = True,
    points: PairParams | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Held-out Mohler scores: each fold graded by a model fitted without its assignments.

    Keyed "grader" (embedding model alone) and, with a `scorer`, "grader_crossenc" (the
    stacked score refitted per fold when `stack`, else only the per-point part, with the
    per-point thresholds of `points`).
    """
    grader = Grader(embedder, GraderParams())
    train, mohler = load_semeval("training", data=data), load_mohler(data)
    x_train, x_mohler = grader.features(triples(train)), grader.features(triples(mohler))
    y_train = np.array([i.gold for i in train])
    y_mohler = np.array([i.gold for i in mohler])
    folds = mohler_folds(mohler, n_folds)
    names = ["grader"] if scorer is None else ["grader", "grader_crossenc"]
    scores = {n: np.zeros(len(mohler)) for n in names}
    if scorer is not None:
        dev = np.array([i.qid in held_out_questions(PAIR_RECORD) for i in train])
        p_dev = _pair_rows(embedder, scorer, [i for i, d in zip(train, dev, strict=True) if d])
        p_mohler = _pair_rows(embedder, scorer, mohler)
    for fold in range(n_folds):
        held = folds == fold
        params = fit_params(x_train, y_train, x_mohler[~held], y_mohler[~held], f"fold {fold}")
        held_items = triples([m for m, h in zip(mohler, held, strict=True) if h])
        graders = {"grader": Grader(embedder, mohler_profile(params))}
        if scorer is not None:
            pair, offset = fit_pair(
                (params.probability(x_train[dev]), p_dev, y_train[dev]),
                (params.probability(x_mohler[~held]), p_mohler[~held], y_mohler[~held]),
            )
            stacked = mohler_profile_pair(with_pair(params, pair, offset))
            if not stack:  # the embedding model's Mohler profile, with the per-point part
                stacked = with_pair(mohler_profile(params), identity_pair(params), 0.0)
            if points is not None and stacked.pair is not None:
                contra, overrule = points.point_contra_at, points.point_correct_at
                pair = replace(stacked.pair, point_contra_at=contra, point_correct_at=overrule)
                stacked = replace(stacked, pair=pair)
            graders["grader_crossenc"] = Grader(embedder, stacked, pair_scorer=scorer)
        for name, fold_grader in graders.items():
            scores[name][held] = [g.score for g in fold_grader.grade_many(held_items)]
    return {n: (v, y_mohler) for n, v in scores.items()}


def evaluate(
    embedder: Embedder, data: Path, params: GraderParams, scorer: PairScorer | None = None
) -> dict[str, Any]:
    """Every test figure, next to the naive-cosine baseline measured in the same run.

    With a `scorer` (and `params.pair`), "grader_crossenc" beside "grader" (embedding only).
    """
    graders = {"grader": Grader(embedder, params)}
    if scorer is not None and params.pair is not None:
        graders["grader_crossenc"] = Grader(embedder, params, pair_scorer=scorer)
    train = load_semeval("training", data=data)
    cut = best_threshold(naive_cosine(embedder, train), np.array([i.gold for i in train]))
    result: dict[str, Any] = {"naive_cosine_cut": cut, "semeval_macro_f1": {}}
    three = result["semeval_3way"] = three_way_header(load_semeval("training", data=data, ways=3))
    for split in SEMEVAL_TESTS:
        items = load_semeval(split, data=data)
        gold = np.array([i.gold for i in items]) > 0.5
        grades = {n: g.grade_many(triples(items)) for n, g in graders.items()}
        row = {
            n: round(macro_f1(gold, [g.verdict == "correct" for g in gs]), 4)
            for n, gs in grades.items()
        }
        row["naive_cosine"] = round(macro_f1(gold, naive_cosine(embedder, items) >= cut), 4)
        result["semeval_macro_f1"][split] = {**row, "n": len(items)}
        three[split] = three_way_figures(data, items, grades, three)
    mohler = load_mohler(data)
    naive = naive_cosine(embedder, mohler)
    result["mohler"] = {}
    stack = params.pair is not None and params.pair.weights != identity_pair(params).weights
    for name, (scores, gold_m) in mohler_cross_validated(
        embedder, data, scorer if len(graders) > 1 else None, stack=stack, points=params.pair
    ).items():
        result["mohler"][f"{name}_pearson_r"] = round(pearson(scores, gold_m), 4)
        result["mohler"][f"{name}_rmse_0_5"] = round(rmse(scores * 5, gold_m * 5), 4)
    result["mohler"] |= {
        "naive_cosine_pearson_r": round(pearson(naive, np.array([m.gold for m in mohler])), 4),
        "n": len(mohler),
        "protocol": "6 folds of whole assignments; each fold graded by a model fitted without it",
    }
    cards = seed_cards()
    result["adversarial"] = {n: adversarial_check(g, cards) for n, g in graders.items()}
    attack = [(q, r, a) for q, r in cards for _, a in adversarial_answers(q, r) if a.strip()]
    answers = embedder.embed([a for _, _, a in attack], 64)
    references = embedder.embed([r for _, r, _ in attack], 64)
    result["adversarial"]["naive_cosine_correct"] = int(
        ((answers * references).sum(axis=1) >= cut).sum()
    )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bot.eval.asag {calibrate,evaluate,export,score}`."""
    parser = argparse.ArgumentParser(prog="python -m bot.eval.asag", description=__doc__)
    parser.add_argument(
        "--data", type=Path, help="ASAG data folder (default: the FLASHTUTOR_ASAG_DATA setting)"
    )
    parser.add_argument("--cache", type=Path, help="pickle file caching embeddings")
    parser.add_argument(
        "--pair-scorer",
        default=None,
        help="cross-encoder: crossenc, none, or a .onnx path (default: the pair_scorer setting)",
    )
    parser.add_argument("--pair-cache", type=Path, help="pickle file caching its outputs")
    sub = parser.add_subparsers(dest="command", required=True)
    cal = sub.add_parser(
        "calibrate", help="fit on training data, write bot/core/grading/model.json"
    )
    cal.add_argument("--out", type=Path, default=MODEL_PATH)
    cal.add_argument("--keep-stack", action="store_true", help="keep the stack even if it loses")
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
    from bot.infra.pair_scorer import build_pair_scorer

    inner = build_pair_scorer(args.pair_scorer or settings.pair_scorer)
    scorer = CachedPairScorer(inner, args.pair_cache) if inner is not None else None
    try:
        if args.command == "calibrate":
            params, report = calibrate(embedder, args.data, scorer, keep_stack=args.keep_stack)
            args.out.write_text(json.dumps(params.to_dict(), indent=2) + "\n", "utf-8")
            print(json.dumps({"written": str(args.out), **report}))
        else:
            params = GraderParams.from_dict(json.loads(args.params.read_text("utf-8")))
            figures = evaluate(embedder, args.data, params, scorer)
            text = json.dumps(figures, indent=2)
            print(text)
            if args.json:
                args.json.write_text(text + "\n", "utf-8")
    finally:
        embedder.save()
        if scorer is not None:
            scorer.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
