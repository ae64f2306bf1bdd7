"""SQLite, the embedded default: one file in WAL mode, one connection guarded by a lock.

One connection for the whole process, so the bot can call it from worker threads
(`asyncio.to_thread`) and two writers in one process never wait on each other's file
locks; other processes on the same file wait up to `busy_timeout_s` for the write lock.
Every write is one `BEGIN IMMEDIATE` transaction: a crash mid-write leaves the database as
it was before that write.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.infra.db.base import Database, Row, Tx

BUSY_TIMEOUT_S = 10.0
"""How long a write waits for another process's write to finish before giving up."""


class SqliteDatabase(Database):
    """A SQLite file (or `:memory:`), migrated when opened."""

    dialect = "sqlite"
    # OperationalError covers the faults of the file itself (locked, full, read-only, I/O).
    faults = (sqlite3.OperationalError,)

    def __init__(
        self, path: Path, busy_timeout_s: float = BUSY_TIMEOUT_S, *, apply_migrations: bool = True
    ) -> None:
        super().__init__(f"sqlite:///{path}")
        self.path = path
        self._lock = threading.RLock()
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.connection = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=busy_timeout_s
            )
            self.connection.row_factory = sqlite3.Row
            self.connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            _while_locked(
                lambda: self.connection.execute("PRAGMA journal_mode = WAL"), busy_timeout_s
            )
            # NORMAL is safe with WAL: a crash loses at most the last commits, never consistency.
            self.connection.execute("PRAGMA synchronous = NORMAL")
            self.connection.execute("PRAGMA foreign_keys = ON")
            if apply_migrations:
                self.migrate()
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            raise ConfigError(f"cannot open the progress database {path}: {exc}") from exc
        except BaseException:
            self._close_quietly()
            raise

    def _close_quietly(self) -> None:
        if hasattr(self, "connection"):
            self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """`BEGIN IMMEDIATE` … `COMMIT`: the write lock up front, so writers never deadlock."""
        with self._lock:
            conn = self.connection
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _read(self, sql: str, params: Sequence[Any]) -> list[Row]:
        with self._lock:
            return self.connection.execute(sql, params).fetchall()

    def ids_in(self, column: str) -> str:
        """SQL: `column` is among the ids of a JSON-list parameter."""
        return f"{column} IN (SELECT value FROM json_each(?))"

    @property
    def null_safe_eq(self) -> str:
        """SQLite's `IS` compares NULLs as equal."""
        return "IS"

    @property
    def skip_locked(self) -> str:
        """Nothing: BEGIN IMMEDIATE already runs one writer at a time."""
        return ""

    @property
    def for_update(self) -> str:
        """Nothing: BEGIN IMMEDIATE already runs one writer at a time."""
        return ""

    def table_names(self, tx: Tx) -> list[str]:
        """Every table, in the order they were created (SQLite's own bookkeeping left out)."""
        rows = tx.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY rowid"
        ).fetchall()
        return [str(name) for (name,) in rows]

    def tables_with_column(self, tx: Tx, column: str) -> list[str]:
        """Tables with that column, in the order they were created."""
        return [
            name
            for name in self.table_names(tx)
            if any(
                col[1] == column for col in tx.execute(f'PRAGMA table_info("{name}")').fetchall()
            )
        ]

    def continue_ids(self, tx: Tx, table: str) -> None:
        """Nothing to do: SQLite's AUTOINCREMENT counter follows explicitly inserted ids."""

    def defer_constraints(self, tx: Tx) -> None:
        """Foreign keys are checked at COMMIT for the rest of this transaction."""
        tx.execute("PRAGMA defer_foreign_keys = ON")

    def migrate(self) -> list[str]:
        """Apply pending migrations, each in its own `BEGIN IMMEDIATE` transaction."""
        from bot.infra.migrations import migrate

        return migrate(self)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self.connection.close()

    def describe(self) -> str:
        """The file's path."""
        return str(self.path)


def _while_locked(step: Callable[[], object], timeout_s: float) -> None:
    """Run `step`, retrying while another connection holds the file: switching a new
    file to WAL needs it alone, and SQLite answers "database is locked" at once there
    instead of waiting the busy timeout (two processes opening one new file at once).
    """
    deadline = time.monotonic() + timeout_s
    pause = 0.005
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(0.2, pause * 2)
