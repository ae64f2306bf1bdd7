"""`flashtutor decks check PATH…` (what would load and why anything would not, without
touching the index: no model is loaded) and `flashtutor export DECK --out FILE.apkg`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.core.cards import GLOBAL_SCOPE
from bot.core.decks import discover_deck_files
from bot.core.decks.check import report_lines, summarize
from bot.core.decks.library import load_decks
from bot.errors import InputError


def register(commands: Any) -> None:
    """Add `decks check` to the CLI."""
    p = commands.add_parser("decks", help="check deck files without ingesting them")
    sub = p.add_subparsers(dest="decks_command", required=True, metavar="ACTION")
    check = sub.add_parser(
        "check",
        help="what would load and why not; exit 0 all loaded, 1 some skipped, 2 nothing loaded",
    )
    check.add_argument("paths", nargs="+", type=Path, help="deck files or folders")
    check.add_argument("--json", action="store_true", help="one JSON object per file")
    check.set_defaults(handler=check_decks)

    p = commands.add_parser("export", help="write an ingested deck as an Anki package (.apkg)")
    p.add_argument("deck", help="the deck's name (as `flashtutor search --json` shows it)")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.apkg", help="where to write")
    p.set_defaults(handler=export_deck)


def check_decks(args: argparse.Namespace) -> int:
    """Parse every deck file under the paths and report, file by file."""
    from bot.cli.common import services

    files = discover_deck_files(args.paths)
    decks = load_decks(args.paths, services().settings.knowledge_dir)
    for deck in decks:
        if args.json:
            print(json.dumps(_deck_json(deck), ensure_ascii=False))
            continue
        print(
            f"{deck.source}: {len(deck.cards)} card(s) from {deck.questions} question(s)"
            + (f" in deck(s) {', '.join(deck.deck_names)}" if len(deck.deck_names) > 1 else "")
        )
        for line in report_lines(deck):
            print(f"  {line}")
    summary = summarize(decks)
    if not files:
        print("no deck files found", file=sys.stderr)
    print(summary.line(), file=sys.stderr if args.json else sys.stdout)
    return summary.exit_code


def export_deck(args: argparse.Namespace) -> int:
    """Write one ingested deck (and its subdecks `DECK::…`) to an .apkg file."""
    from bot.cli.common import services

    if args.out.suffix.lower() != ".apkg":
        raise InputError(f"--out must name an .apkg file (got {args.out})")
    notes = services().decks.export((GLOBAL_SCOPE,), args.deck, args.out)
    print(f"wrote {notes} note(s) of deck {args.deck!r} to {args.out}")
    return 0


def _deck_json(deck: Any) -> dict[str, Any]:
    return {
        "source": deck.source,
        "decks": deck.deck_names,
        "cards": len(deck.cards),
        "questions": deck.questions,
        "skipped": [{"line": i.line, "reason": i.reason} for i in deck.issues],
        "warnings": [{"line": w.line, "reason": w.reason} for w in deck.warnings],
    }
