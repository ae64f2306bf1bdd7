"""The cross-encoder's figures, standalone: SemEval tests, Mohler, the seed deck, speed, memory.

Every candidate ONNX file is measured on the same sets in one run. A pair counts as graded
`correct` when `correct` is the most probable of the three labels.

- SemEval-2013 test splits (SciEntsBank unseen answers/questions/domains, Beetle unseen
  answers/questions): 3-way and 2-way macro-F1, each answer against the first BEST reference,
  with the question (as the grader would send it) and without it;
- Mohler 2011 (never trained on): Pearson r of P(correct) with the mean grade;
- the seed deck (measurement only): each card's own reference; the 240 cross-card pairs
  (card B's reference as the answer to card A); the attack families of `families`; and, per
  key point, the reference with that point negated (is the point called contradictory, and
  are the other points still covered?);
- latency of one grade on 2 threads (a seed card's whole reference plus up to 6 key points
  against one answer, one `score` call), p50/p99, with and without the question on the
  key-point pairs; resident memory of a fresh process that loaded the model and graded once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.eval.asag import SEED_DECK, load_mohler, pearson
from bot.eval.crossenc import families, semeval
from bot.eval.crossenc.metrics import three_way
from bot.infra.pair_scorer import LABELS, OnnxPairScorer, model_paths

CORRECT = LABELS.index("correct")
CONTRADICTORY = LABELS.index("contradictory")
MAX_POINTS = 6


def seed_cards(path: Path = SEED_DECK) -> list[tuple[str, str]]:
    """(question, reference) of every seed card."""
    from bot.core.decks import load_deck_file

    return [(c.question, c.answer) for c in load_deck_file(path).cards]


def semeval_figures(scorer: OnnxPairScorer, data: Path) -> dict[str, Any]:
    """3-way and 2-way macro-F1 on every test split, with and without the question."""
    out: dict[str, Any] = {}
    for corpus, splits in semeval.TEST_SPLITS.items():
        for split in splits:
            qs = semeval.load(corpus, split, data)
            items = [(q.text, q.reference, a.text, a.label) for q in qs for a in q.answers]
            labels = [i[3] for i in items]
            with_q = scorer.score([(q, r, a) for q, r, a, _ in items])
            without = scorer.score([("", r, a) for _, r, a, _ in items])
            out[f"{corpus}/{split}"] = {
                **three_way(labels, with_q),
                "without_question": three_way(labels, without),
            }
    return out


def mohler_figure(scorer: OnnxPairScorer, data: Path) -> dict[str, Any]:
    """Pearson r of P(correct) against Mohler's 0-5 mean grades (all 2,273 answers)."""
    items = load_mohler(data)
    probs = scorer.score([(i.question, i.reference, i.answer) for i in items])
    gold = np.array([i.gold for i in items])
    return {"n": len(items), "pearson_r_p_correct": round(pearson(probs[:, CORRECT], gold), 4)}


