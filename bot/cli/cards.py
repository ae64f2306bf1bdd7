"""`ingest`, `search` and `grade`: the card index and the grader from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import dump, read_jsonl, services
from bot.core.decks.check import report_lines, summarize
from bot.core.tutor import check_answer
from bot.errors import InputError

GRADE_BATCH = 128
SEARCH_K_MAX = 100


def register(commands: Any) -> None:
    """Add the card commands to the CLI."""
    p = commands.add_parser(
        "ingest",
        help="embed decks into the index (idempotent, incremental); exit 1 if cards were"
        " skipped, 2 if nothing loaded",
    )
    p.add_argument(
        "paths", nargs="*", type=Path, help="deck files or folders (default: knowledge/)"
    )
    p.set_defaults(handler=ingest)

    p = commands.add_parser("search", help="find the cards that match a query")
    p.add_argument("query", nargs="?", help="what to look for")
    p.add_argument("-k", type=int, default=5, help="how many cards (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--batch", metavar="FILE.jsonl", help='lines of {"query"}; one JSON list per line'
    )
    p.set_defaults(handler=search)

    p = commands.add_parser("grade", help="grade a free-text answer")
    p.add_argument("--card", help="card id (see `search --json`)")
    p.add_argument("--question", help="question text (with --reference)")
    p.add_argument("--reference", help="reference answer (with --question)")
    p.add_argument("--answer", help="the answer to grade")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--batch", metavar="FILE.jsonl", help='lines of {"question","reference","answer"}'
    )
    p.set_defaults(handler=grade)


def ingest(args: argparse.Namespace) -> int:
    """Parse decks, report bad cards, and sync the index; exits like `decks check`."""
    from rich.progress import Progress

    svc = services()
    with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("embedding cards", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report, decks = svc.ingest(args.paths or None, on_progress=progress)
    for deck in decks:
        for line in report_lines(deck):
            print(line, file=sys.stderr)
    summary = summarize(decks)
    print(
        f"{len(decks)} deck(s), {summary.cards} card(s): {report.added} added, "
        f"{report.updated} updated, {report.removed} removed, {report.unchanged} unchanged"
    )
    if summary.issues or summary.warnings:
        print(summary.line(), file=sys.stderr)
    return summary.exit_code


def _check_k(k: int) -> int:
    if not 1 <= k <= SEARCH_K_MAX:
        raise InputError(f"-k must be between 1 and {SEARCH_K_MAX}")
    return k


def search(args: argparse.Namespace) -> int:
    """Search one query, or a JSONL batch of them."""
    k = _check_k(args.k)
    if args.batch is None and not (args.query or "").strip():
        raise InputError("give a QUERY, or --batch FILE.jsonl")
    index = services().index
    if args.batch is not None:
        for _, item in read_jsonl(args.batch, ("query",)):
            if isinstance(item, str):
                dump({"error": item})
            else:
                dump(_hits_json(index.search(item["query"], k=k)))
        return 0
    hits = index.search(args.query, k=k)
    if args.json:
        dump(_hits_json(hits))
    elif not hits:
        print("no cards found (is the index empty? run `flashtutor ingest`)")
    else:
        for hit in hits:
            print(f"{hit.score:.3f}  {hit.card.card_id}  [{hit.card.deck}] {hit.card.question}")
    return 0


def _hits_json(hits: Any) -> list[dict[str, Any]]:
    return [
        {
            "card_id": h.card.card_id,
            "deck": h.card.deck,
            "question": h.card.question,
            "score": h.score,
        }
        for h in hits
    ]


def grade(args: argparse.Namespace) -> int:
    """Grade against a card, against a given reference, or a JSONL batch in input order."""
    if args.batch is not None:
        return _grade_batch(args.batch)
    if args.answer is None:
        raise InputError("give --answer TEXT (with --card ID, or --question and --reference)")
    svc = services()
    if args.card:
        card = svc.index.get(args.card)
        question, reference = card.question, card.answer
    elif args.question is not None and args.reference is not None:
        question, reference = args.question, args.reference
        if not reference.strip():
            raise InputError("--reference is empty")
    else:
        raise InputError("give --card ID, or both --question and --reference")
    result = svc.grader.grade(question, reference, check_answer(args.answer))
    if args.json:
        dump(result.to_dict())
        return 0
    print(f"{result.verdict} ({result.score:.2f})")
    for point in result.covered:
        print(f"  covered: {point}")
    for line in result.corrections():
        print(f"  wrong:   {line}")
    for point in result.missed:
        print(f"  missed:  {point}")
    for reason in result.reasons:
        print(f"  note:    {reason}")
    return 0


def _grade_batch(path: str) -> int:
    grader = services().grader
    pending: list[tuple[str, str, str]] = []
    slots: list[dict[str, Any] | None] = []

    def flush() -> None:
        grades = iter(grader.grade_many(pending))
        for slot in slots:
            dump(slot if slot is not None else next(grades).to_dict())
        pending.clear()
        slots.clear()

    for _, item in read_jsonl(path, ("question", "reference", "answer")):
        if isinstance(item, str):
            slots.append({"error": item})
        else:
            pending.append((item["question"], item["reference"], item["answer"][:4000]))
            slots.append(None)
        if len(pending) >= GRADE_BATCH:
            flush()
    flush()
    return 0
