"""`db migrate`: bring the progress database up to date, or copy it to another engine."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.common import services


def register(commands: Any) -> None:
    """Add the `db` command group to the CLI."""
    p = commands.add_parser("db", help="the progress database: migrate it, or copy it elsewhere")
    actions = p.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    m = actions.add_parser(
        "migrate",
        help="apply pending migrations; with --to, copy everything into another database",
    )
    m.add_argument(
        "--to",
        metavar="URL",
        help="an empty database to copy into (postgresql://user:pass@host:port/dbname)",
    )
    m.add_argument(
        "--from",
        dest="source",
        metavar="URL",
        help="the database to read (default: FLASHTUTOR_DATABASE_URL, else the SQLite file)",
    )
    m.set_defaults(handler=migrate)


def migrate(args: argparse.Namespace) -> int:
    """Migrate the configured database; with `--to`, copy it there and verify the row counts."""
    if args.to:
        print(f"copying into {args.to.rsplit('@', 1)[-1]}:")
    done = services().migrate_database(
        args.to,
        source=args.source,
        on_table=lambda t: print(f"  {t.name}: {t.source_rows} rows -> {t.target_rows} rows"),
    )
    applied = ", ".join(done.applied) if done.applied else "already up to date"
    print(f"{done.source}: {len(done.applied)} migration(s) applied ({applied})")
    if done.target is not None:
        total = sum(t.target_rows for t in done.tables)
        print(
            f"copied {total} rows in {len(done.tables)} tables into {done.target}; "
            "every table's row count matches"
        )
    return 0
