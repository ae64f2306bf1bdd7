"""Dialogue quality, measured through the scriptable tutor (`flashtutor tutor --script`).

Three figures (docs/QUALITY.md § Dialogue):

- **hint leaks**: over every key point of the seed deck, the share of the tutor's hints that
  contain a distinguishing content word of their point (a content word of the point the
  question does not contain; reported against the question alone and against question and
  title, which the learner also sees).
- **credited**: replies that state the missing point, given after its hint or its prompt,
  that the tutor credits (`verdict` "covered" on the reply's feedback turn).
- **not credited**: wrong replies, after a hint or a prompt, that the tutor does not credit.

Each case reaches its point the way a learner would: the answer "I don't know" opens the
dialogue on every point, "just tell me" moves past the points before it, "no idea" turns a
hint into a prompt. Cases name their point by its text, so a change in how references are
split into points moves the case with it. `python -m bot.eval.dialogue` prints the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.cards import Card
from bot.core.decks import load_deck_file
from bot.core.dialogue import templates
from bot.core.grading import content_words, split_key_points, stem, words

ROOT = Path(__file__).resolve().parents[2]
SEED_DECK = ROOT / "knowledge" / "000_75fa53af5a744319.txt"
DATA = ROOT / "tests" / "data" / "dialogue"
OPEN_ALL = "I don't know"
PASS = "just tell me"
NOT_YET = "no idea"


@dataclass(frozen=True)
class Case:
    """A reply to one point of one card, given after its hint or its prompt."""

    card: str
    point: str
    after: str  # "hint" | "prompt"
    reply: str


def load_cases(path: Path) -> list[Case]:
    """Cases from a JSON Lines file of {"card", "point", "after", "reply"}."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            cases.append(Case(item["card"], item["point"], item["after"], item["reply"]))
    return cases


def _overlap(a: str, b: str) -> float:
    sa, sb = {stem(w) for w in content_words(a)}, {stem(w) for w in content_words(b)}
    return len(sa & sb) / max(1, len(sa | sb))


def point_index(points: Sequence[str], text: str) -> int:
    """The point a case means: the one whose words overlap its text most."""
    return max(range(len(points)), key=lambda i: _overlap(points[i], text))


def run_script(lines: list[dict[str, Any]], data_dir: Path) -> list[dict[str, Any]]:
    """Run `flashtutor tutor --script` on `lines` in `data_dir`; its output lines.

    The tutor reads the decks of `data_dir/knowledge` when there is one (`--deck`), else the
    project's knowledge/.
    """
    path = data_dir / "script.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    env = {**os.environ, "FLASHTUTOR_DATA_DIR": str(data_dir), "FLASHTUTOR_LLM_MODEL": "none"}
    if (data_dir / "knowledge").is_dir():
        env["FLASHTUTOR_KNOWLEDGE_DIR"] = str(data_dir / "knowledge")
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "tutor", "--script", str(path), "--user", "eval"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    out = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    errors = [o for o in out if "error" in o]
    if proc.returncode not in (0, 1) or errors:
        raise RuntimeError(f"the script failed: {errors or proc.stderr[-2000:]}")
    return out


