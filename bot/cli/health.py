"""`health`: is this flashtutor able to serve? (the container's HEALTHCHECK runs it)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.cli.common import now, services
from bot.services import HEARTBEAT_MAX_AGE_S


def register(commands: Any) -> None:
    """Add the `health` command to the CLI."""
    p = commands.add_parser(
        "health", help="check the database, the index, the model file and the Discord connection"
    )
    p.add_argument(
        "--no-gateway",
        action="store_true",
        help="skip the Discord heartbeat check (when the bot is not meant to be running)",
    )
    p.add_argument(
        "--max-age",
        type=float,
        default=HEARTBEAT_MAX_AGE_S,
        metavar="SECONDS",
        help=f"oldest acceptable heartbeat (default {HEARTBEAT_MAX_AGE_S:.0f})",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=health)


def health(args: argparse.Namespace) -> int:
    """Run every check, print one line each (or JSON); exit 1 if any failed."""
    results = services().check_health(now(), gateway=not args.no_gateway, max_age_s=args.max_age)
    ok = all(r.ok for r in results)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [r.to_dict() for r in results]}))
    else:
        width = max(len(r.name) for r in results)
        for r in results:
            print(f"{'ok' if r.ok else 'FAIL':<4}  {r.name:<{width}}  {r.detail}")
    return 0 if ok else 1
