"""`flashtutor bench`: run the benchmark suite, print a table, write JSON."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.cli.common import services
from bot.errors import InputError


def register(commands: Any) -> None:
    """Add the `bench` command to the CLI."""
    from bot.bench import GROUPS

    p = commands.add_parser(
        "bench",
        help="measure speed against same-run baselines",
        description="Measure ingest, search, grading, the LLM, Discord, pushes, memory and search "
        "at scale; print a table and write JSON. Figures are medians with same-run ratios.",
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller sizes (minutes, not hours)")
    size.add_argument("--smoke", action="store_true", help="tiny sizes: checks that it all runs")
    p.add_argument(
        "--json", metavar="FILE", help="write the figures as JSON to FILE ('-' = stdout)"
    )
    p.add_argument(
        "--only",
        metavar="GROUPS",
        help=f"comma-separated groups to run (default: all of {','.join(GROUPS)})",
    )
    p.add_argument(
        "--cards",
        metavar="N",
        type=int,
        help="synthetic cards for the ingest and query groups (overrides the mode's size)",
    )
    p.add_argument(
        "--stand-in-embedder",
        action="store_true",
        help="ingest group only: random vectors instead of the model, to time the index and "
        "start-up at sizes the model would take hours to embed (no raw-encode ratio)",
    )
    p.add_argument("--workdir", metavar="DIR", type=Path, help="where temporary indexes go")
    p.set_defaults(handler=bench)


def bench(args: argparse.Namespace) -> int:
    """Run the suite and report."""
    from rich.console import Console

    from bot.bench import FULL, GROUPS, QUICK, SMOKE, run_bench
    from bot.bench.report import render

    groups = [g.strip() for g in args.only.split(",") if g.strip()] if args.only else list(GROUPS)
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        raise InputError(
            f"unknown bench group(s): {', '.join(unknown)}; choose from {', '.join(GROUPS)}"
        )
    sizes = SMOKE if args.smoke else QUICK if args.quick else FULL
    if args.cards is not None:
        if args.cards < 1:
            raise InputError("--cards must be at least 1")
        sizes = replace(sizes, ingest_cards=args.cards)
    if args.json and args.json != "-" and not Path(args.json).resolve().parent.is_dir():
        # Checked now, not after an hour of measuring.
        raise InputError(f"cannot write {args.json}: its folder does not exist")
    to_stderr = args.json == "-"
    stream = sys.stderr if to_stderr else sys.stdout
    # Piped output gets a fixed width so the table stays readable in logs.
    console = Console(stderr=to_stderr, width=None if stream.isatty() else 120)
    settings = services().settings
    results = run_bench(
        settings,
        sizes,
        groups=groups,
        workdir=args.workdir,
        say=lambda line: console.print(f"[dim]{line}[/dim]"),
        stand_in_embedder=args.stand_in_embedder,
    )
    console.print(render(results))
    if args.json:
        text = json.dumps(results, indent=2, ensure_ascii=False)
        if args.json == "-":
            sys.stdout.write(text + "\n")
        else:
            try:
                Path(args.json).write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                raise InputError(f"cannot write {args.json}: {exc.strerror}") from None
            console.print(f"figures written to {args.json}")
    return 0
