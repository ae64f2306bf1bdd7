"""Deck-level grading figures: other cards' answers, own references, families, paraphrases.

`python -m bot.eval.grading.deck_figures [--deck FILE] [--paraphrases FILE] [--json OUT]`
grades, for one deck: every card's reference submitted to every other card (the "another
card's answer" figure), each card's own reference, every adversarial family
(`bot.eval.grading.families`) and injection phrasing, and a file of correct paraphrases. On
the seed deck these are test figures; on the tuning decks they are what tuning looks at.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.core.cards import Card
from bot.core.decks import load_deck_file
from bot.core.grading import Grade, Grader
from bot.eval.grading.families import FAMILIES, family_answers

ROOT = Path(__file__).resolve().parents[3]
SEED_DECK = ROOT / "knowledge" / "000_75fa53af5a744319.txt"
SEED_PARAPHRASES = ROOT / "tests" / "data" / "grading" / "seed_paraphrases.jsonl"
INJECTIONS = ROOT / "tests" / "data" / "grading" / "injections.jsonl"

GradeMany = Callable[[Sequence[tuple[Card, str]]], list[Grade]]
"""Grades (card, answer) pairs of one deck in order."""


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file, blank lines skipped."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def deck_grader(grader: Grader, cards: Sequence[Card], contrast: bool = True) -> GradeMany:
    """Grade (card, answer) pairs against their deck: every other card is a neighbour.

    (The tutor passes the cards its index finds for the answer, a subset of these.)
    """

    def grade_many(items: Sequence[tuple[Card, str]]) -> list[Grade]:
        triples = [(c.question, c.answer, a) for c, a in items]
        if not contrast:
            return grader.grade_many(triples)
        near = [[(o.question, o.answer) for o in cards if o is not c] for c, _ in items]
        return grader.grade_many(triples, near)

    return grade_many


def _share(grades: Sequence[Grade]) -> dict[str, Any]:
    correct = sum(g.verdict == "correct" for g in grades)
    return {"n": len(grades), "correct": correct, "share": round(correct / max(1, len(grades)), 4)}


def deck_figures(
    cards: Sequence[Card],
    grade_many: GradeMany,
    paraphrases: Sequence[dict[str, Any]] = (),
    injections: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """Every deck-level figure for one grading function."""
    figures: dict[str, Any] = {}
    cross = [(a, b.answer) for a in cards for b in cards if a is not b]
    cross_grades = grade_many(cross)
    figures["other_card_answer"] = _share(cross_grades)
    figures["other_card_answer"]["examples"] = [
        [a.question, b[:60], round(g.score, 3)]
        for (a, b), g in zip(cross, cross_grades, strict=True)
        if g.verdict == "correct"
    ][:12]
    own = grade_many([(c, c.answer) for c in cards])
    figures["own_reference"] = _share(own)
    fam_items: list[tuple[Card, str]] = []
    fam_names: list[str] = []
    for card in cards:
        others = [c.answer for c in cards if c is not card]
        for family, answer in family_answers(card.answer, others):
            fam_items.append((card, answer))
            fam_names.append(family)
    fam_grades = grade_many(fam_items)
    figures["families"] = {
        name: _share([g for f, g in zip(fam_names, fam_grades, strict=True) if f == name])
        for name in FAMILIES
    }
    contradicted = [bool(g.contradicted) for f, g in zip(fam_names, fam_grades, strict=True)]
    figures["families"]["negation_contradicted"] = sum(
        c for f, c in zip(fam_names, contradicted, strict=True) if f in ("negation", "antonym")
    )
    if paraphrases:
        items = [(cards[p["card"]], p["answer"]) for p in paraphrases]
        grades = grade_many(items)
        figures["paraphrases"] = _share(grades)
        figures["paraphrases"]["points_covered"] = round(
            sum(len(g.covered) for g in grades)
            / max(1, sum(len(g.covered) + len(g.missed) + len(g.contradicted) for g in grades)),
            4,
        )
        figures["paraphrases"]["not_correct"] = [
            [p["card"], p["answer"][:60], g.verdict, round(g.score, 3)]
            for p, g in zip(paraphrases, grades, strict=True)
            if g.verdict != "correct"
        ]
    if injections:
        items, base = [], []
        for card in cards:
            for inj in injections:
                items.append((card, f"{card.answer}\n\n{inj['text']}"))
                base.append(card)
        grades = grade_many(items)
        plain = {c.card_id: g for c, g in zip(cards, own, strict=True)}
        figures["injections"] = {
            **_share(grades),
            "recognised": sum(bool(g.reasons) for g in grades),
            "raised": sum(
                g.score > plain[c.card_id].score + 1e-6 for c, g in zip(base, grades, strict=True)
            ),
        }
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Print (and optionally write) the deck figures of the shipped grader, with and without
    the cross-encoder (the second only when the shipped model has a stacked part)."""
    parser = argparse.ArgumentParser(prog="python -m bot.eval.grading.deck_figures")
    parser.add_argument("--deck", type=Path, default=SEED_DECK)
    parser.add_argument("--paraphrases", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--no-contrast", action="store_true", help="grade without neighbours")
    parser.add_argument(
        "--pair-scorer",
        default="crossenc",
        help="cross-encoder for the second column: crossenc (default), none, or a .onnx path",
    )
    parser.add_argument("--params", type=Path, help="a model file (default: the shipped one)")
    args = parser.parse_args(argv)
    from bot.core.grading import GraderParams
    from bot.infra.embedder import load_embedder
    from bot.infra.pair_scorer import build_pair_scorer

    cards = load_deck_file(args.deck).cards
    para_path = args.paraphrases or (SEED_PARAPHRASES if args.deck == SEED_DECK else None)
    paraphrases = read_jsonl(para_path) if para_path else []
    embedder = load_embedder("minilm-onnx", models_dir=ROOT / "data" / "models")
    params = (
        GraderParams.from_dict(json.loads(args.params.read_text("utf-8")))
        if args.params
        else GraderParams.bundled()
    )
    graders = {"grader": Grader(embedder, params)}
    scorer = build_pair_scorer(args.pair_scorer)
    if scorer is not None and params.pair is not None:
        graders["grader_crossenc"] = Grader(embedder, params, pair_scorer=scorer)
    figures = {
        name: deck_figures(
            cards,
            deck_grader(grader, cards, not args.no_contrast),
            paraphrases,
            read_jsonl(INJECTIONS),
        )
        for name, grader in graders.items()
    }
    text = json.dumps(figures, indent=1, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
