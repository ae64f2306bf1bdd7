"""Our portable statements as PostgreSQL runs them: `%s` placeholders, rows readable by
column name, and a conditional pair of writes chained into one statement (one round trip).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from bot.infra.db.base import Row, Statement


class PgRow(tuple[Any, ...]):
    """A row readable by position and by column name, like `sqlite3.Row`."""

    _index: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        """The column names."""
        return list(self._index)


def row_factory(cursor: Any) -> Any:
    """psycopg's row factory making `PgRow`s."""
    index = {col.name: i for i, col in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> PgRow:
        row = PgRow(values)
        row._index = index
        return row

    return make


@lru_cache(maxsize=512)
def pg_sql(sql: str) -> str:
    """A statement with `?` placeholders as psycopg takes it (`%s`)."""
    # Our statements never hold a literal `?` or `%`; escape `%` anyway so one never breaks.
    return sql.replace("%", "%%").replace("?", "%s")


_INSERT_VALUES = re.compile(
    r"\s*(INSERT\s+INTO\s+\w+\s*\([^)]*\))\s*VALUES\s*\((.*)\)\s*", re.S | re.I
)


def _insert_parts(then: str) -> tuple[str, str]:
    """(`INSERT INTO t (columns)`, the values) of an `INSERT … VALUES (…)`."""
    insert = _INSERT_VALUES.fullmatch(then)
    if insert is None:
        raise ValueError(f"not an INSERT … VALUES (…): {then!r}")
    head, values = insert.groups()
    return head, values


@lru_cache(maxsize=64)
def _chained_sql(change: str, then: str) -> str:
    head, values = _insert_parts(then)
    return f"WITH changed AS ({change.strip()} RETURNING 1) {head} SELECT {values} FROM changed"


def chained(change: Statement, then: Statement) -> tuple[str, tuple[Any, ...]]:
    """One statement: `then` (an INSERT … VALUES) inserts only if `change` changed a row."""
    return _chained_sql(change[0], then[0]), (*change[1], *then[1])


@lru_cache(maxsize=64)
def _chained_with_read_sql(read: str, change: str, then: str) -> str:
    # Every part of one statement sees the snapshot taken before it: `cur` is the row as it
    # was before `changed` wrote. One row always comes back (the LEFT JOIN), saying whether
    # the pair was written and how many rows `cur` holds, then `cur`'s columns.
    head, values = _insert_parts(then)
    return (
        f"WITH cur AS ({read.strip()}), changed AS ({change.strip()} RETURNING 1), "
        f"logged AS ({head} SELECT {values} FROM changed) "
        "SELECT (SELECT count(*) FROM changed) AS applied_, (SELECT count(*) FROM cur) AS found_, "
        "cur.* FROM (SELECT 1) AS one_ LEFT JOIN cur ON true"
    )


def chained_with_read(
    read: Statement, change: Statement, then: Statement
) -> tuple[str, tuple[Any, ...]]:
    """One statement: `chained(change, then)`, answering with the rows `read` selected
    before it (see `applied_and_read`)."""
    sql = _chained_with_read_sql(read[0], change[0], then[0])
    return sql, (*read[1], *change[1], *then[1])


def applied_and_read(rows: Sequence[PgRow]) -> tuple[bool, list[Row]]:
    """What `chained_with_read` answered: whether it wrote, and the rows read before."""
    applied, found = bool(rows[0][0]), int(rows[0][1])
    if not found:
        return applied, []
    index = {name: i - 2 for name, i in rows[0]._index.items() if i >= 2}
    read: list[Row] = []
    for values in rows:
        row = PgRow(values[2:])
        row._index = index
        read.append(row)
    return applied, read
