"""PostgreSQL (psycopg 3): a small pool of connections shared by every worker thread.

Several bot processes share one PostgreSQL; each keeps up to `pool_size` connections.
Statements are written for both engines with `?` placeholders; here they become `%s`.
A connection that breaks (the server restarted, an administrator ended the backend, the
network dropped) is thrown away: the transaction it carried fails as a `StoreError` with
nothing saved, and the next call opens a fresh one. An idle connection the server ended
is noticed before use (it has the server's goodbye to read), and a read is tried once more
on a fresh connection, so a pool killed by a server restart costs no caller an error.
Transactions run in pipeline mode (see `_PgTx`): round trips, not statements, cost time. A
read-then-write (`read_then_write`, `write_pair`: a review) goes without BEGIN and COMMIT,
as a read and one statement writing both rows if the row is still as read: two round trips;
one (`write_pair_or_read`) when the writer guessed the row, and right.
"""

from __future__ import annotations

import select
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.pq import TransactionStatus

from bot.errors import ConfigError
from bot.infra.db.base import Database, Row, Statement, Tx
from bot.infra.db.pg_sql import applied_and_read, chained, chained_with_read, pg_sql, row_factory

POOL_SIZE = 5
"""Connections per process: one per worker thread that may be in the database at once."""


class _PipelinedCursor:
    """A cursor in pipeline mode: what the caller reads waits for the server, nothing else."""

    def __init__(self, cur: psycopg.Cursor[Any], pipeline: psycopg.Pipeline) -> None:
        self._cur = cur
        self._pipeline = pipeline

    @property
    def rowcount(self) -> int:
        self._pipeline.sync()
        return self._cur.rowcount

    @property
    def description(self) -> Any:
        self._pipeline.sync()
        return self._cur.description

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall()

    def fetchmany(self, size: int) -> list[Any]:
        return self._cur.fetchmany(size)


class _PgTx:
    """A transaction on one connection, taking the portable `?` statements.

    In pipeline mode: a statement is sent at once and its result waited for only when read,
    so BEGIN goes out with the first statement and the writes with COMMIT. (A review on its
    own needs no transaction: see `read_then_write` and `write_pair`.)
    """

    def __init__(self, conn: psycopg.Connection[Any], pipeline: psycopg.Pipeline) -> None:
        self.conn = conn
        self.pipeline = pipeline

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Any:
        cur = self.conn.cursor()
        cur.execute(pg_sql(sql), tuple(params))
        return _PipelinedCursor(cur, self.pipeline)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]], /) -> Any:
        with self.conn.cursor() as cur:
            cur.executemany(pg_sql(sql), [tuple(r) for r in rows])


