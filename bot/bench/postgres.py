"""The throwaway PostgreSQL server of the bench groups that need one (database, shards,
cluster): started with fsync on and asynchronous commit, stopped however the group ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.testing.postgres import TempPostgres


@contextmanager
def durable_postgres() -> Iterator[TempPostgres | str]:
    """A started `TempPostgres(durable=True)`, or the reason none could start (a group then
    reports its keys as null with that reason). The server is stopped on leaving."""
    try:
        from bot.testing.postgres import PostgresUnavailable, TempPostgres
    except ImportError as exc:
        yield f"PostgreSQL client missing: {exc}"
        return
    try:
        server = TempPostgres(durable=True).start()
    except PostgresUnavailable as exc:
        yield str(exc)
        return
    try:
        yield server
    finally:
        server.stop()