def _segments(out: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Output split per card: each segment starts with its question turn."""
    segments: list[list[dict[str, Any]]] = []
    for turn in out:
        if turn["step"] == "question":
            segments.append([])
        if segments:
            segments[-1].append(turn)
    return segments


def credit_rate(
    cases: list[Case], cards: dict[str, Card], data_dir: Path
) -> tuple[float, list[dict[str, Any]]]:
    """The share of cases whose reply the tutor credits, and each case's outcome."""
    lines: list[dict[str, Any]] = []
    targets: list[int] = []
    for case in cases:
        points = split_key_points(cards[case.card].answer)
        k = point_index(points, case.point)
        targets.append(k)
        lines += [{"start": {"card": case.card}}, {"say": OPEN_ALL}]
        lines += [{"say": PASS}] * k
        if case.after == "prompt":
            lines.append({"say": NOT_YET})
        lines.append({"say": case.reply})
    segments = _segments(run_script(lines, data_dir))
    if len(segments) != len(cases):
        raise RuntimeError(f"{len(segments)} cards in the output for {len(cases)} cases")
    rows = []
    for case, k, segment in zip(cases, targets, segments, strict=True):
        feedback = [t for t in segment if t["step"] == "feedback" and t["point"] == k]
        asked = [t["step"] for t in segment if t["point"] == k and t["step"] in ("hint", "prompt")]
        credited = bool(feedback) and feedback[-1]["verdict"] == "covered"
        rows.append({**case.__dict__, "index": k, "asked": asked, "credited": credited})
    return sum(r["credited"] for r in rows) / max(1, len(rows)), rows


def hint_leaks(cards: list[Card], data_dir: Path) -> dict[str, Any]:
    """Every point's hint, through the tutor; how many contain a distinguishing word."""
    lines: list[dict[str, Any]] = []
    for card in cards:
        lines += [{"start": {"card": card.card_id}}, {"say": OPEN_ALL}]
        lines += [{"say": PASS}] * len(split_key_points(card.answer))
    by_id = {c.card_id: c for c in cards}
    hints = [t for t in run_script(lines, data_dir) if t["step"] == "hint"]
    leaks_q, leaks_qt, shown = 0, 0, []
    for turn in hints:
        card = by_id[turn["card"]]
        point = split_key_points(card.answer)[turn["point"]]
        said = {stem(w) for w in words(turn["text"])}
        question = {stem(w) for w in content_words(card.question)}
        against_q = {stem(w) for w in content_words(point)} - question
        against_qt = {stem(w) for w in templates.distinguishing(point, card)}
        leaks_q += bool(said & against_q)
        leaks_qt += bool(said & against_qt)
        shown.append({"card": card.card_id, "point": turn["point"], "hint": turn["text"]})
    n = max(1, len(hints))
    return {
        "hints": len(hints),
        "leak_rate_vs_question": leaks_q / n,
        "leak_rate_vs_question_and_title": leaks_qt / n,
        "hints_shown": shown,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print the dialogue figures as JSON (the measured sets are in tests/data/dialogue/)."""
    parser = argparse.ArgumentParser(prog="python -m bot.eval.dialogue")
    parser.add_argument("--right", type=Path, default=DATA / "replies_right.jsonl")
    parser.add_argument("--wrong", type=Path, default=DATA / "replies_wrong.jsonl")
    parser.add_argument(
        "--deck",
        type=Path,
        action="append",
        help="a deck file the cases are on, in place of the seed deck (repeatable)",
    )
    parser.add_argument("--details", action="store_true", help="every case and hint, too")
    args = parser.parse_args(argv)
    decks: list[Path] = args.deck or [SEED_DECK]
    cards = [c for deck in decks for c in load_deck_file(deck).cards]
    by_id = {c.card_id: c for c in cards}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        if args.deck:
            (data / "knowledge").mkdir()
            for deck in decks:
                shutil.copyfile(deck, data / "knowledge" / deck.name)
        leaks = hint_leaks(cards, data)
        right, right_rows = credit_rate(load_cases(args.right), by_id, data)
        wrong, wrong_rows = credit_rate(load_cases(args.wrong), by_id, data)
    report: dict[str, Any] = {
        "hints": leaks["hints"],
        "hint_leak_rate_vs_question": round(leaks["leak_rate_vs_question"], 4),
        "hint_leak_rate_vs_question_and_title": round(leaks["leak_rate_vs_question_and_title"], 4),
        "right_cases": len(right_rows),
        "right_credited": round(right, 4),
        "wrong_cases": len(wrong_rows),
        "wrong_not_credited": round(1 - wrong, 4),
    }
    if args.details:
        report["hints_shown"] = leaks["hints_shown"]
        report["right_missed"] = [r for r in right_rows if not r["credited"]]
        report["wrong_credited"] = [r for r in wrong_rows if r["credited"]]
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