def redact(url: str) -> str:
    """The URL without its password (for logs, health checks and error messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


class PostgresDatabase(Database):
    """A PostgreSQL database by URL (`postgresql://user:pass@host:port/dbname`), migrated."""

    dialect = "postgresql"
    # OperationalError covers a lost connection, an ended backend, a full disk, a lock
    # wait past `lock_timeout` and serialization failures; InterfaceError a closed one.
    faults = (psycopg.OperationalError, psycopg.InterfaceError)
    guessed_pairs_pay = True

    def __init__(
        self,
        url: str,
        busy_timeout_s: float = 10.0,
        pool_size: int = POOL_SIZE,
        *,
        apply_migrations: bool = True,
    ) -> None:
        super().__init__(url)
        self.busy_timeout_s = busy_timeout_s
        self._idle: list[psycopg.Connection[Any]] = []
        self._idle_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(pool_size)
        self._closed = False
        try:
            # Connect now even without migrating: a wrong URL fails here, not on first use.
            if apply_migrations:
                self.migrate()
            else:
                self._read("SELECT 1", ())
        except psycopg.Error as exc:
            self.close()
            raise ConfigError(
                f"cannot open the progress database {redact(url)}: {str(exc).strip()}"
            ) from exc
        except BaseException:
            self.close()
            raise

    # --- connections -----------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[Any]:
        timeout_ms = int(self.busy_timeout_s * 1000)
        return psycopg.connect(
            self.url,
            autocommit=True,  # BEGIN/COMMIT are ours, so nothing is left open by accident
            row_factory=row_factory,
            connect_timeout=max(1, int(self.busy_timeout_s)),
            options=f"-c lock_timeout={timeout_ms} -c idle_in_transaction_session_timeout=60000",
            application_name="flashtutor",
        )

    @contextmanager
    def _lease(self) -> Iterator[list[psycopg.Connection[Any]]]:
        """A connection of the pool for one transaction or read (a one-item list: replaceable)."""
        if self._closed:
            raise psycopg.InterfaceError("the progress database is closed")
        if not self._slots.acquire(timeout=self.busy_timeout_s):
            raise psycopg.OperationalError(
                f"every database connection stayed busy for {self.busy_timeout_s:g} s"
            )
        held: list[psycopg.Connection[Any]] = []
        try:
            with self._idle_lock:
                while self._idle and not held:
                    idle = self._idle.pop()
                    if _alive(idle):
                        held.append(idle)
                    else:
                        _close_quietly(idle)
            if not held:
                held.append(self._connect())
            yield held
        finally:
            conn = held[0] if held else None
            reusable = (
                conn is not None
                and not conn.closed
                and not conn.broken
                and conn.info.transaction_status == TransactionStatus.IDLE
                and not self._closed
            )
            if reusable and conn is not None:
                with self._idle_lock:
                    self._idle.append(conn)
            elif conn is not None:
                _close_quietly(conn)
            self._slots.release()

    def _first(self, held: list[psycopg.Connection[Any]], sql: str, params: Sequence[Any]) -> Any:
        """Run the first statement on a leased connection; once more if the connection was dead."""
        try:
            return held[0].execute(sql, params)
        except psycopg.OperationalError:
            if not held[0].broken and not held[0].closed:
                raise
            _close_quietly(held[0])
            held[0] = self._connect()
            return held[0].execute(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """`BEGIN` … `COMMIT` on one pooled connection, pipelined; ROLLBACK on any error."""
        with self._lease() as held:
            conn = held[0]
            try:
                with conn.pipeline() as pipeline:
                    conn.execute("BEGIN")
                    yield _PgTx(conn, pipeline)
                    conn.execute("COMMIT")
            except BaseException:
                if not conn.broken and not conn.closed:
                    try:
                        conn.execute("ROLLBACK")
                    except psycopg.Error:
                        _close_quietly(conn)
                raise

    def _read(self, sql: str, params: Sequence[Any]) -> list[Row]:
        with self._lease() as held:
            rows: list[Row] = self._first(held, pg_sql(sql), tuple(params)).fetchall()
            return rows

    def _read_many(self, statements: Sequence[Statement]) -> list[list[Row]]:
        # One round trip for all of them (pipeline mode); a dead connection is retried once.
        for attempt in range(2):
            with self._lease() as held:
                conn = held[0]
                try:
                    with conn.pipeline():
                        cursors = [conn.execute(pg_sql(q), tuple(p)) for q, p in statements]
                        return [cur.fetchall() for cur in cursors]
                except psycopg.OperationalError:
                    if attempt or not (conn.broken or conn.closed):
                        raise
        raise AssertionError("unreachable")

    def read_then_write(self, *, lock: bool = False) -> AbstractContextManager[object]:
        """A transaction only with `lock`; else nothing: the read and the write are a round
        trip each, the write atomic on its own and applied only if the row is still as read
        (optimistic: no BEGIN/COMMIT to wait for)."""
        return self.tx() if lock else nullcontext()

    def _pair_in(self, tx: Tx, change: Statement, then: Statement) -> bool:
        sql, params = chained(change, then)
        return bool(tx.execute(sql, params).rowcount)

    def _pair_alone(self, change: Statement, then: Statement) -> bool:
        # One statement in autocommit is its own transaction: one round trip, no pipeline.
        # Not retried on a dead connection: the server may have run it.
        sql, params = chained(change, then)
        with self._lease() as held:
            return bool(held[0].execute(pg_sql(sql), params).rowcount)

    def _pair_or_read_in(
        self, tx: Tx, read: Statement, change: Statement, then: Statement
    ) -> tuple[bool, list[Row]]:
        sql, params = chained_with_read(read, change, then)
        return applied_and_read(tx.execute(sql, params).fetchall())

    def _pair_or_read_alone(
        self, read: Statement, change: Statement, then: Statement
    ) -> tuple[bool, list[Row]]:
        # As `_pair_alone`: one statement in autocommit, one round trip, not retried on a
        # dead connection (the server may have run it).
        sql, params = chained_with_read(read, change, then)
        with self._lease() as held:
            return applied_and_read(held[0].execute(pg_sql(sql), params).fetchall())

    # --- dialect ---------------------------------------------------------------------------

    def ids_in(self, column: str) -> str:
        """SQL: `column` is among the ids of a JSON-list parameter."""
        return f"{column} IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))"

    @property
    def null_safe_eq(self) -> str:
        """The SQL standard's spelling."""
        return "IS NOT DISTINCT FROM"

    @property
    def skip_locked(self) -> str:
        """Lock the selected rows; skip rows another transaction holds."""
        return "FOR UPDATE SKIP LOCKED"

    @property
    def for_update(self) -> str:
        """Lock the selected rows until the transaction ends."""
        return "FOR UPDATE"

    def table_names(self, tx: Tx) -> list[str]:
        """Tables of the current schema, in the order they were created."""
        rows = tx.execute(
            """SELECT cls.relname FROM pg_class cls
               JOIN pg_namespace ns ON ns.oid = cls.relnamespace
               WHERE ns.nspname = current_schema() AND cls.relkind = 'r' ORDER BY cls.oid"""
        ).fetchall()
        return [str(row[0]) for row in rows]

    def continue_ids(self, tx: Tx, table: str) -> None:
        """Move the table's identity sequence past the highest id."""
        tx.execute(
            f"""SELECT setval(pg_get_serial_sequence('"{table}"', 'id'),
                              COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)"""
        )

    def tables_with_column(self, tx: Tx, column: str) -> list[str]:
        """Tables of the current schema with that column, in the order they were created."""
        rows = tx.execute(
            """SELECT cls.relname FROM pg_attribute a
               JOIN pg_class cls ON cls.oid = a.attrelid
               JOIN pg_namespace ns ON ns.oid = cls.relnamespace
               WHERE ns.nspname = current_schema() AND cls.relkind = 'r'
                   AND a.attname = ? AND NOT a.attisdropped
               ORDER BY cls.oid""",
            (column,),
        ).fetchall()
        return [str(row[0]) for row in rows]

    def defer_constraints(self, tx: Tx) -> None:
        """Defer what can be deferred (our foreign keys cascade, so order matters not)."""
        tx.execute("SET CONSTRAINTS ALL DEFERRED")

    # --- lifetime --------------------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply pending migrations, each in its own transaction under an advisory lock."""
        from bot.infra.migrations import migrate

        return migrate(self)

    def close(self) -> None:
        """Close every pooled connection (leased ones close when given back)."""
        self._closed = True
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            _close_quietly(conn)

    def describe(self) -> str:
        """The URL without its password."""
        return redact(self.url)


def _alive(conn: psycopg.Connection[Any]) -> bool:
    """An idle connection is dead if the server sent it something (its FATAL goodbye, EOF).

    An idle connection we asked nothing of has nothing to read; checking costs no round trip.
    """
    if conn.closed or conn.broken:
        return False
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def _close_quietly(conn: psycopg.Connection[Any]) -> None:
    with suppress(psycopg.Error):
        conn.close()
