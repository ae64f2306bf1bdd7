"""The `flashtutor` command line: a thin front end over the Tutor.

Domain errors become one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from bot.errors import FlashtutorError

Handler = Callable[[argparse.Namespace], int]


def _quiet_libraries() -> None:
    # Model libraries print progress bars and hub warnings; we run offline and say what matters.
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TRANSFORMERS_VERBOSITY": "error",
        "TOKENIZERS_PARALLELISM": "false",
        "ANONYMIZED_TELEMETRY": "False",
    }.items():
        os.environ.setdefault(key, value)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    from bot.cli import bench, cards, db, decks, discord, eval, health, ops, script, tutor

    parser = argparse.ArgumentParser(
        prog="flashtutor",
        description="A self-hosted tutor: flashcards, free-text grading, spaced repetition, a local LLM.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (cards, decks, tutor, script, ops, db, discord, health, bench, eval):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `flashtutor` console script."""
    _quiet_libraries()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    handler: Handler = args.handler
    try:
        return handler(args)
    except FlashtutorError as exc:
        print(f"flashtutor: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("flashtutor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # the edge: log the detail, show one line
        logging.getLogger("flashtutor").debug("unexpected failure", exc_info=True)
        print(
            f"flashtutor: unexpected error ({type(exc).__name__}: {exc}); rerun with -v for details",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
