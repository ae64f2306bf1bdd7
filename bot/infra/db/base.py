"""The `Database`: one engine's connections, transactions and dialect, behind one interface.

Repositories (`bot.infra.db.reviews`, `…stats`, `…subscriptions`, …) take a `Database` and
write portable SQL with `?` placeholders; the engine (`bot.infra.db.sqlite`,
`bot.infra.db.postgres`) runs it. What differs between engines is asked of the database
(`ids_in`, `null_safe_eq`, `tables_with_column`), never tested for in a repository.

Transactions join: a `tx()` opened while this thread already has one on the same database
runs inside it, so a caller can make several repository calls one transaction:

    with db.tx():
        reviews.record_review(...)
        quiz.save_answer(...)

Engine faults (locked, disk full, connection lost, server gone) become `StoreError`, with
nothing saved; programming errors (bad SQL) stay loud.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any, ClassVar, Protocol

from bot.errors import FlashtutorError
from bot.infra.db import codec

Row = Any
"""A result row: by position (`row[0]`) and by column name (`row["due"]`)."""

Statement = tuple[str, Sequence[Any]]
"""One statement with `?` placeholders and its parameters."""


class StoreError(FlashtutorError):
    """The progress database failed (locked too long, disk full, read-only); nothing was saved."""


class Cursor(Protocol):
    """What `Tx.execute` returns."""

    @property
    def rowcount(self) -> int:
        """Rows changed by the statement."""
        ...

    def fetchone(self) -> Any:
        """The next row, or None."""
        ...

    def fetchall(self) -> list[Any]:
        """Every remaining row."""
        ...


class Tx(Protocol):
    """An open transaction: statements with `?` placeholders."""

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Cursor:
        """Run one statement in this transaction."""
        ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]], /) -> Any:
        """Run one statement once per row of parameters."""
        ...


class Database(ABC):
    """Connections to one progress database, and how its engine spells what differs."""

    dialect: ClassVar[str]
    """`sqlite` or `postgresql`."""
    faults: tuple[type[BaseException], ...] = ()
    """The engine's exceptions that mean the database failed (they become `StoreError`)."""
    guessed_pairs_pay: ClassVar[bool] = False
    """Whether a writer should guess the row and use `write_pair_or_read`: True where that is
    one round trip against two for a read and `write_pair` (PostgreSQL); False where a read
    beside the write costs next to nothing and a wrong guess a second transaction (SQLite)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()

    # --- transactions and reads ------------------------------------------------------------

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Tx]:
        """A raw transaction: commit on success, roll back on error, engine errors untouched.

        Takes the write lock up front on engines that have one (SQLite `BEGIN IMMEDIATE`).
        Migrations and tools use it; repositories use `tx()`.
        """

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """Run one read outside any transaction of this thread."""

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        """A write transaction (joining this thread's open one, if any); faults -> StoreError."""
        current: Tx | None = getattr(self._local, "tx", None)
        if current is not None:
            yield current
            return
        with self._as_store_error("save to"), self.transaction() as conn:
            self._local.tx = conn
            try:
                yield conn
            finally:
                self._local.tx = None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of one read (inside this thread's open transaction, if any)."""
        current: Tx | None = getattr(self._local, "tx", None)
        if current is not None:
            return current.execute(sql, params).fetchall()
        with self._as_store_error("read from"):
            return self._read(sql, params)

    def query_many(self, statements: Sequence[Statement]) -> list[list[Row]]:
        """Several reads at once: every row of each (in one round trip where the engine can)."""
        current: Tx | None = getattr(self._local, "tx", None)
        if current is not None:
            return [current.execute(sql, params).fetchall() for sql, params in statements]
        with self._as_store_error("read from"):
            return self._read_many(statements)

    def _read_many(self, statements: Sequence[Statement]) -> list[list[Row]]:
        return [self._read(sql, params) for sql, params in statements]

    def read_then_write(self, *, lock: bool = False) -> AbstractContextManager[object]:
        """Around a read and the `write_pair` computed from it, which checks that the row is
        still as read. Here one write transaction (joining this thread's open one): on an
        engine with one writer at a time (SQLite) nobody writes in between, so the check
        always holds. PostgreSQL sends the two as they are, a round trip each, unless `lock`
        (a transaction, for a read that locks its row with `for_update`).
        """
        return self.tx()

    def write_pair(self, change: Statement, then: Statement) -> bool:
        """Run `change`, and `then` only if `change` changed a row: both or neither.

        `then` is an `INSERT INTO table (columns) VALUES (…)`. In this thread's open
        transaction, if any; else on its own, as one statement where the engine can chain
        writes (PostgreSQL: no BEGIN/COMMIT to wait for). False when `change` changed nothing
        (so nothing was written); faults -> StoreError.
        """
        current: Tx | None = getattr(self._local, "tx", None)
        if current is not None:
            return self._pair_in(current, change, then)
        with self._as_store_error("save to"):
            return self._pair_alone(change, then)

    def _pair_in(self, tx: Tx, change: Statement, then: Statement) -> bool:
        if not tx.execute(*change).rowcount:
            return False
        tx.execute(*then)
        return True

    def _pair_alone(self, change: Statement, then: Statement) -> bool:
        with self.transaction() as tx:
            return self._pair_in(tx, change, then)

    def write_pair_or_read(
        self, read: Statement, change: Statement, then: Statement
    ) -> tuple[bool, list[Row]]:
        """`write_pair(change, then)`, and the rows `read` selects as they were before it.

        For a writer that guessed the row: (True, …) when the guess held and both rows were
        written; (False, rows) when `change` changed nothing, with the row as it really is to
        compute again from. In this thread's open transaction, if any; else on its own, as one
        statement where the engine can (PostgreSQL: one round trip, where `read_then_write`
        and `write_pair` take two). Faults -> StoreError.
        """
        current: Tx | None = getattr(self._local, "tx", None)
        if current is not None:
            return self._pair_or_read_in(current, read, change, then)
        with self._as_store_error("save to"):
            return self._pair_or_read_alone(read, change, then)

    def _pair_or_read_in(
        self, tx: Tx, read: Statement, change: Statement, then: Statement
    ) -> tuple[bool, list[Row]]:
        rows = tx.execute(*read).fetchall()
        return self._pair_in(tx, change, then), rows

    def _pair_or_read_alone(
        self, read: Statement, change: Statement, then: Statement
    ) -> tuple[bool, list[Row]]:
        with self.transaction() as tx:
            return self._pair_or_read_in(tx, read, change, then)

    @contextmanager
    def _as_store_error(self, doing: str) -> Iterator[None]:
        try:
            yield
        except self.faults as exc:
            raise StoreError(f"could not {doing} the progress database: {exc}") from exc

    # --- the time codec (the same text on every engine: see bot.infra.db.codec) -----------

    @staticmethod
    def ts(when: datetime, name: str = "now") -> str:
        """A time as the database stores it (UTC, fixed width); naive times are refused."""
        return codec.ts(when, name)

    @staticmethod
    def dt(value: str) -> datetime:
        """A stored time back as a UTC datetime."""
        return codec.dt(value)

    # --- what differs between engines ------------------------------------------------------

    @abstractmethod
    def ids_in(self, column: str) -> str:
        """SQL: `column` is one of the ids in one JSON-list parameter (`codec.ids_json`)."""

    @property
    @abstractmethod
    def null_safe_eq(self) -> str:
        """The operator for `a = b` where NULL equals NULL."""

    @property
    @abstractmethod
    def skip_locked(self) -> str:
        """SQL after a SELECT whose rows a transaction claims: rows another holds are skipped.

        Empty where the engine already runs one writer at a time (SQLite).
        """

    @property
    @abstractmethod
    def for_update(self) -> str:
        """SQL after a SELECT of rows the transaction will change: others wait until it ends.

        Empty where the engine already runs one writer at a time (SQLite).
        """

    @abstractmethod
    def table_names(self, tx: Tx) -> list[str]:
        """Every table of this database, oldest first."""

    @abstractmethod
    def tables_with_column(self, tx: Tx, column: str) -> list[str]:
        """Tables of this database with a column of that name, oldest first."""

    @abstractmethod
    def continue_ids(self, tx: Tx, table: str) -> None:
        """After rows were inserted with their ids, new ids continue after the highest."""

    @abstractmethod
    def defer_constraints(self, tx: Tx) -> None:
        """Check foreign keys at COMMIT instead of per statement, for the rest of `tx`."""

    # --- lifetime --------------------------------------------------------------------------

    @abstractmethod
    def migrate(self) -> list[str]:
        """Apply the named migrations not yet applied (see bot.infra.migrations)."""

    @abstractmethod
    def close(self) -> None:
        """Release every connection; the database cannot be used afterwards."""

    def describe(self) -> str:
        """Where the database is, without credentials (for logs and health checks)."""
        return self.url