def seed_figures(scorer: OnnxPairScorer, cards: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Own reference, cross-card pairs, attack families and per-point contradiction."""
    refs = [families.prose(r) for _, r in cards]
    out: dict[str, Any] = {}
    own = scorer.score([(q, r, r) for (q, _), r in zip(cards, refs, strict=True)])
    out["own_reference_correct"] = f"{int((own.argmax(1) == CORRECT).sum())}/{len(cards)}"
    pairs = [(a, b) for a in range(len(cards)) for b in range(len(cards)) if a != b]
    cross = scorer.score([(cards[a][0], refs[a], refs[b]) for a, b in pairs])
    graded = cross.argmax(1) == CORRECT
    out["cross_card_correct"] = f"{int(graded.sum())}/{len(pairs)}"
    out["cross_card_max_p_correct"] = round(float(cross[:, CORRECT].max()), 3)
    out["families"] = {}
    for name, attacks in families.families(cards).items():
        probs = scorer.score([(cards[i][0], refs[i], text) for i, text in attacks])
        arg = probs.argmax(1)
        out["families"][name] = {
            "n": len(attacks),
            "cards": len({i for i, _ in attacks}),
            "graded_correct": int((arg == CORRECT).sum()),
            "graded_contradictory": int((arg == CONTRADICTORY).sum()),
            "max_p_correct": round(float(probs[:, CORRECT].max()), 3) if len(probs) else 0.0,
        }
    out["points"] = point_figures(scorer, cards)
    return out


def point_figures(scorer: OnnxPairScorer, cards: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Per key point: with point i negated in the answer, is i contradicted and the rest covered?"""
    hit = total = kept = others = covered_plain = points_plain = 0
    for q, ref in cards:
        points = families.sentences(ref)[:MAX_POINTS]
        if len(points) < 2:
            continue
        plain = scorer.score([(q, p, families.prose(ref)) for p in points])
        covered_plain += int((plain.argmax(1) == CORRECT).sum())
        points_plain += len(points)
        for i, point in enumerate(points):
            negated = families._negate_sentence(point)
            if not negated:
                continue
            answer = " ".join([*points[:i], negated, *points[i + 1 :]])
            probs = scorer.score([(q, p, answer) for p in points])
            total += 1
            hit += int(probs[i].argmax() == CONTRADICTORY)
            rest = [j for j in range(len(points)) if j != i]
            others += len(rest)
            kept += int((probs[rest].argmax(1) == CORRECT).sum())
    return {
        "reference_covers_its_points": f"{covered_plain}/{points_plain}",
        "negated_point_contradictory": f"{hit}/{total}",
        "other_points_still_correct": f"{kept}/{others}",
    }


def grade_items(
    question: str, reference: str, answer: str, *, question_on_points: bool = True
) -> list[tuple[str, str, str]]:
    """What one grade sends: the whole reference, then each key point (at most 6)."""
    points = families.sentences(reference)[:MAX_POINTS]
    q = question if question_on_points else ""
    items = [(question, families.prose(reference), answer)]
    if len(points) > 1:
        items += [(q, p, answer) for p in points]
    return items


def grade_latency(
    scorer: OnnxPairScorer, cards: Sequence[tuple[str, str]], rounds: int = 10
) -> dict[str, Any]:
    """p50/p99 of one grade's `score` call over every seed card and several answers."""
    out: dict[str, Any] = {}
    answers = [families.prose(r) for _, r in cards]
    for label, with_q in (("points_with_question", True), ("points_without_question", False)):
        grades = [
            grade_items(q, ref, answers[(i + k) % len(cards)], question_on_points=with_q)
            for k in range(rounds)
            for i, (q, ref) in enumerate(cards)
        ]
        scorer.score(grades[0])  # warm-up
        times = []
        for items in grades:
            started = time.perf_counter()
            scorer.score(items)
            times.append((time.perf_counter() - started) * 1000)
        out[label] = {
            "grades": len(grades),
            "pairs_per_grade": round(float(np.mean([len(g) for g in grades])), 2),
            "p50_ms": round(float(np.percentile(times, 50)), 1),
            "p99_ms": round(float(np.percentile(times, 99)), 1),
        }
    whole = [
        (q, families.prose(r), answers[(i + 1) % len(cards)]) for i, (q, r) in enumerate(cards)
    ]
    times = []
    for _ in range(rounds):
        for item in whole:
            started = time.perf_counter()
            scorer.score([item])
            times.append((time.perf_counter() - started) * 1000)
    out["whole_reference_only"] = {
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p99_ms": round(float(np.percentile(times, 99)), 1),
    }
    return out


_MEMORY_SCRIPT = """
import sys, json
def rss():
    fields = dict(l.split(':', 1) for l in open('/proc/self/status'))
    return int(fields['VmRSS'].split()[0]) // 1024, int(fields['VmHWM'].split()[0]) // 1024
import numpy, onnxruntime, tokenizers
before = rss()[0]
from pathlib import Path
from bot.infra.pair_scorer import OnnxPairScorer
s = OnnxPairScorer(Path(sys.argv[1]))
s.score([("What is a token?", "A token is a piece of text.", "A token is a word piece.")] * 7)
now, peak = rss()
print(json.dumps({"rss_mb": now, "peak_mb": peak, "runtime_only_mb": before, "model_mb": now - before}))
"""


def memory(path: Path) -> dict[str, Any]:
    """Resident memory of a fresh process: onnxruntime alone, then with the model loaded."""
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(models: Sequence[Path] | None, data: Path, *, latency: bool = True) -> dict[str, Any]:
    """Every figure for every model, in one run."""
    cards = seed_cards()
    out: dict[str, Any] = {"seed_cards": len(cards)}
    for path in models or [model_paths()[0]]:
        scorer = OnnxPairScorer(path)
        fig: dict[str, Any] = {"bytes": path.stat().st_size, "sha256": scorer.record["sha256"]}
        fig["semeval"] = semeval_figures(scorer, data)
        fig["mohler"] = mohler_figure(scorer, data)
        fig["seed"] = seed_figures(scorer, cards)
        if latency:
            fig["latency"] = grade_latency(scorer, cards)
            fig["memory"] = memory(path)
        out[str(path)] = fig
    return out
