"""Copy a progress database to another engine (`flashtutor db migrate --to URL`).

The target is migrated to the same named migrations as the source, must hold no rows yet,
and receives every table in creation order (parents before the rows that reference them)
in one transaction, with the ids kept; the identity counters then continue after the
highest copied id. Row counts are compared per table before the transaction commits: a
mismatch rolls everything back, so the target is either a complete copy or untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import ConfigError
from bot.infra import migrations
from bot.infra.db.base import Database

BATCH = 1000


@dataclass(frozen=True)
class CopiedTable:
    """How many rows one table had in the source and has in the target."""

    name: str
    source_rows: int
    target_rows: int


def copy_database(
    source: Database,
    target: Database,
    *,
    on_table: Callable[[CopiedTable], None] | None = None,
) -> list[CopiedTable]:
    """Copy every row of `source` into the empty, migrated `target`; verified by row counts."""
    have = migrations.applied(source)
    want = migrations.applied(target)
    if have != want:
        raise ConfigError(
            "the two databases are at different migrations "
            f"(source {len(have)}, target {len(want)}): open both with this flashtutor first"
        )
    copied: list[CopiedTable] = []
    with source.transaction() as src, target.tx() as dst:
        tables = [t for t in source.table_names(src) if t != "migrations"]
        busy = [t for t in tables if dst.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]]
        if busy:
            raise ConfigError(
                f"the target database already holds rows (in {', '.join(busy)}); "
                "copy into an empty database"
            )
        for table in tables:
            cur = src.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cur.description]  # type: ignore[attr-defined]
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" * len(columns))
            insert = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
            count = 0
            while rows := cur.fetchmany(BATCH):  # type: ignore[attr-defined]
                dst.executemany(insert, [tuple(row) for row in rows])
                count += len(rows)
            (landed,) = dst.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
            result = CopiedTable(table, count, int(landed))
            if result.target_rows != result.source_rows:
                raise ConfigError(
                    f"copying {table} landed {result.target_rows} of {result.source_rows} rows; "
                    "nothing was committed"
                )
            if "id" in columns:
                target.continue_ids(dst, table)
            copied.append(result)
            if on_table is not None:
                on_table(result)
    return copied
