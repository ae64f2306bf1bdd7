"""`models`, `run` and friends: operating the bot."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.common import services


def register(commands: Any) -> None:
    """Add the operations commands to the CLI."""
    p = commands.add_parser("models", help="prepare the bundled models")
    p.add_argument("action", choices=["prepare"], help="assemble and verify the configured GGUF")
    p.set_defaults(handler=models)

    p = commands.add_parser("run", help="run the Discord bot")
    p.set_defaults(handler=run)


def models(args: argparse.Namespace) -> int:
    """Assemble and verify the configured LLM model file."""
    from bot.infra.model_files import prepare_models

    svc = services()
    path = prepare_models(svc.settings)
    print(f"LLM model ready: {path}" if path else "No LLM model file to prepare.")
    return 0


def run(args: argparse.Namespace) -> int:
    """Start the bot: until the Discord front end lands, ingest and quiz in this terminal."""
    from bot.cli.tutor import _quiz_loop

    svc = services()
    print(
        "The Discord front end is not built yet: ingesting knowledge/ and starting the terminal quiz."
    )
    report, _ = svc.ingest()
    print(
        f"Index ready: {report.added} added, {report.updated} updated, {report.unchanged} unchanged."
    )
    try:
        return _quiz_loop(svc, None, None)
    finally:
        svc.close()
