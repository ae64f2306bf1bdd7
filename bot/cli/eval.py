"""`flashtutor eval`: the quality evaluations, one front door over `bot/eval/`.

Each sub-command runs one evaluation module and prints its figures (docs/QUALITY.md says
what each one looked at). Speed is `flashtutor bench`; this is how good, not how fast.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.cli.common import services


def register(commands: Any) -> None:
    """Add the `eval` command and its sub-commands to the CLI."""
    p = commands.add_parser(
        "eval",
        help="measure quality: grading, search, explanations, dialogue",
        description="Quality evaluations against labelled data; the figures of docs/QUALITY.md.",
    )
    kinds = p.add_subparsers(dest="evaluation", required=True, metavar="EVALUATION")

    grading = kinds.add_parser(
        "grading",
        help="the grader against human grades (Mohler 2011, SemEval-2013 Task 7)",
        description="Every test figure of the grader next to the naive-cosine baseline "
        "measured in the same run (python -m bot.eval.asag evaluate).",
    )
    grading.add_argument(
        "--data",
        metavar="DIR",
        type=Path,
        help="the ASAG data folder (default: the FLASHTUTOR_ASAG_DATA setting)",
    )
    grading.add_argument("--params", metavar="FILE", type=Path, help="grader parameters to test")
    grading.add_argument("--cache", metavar="FILE", type=Path, help="pickle caching embeddings")
    grading.add_argument("--json", metavar="FILE", type=Path, help="also write the figures here")
    grading.set_defaults(handler=eval_grading)

    search = kinds.add_parser(
        "search",
        help="search hit rates on labelled queries, beside naive dense search",
        description="hit@1 and hit@3 of the shipped hybrid search and of naive dense search "
        "over the seed deck, for each file of lines {query, title}.",
    )
    search.add_argument(
        "queries", nargs="*", metavar="QUERIES.jsonl", help="default: tests/data/search_queries*"
    )
    search.set_defaults(handler=eval_search)

    explain = kinds.add_parser(
        "explain",
        help="grounding fallbacks of the configured LLM over the seed-deck answer replay",
        description="A partial and a wrong answer for every seed card, graded and explained "
        "by the configured model; prints the summary.",
    )
    explain.add_argument("--json", metavar="FILE", type=Path, help="write the full report here")
    explain.add_argument(
        "--dev", action="store_true", help="the tuning answers (DEV_ANSWERS), not the reported ones"
    )
    explain.add_argument(
        "--cases",
        metavar="FILE.jsonl",
        type=Path,
        help='cases {"card_id","kind","answer"} per line (tests/data/explain_fresh.jsonl: the '
        "fresh set the goals are reported on)",
    )
    explain.set_defaults(handler=eval_explain)

    dialogue = kinds.add_parser(
        "dialogue",
        help="the tutor's dialogue: hint leaks, right replies credited, wrong ones not",
        description="The dialogue figures through the scriptable tutor, over the seed deck "
        "(python -m bot.eval.dialogue).",
    )
    dialogue.add_argument("--right", metavar="FILE", type=Path, help="cases of right replies")
    dialogue.add_argument("--wrong", metavar="FILE", type=Path, help="cases of wrong replies")
    dialogue.add_argument(
        "--deck",
        metavar="FILE",
        type=Path,
        action="append",
        help="a deck the cases are on, in place of the seed deck (repeatable)",
    )
    dialogue.add_argument("--details", action="store_true", help="every case and hint, too")
    dialogue.set_defaults(handler=eval_dialogue)


def eval_grading(args: argparse.Namespace) -> int:
    """Run the grading evaluation (`bot.eval.asag evaluate`)."""
    from bot.eval import asag

    argv = [*_option("--data", args.data), *_option("--cache", args.cache), "evaluate"]
    argv += [*_option("--params", args.params), *_option("--json", args.json)]
    return asag.main(argv)


def eval_search(args: argparse.Namespace) -> int:
    """Run the search evaluation (`bot.eval.search`)."""
    from bot.eval import search

    return search.main(args.queries)


def eval_explain(args: argparse.Namespace) -> int:
    """Run the explanation evaluation (`bot.eval.explain`) with the configured model."""
    from bot.eval.explain import fallback_report

    report = fallback_report(services().settings, dev=args.dev, cases_file=args.cases)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "records"}, indent=2))
    return 0


def eval_dialogue(args: argparse.Namespace) -> int:
    """Run the dialogue evaluation (`bot.eval.dialogue`)."""
    from bot.eval import dialogue

    argv = [*_option("--right", args.right), *_option("--wrong", args.wrong)]
    argv += [x for deck in args.deck or () for x in _option("--deck", deck)]
    return dialogue.main([*argv, *(["--details"] if args.details else [])])


def _option(flag: str, value: Path | None) -> list[str]:
    return [flag, str(value)] if value is not None else []
