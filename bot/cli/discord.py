"""`run` and `sync`: the Discord bot from the command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

from bot.cli.common import services


def register(commands: Any) -> None:
    """Add the Discord commands to the CLI."""
    p = commands.add_parser("run", help="run the Discord bot (needs FLASHTUTOR_DISCORD_TOKEN)")
    p.set_defaults(handler=run)

    p = commands.add_parser(
        "sync", help="publish the slash commands to Discord (globally, or to one server)"
    )
    p.add_argument("--guild", type=int, help="sync to this server only (instant, for testing)")
    p.set_defaults(handler=sync)


def _log_at(level: str, verbose: bool) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else level.upper())
    # discord.py's own INFO lines (connect, resume) are worth seeing; its DEBUG is noise.
    logging.getLogger("discord").setLevel(logging.INFO if not verbose else logging.DEBUG)


def run(args: argparse.Namespace) -> int:
    """Ingest the decks, connect, and serve until SIGTERM or Ctrl-C."""
    from bot.app.runner import require_token, serve

    settings = services().settings
    require_token(settings)  # fail before loading any model
    _log_at(settings.log_level, getattr(args, "verbose", False))
    return asyncio.run(serve(settings))


def sync(args: argparse.Namespace) -> int:
    """Register the slash commands with Discord (global sync can take a while to show)."""
    from bot.app.runner import sync_commands

    settings = services().settings
    names = asyncio.run(sync_commands(settings, guild_id=args.guild))
    where = f"server {args.guild}" if args.guild else "every server (global)"
    print(f"Synced {len(names)} commands to {where}: {', '.join(sorted(names))}")
    return 0
