"""Choosing the cross-encoder's per-point thresholds on tuning data only.

`python -m bot.eval.grading.veto [--json OUT]` grades, with the shipped model's stacked part
and a grid of `PairParams.point_contra_at` (the veto) and `point_correct_at` (overruling
the word rules), the tuning decks' (`bot/eval/grading/decks/`) adversarial families, own
references and paraphrases (every other card a neighbour, as `deck_figures` does), and the
SciEntsBank training answers of the questions the cross-encoder never trained on (2-way
macro-F1). The seed deck, the SemEval test splits and Mohler are not read.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.decks import load_deck_file
from bot.core.grading import Grader, GraderParams
from bot.core.ports import Embedder, PairScorer
from bot.eval.grading.deck_figures import deck_grader, read_jsonl
from bot.eval.grading.families import family_answers
from bot.eval.grading.loaders import load_semeval, triples
from bot.eval.grading.metrics import macro_f1
from bot.eval.grading.stack import held_out_questions

DECKS = Path(__file__).resolve().parent / "decks"
OFF = 1.01
VETO_GRID = (0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, OFF)
OVERRULE_GRID = (0.5, 0.6, 0.7, 0.8, 0.9, OFF)


def deck_figures(grader: Grader) -> dict[str, Any]:
    """Graded `correct` per kind over the tuning decks, and contradicted paraphrase points."""
    correct: Counter[str] = Counter()
    total: Counter[str] = Counter()
    contradicted = 0
    for deck_file in sorted(DECKS.glob("*.md")):
        cards = load_deck_file(deck_file).cards
        items: list[tuple[str, Any, str]] = []
        for card in cards:
            others = [c.answer for c in cards if c is not card]
            items += [(k, card, a) for k, a in family_answers(card.answer, others)]
            items.append(("own", card, card.answer))
        para = deck_file.with_suffix(".paraphrases.jsonl")
        items += [("paraphrase", cards[p["card"]], p["answer"]) for p in read_jsonl(para)]
        grades = deck_grader(grader, cards)([(c, a) for _, c, a in items])
        for (kind, _, _), grade in zip(items, grades, strict=True):
            total[kind] += 1
            correct[kind] += grade.verdict == "correct"
            if kind == "paraphrase":
                contradicted += len(grade.contradicted)
    out: dict[str, Any] = {k: f"{correct[k]}/{total[k]}" for k in sorted(total)}
    families = sum(correct[k] for k in total if k not in ("own", "paraphrase"))
    out["families_correct"] = families
    out["paraphrase_points_contradicted"] = contradicted
    return out


def semeval_dev_f1(grader: Grader, items: Sequence[Any]) -> float:
    """2-way macro-F1 on the cross-encoder's held-out SciEntsBank training questions."""
    gold = np.array([i.gold > 0.5 for i in items])
    grades = grader.grade_many(triples(items))
    return round(macro_f1(gold, [g.verdict == "correct" for g in grades]), 4)


def sweep(
    embedder: Embedder, scorer: PairScorer, params: GraderParams, dev: Sequence[Any]
) -> list[dict[str, Any]]:
    """The veto grid with no overruling, then the overruling grid with no veto."""
    assert params.pair is not None
    rows = []
    grid = [(v, OFF) for v in VETO_GRID]
    grid += [(OFF, c) for c in OVERRULE_GRID[:-1]]
    for veto, overrule in grid:
        pair = replace(params.pair, point_contra_at=veto, point_correct_at=overrule)
        grader = Grader(embedder, replace(params, pair=pair), pair_scorer=scorer)
        rows.append(
            {
                "point_contra_at": veto,
                "point_correct_at": overrule,
                **deck_figures(grader),
                "semeval_dev_macro_f1": semeval_dev_f1(grader, dev),
            }
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Print the sweep for a model file (default: the shipped one)."""
    from bot.eval.asag import MODEL_PATH, PAIR_RECORD, data_folder
    from bot.eval.grading.cache import CachedEmbedder
    from bot.eval.grading.stack import CachedPairScorer
    from bot.infra.embedder import load_embedder
    from bot.infra.pair_scorer import load_pair_scorer
    from bot.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m bot.eval.grading.veto")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--params", type=Path, default=MODEL_PATH)
    parser.add_argument("--cache", type=Path, help="pickle file caching embeddings")
    parser.add_argument("--pair-cache", type=Path, help="pickle file caching the cross-encoder")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    settings = Settings()
    embedder = CachedEmbedder(
        load_embedder(settings.embedder, models_dir=settings.models_dir), args.cache
    )
    scorer = CachedPairScorer(load_pair_scorer(), args.pair_cache)
    params = GraderParams.from_dict(json.loads(args.params.read_text("utf-8")))
    if params.pair is None:
        raise SystemExit(
            f"{args.params} has no stacked part: run `python -m bot.eval.asag calibrate`"
        )
    held = held_out_questions(PAIR_RECORD)
    dev = [i for i in load_semeval("training", data=data_folder(args.data)) if i.qid in held]
    try:
        rows = sweep(embedder, scorer, params, dev)
    finally:
        embedder.save()
        scorer.save()
    text = json.dumps(rows, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
