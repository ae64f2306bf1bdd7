"""The progress database on both engines: every store test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import psycopg
import pytest

from bot.infra.db import Database, open_database
from bot.infra.store import ProgressStore
from bot.testing.postgres import TempPostgres


@dataclass
class Engine:
    """One empty database of one engine for one test, and a side door into it."""

    name: str
    url: str
    server: TempPostgres | None = None

    @property
    def fault(self) -> type[Exception]:
        """The engine's own error for a failing database (what becomes a StoreError)."""
        return sqlite3.OperationalError if self.name == "sqlite" else psycopg.OperationalError

    def store(self, **kwargs: Any) -> ProgressStore:
        """A progress store on this test's database (a new connection each time)."""
        return ProgressStore(self.url, **kwargs)

    def database(self, *, apply_migrations: bool = True) -> Database:
        """The bare database (optionally without the migrations)."""
        return open_database(self.url, apply_migrations=apply_migrations)

    def raw(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """One statement over a separate plain connection, autocommitted (another process)."""
        if self.name == "sqlite":
            conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                conn.close()
        with psycopg.connect(self.url, autocommit=True) as pg:
            cur = pg.execute(sql.replace("?", "%s").encode(), params)
            return list(cur.fetchall()) if cur.description else []

    def tables(self) -> set[str]:
        """The names of the database's tables."""
        if self.name == "sqlite":
            return {n for (n,) in self.raw("SELECT name FROM sqlite_master WHERE type = 'table'")}
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        return {n for (n,) in self.raw(sql)}

    @contextmanager
    def review_log_full(self, store: ProgressStore) -> Iterator[None]:
        """Every insert into `reviews` fails, for real and mid-statement, with the engine's
        own "disk full" error: after whatever its statement or transaction wrote before it.

        SQLite: a trigger makes the insert grow the file past `max_page_count` (SQLITE_FULL).
        PostgreSQL: a trigger raises the server's `disk_full` error (we cannot fill its disk).
        """
        if self.name == "sqlite":
            self.raw("CREATE TABLE IF NOT EXISTS ballast (b BLOB)")
            self.raw(
                "CREATE TRIGGER reviews_full BEFORE INSERT ON reviews "
                "BEGIN INSERT INTO ballast VALUES (zeroblob(1000000)); END"
            )
            store.db.query("PRAGMA max_page_count = 1")  # clamps to the current size
        else:
            self.raw(
                "CREATE FUNCTION reviews_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'database or disk is full' USING ERRCODE = 'disk_full'; "
                "END $$"
            )
            self.raw(
                "CREATE TRIGGER reviews_full BEFORE INSERT ON reviews "
                "FOR EACH ROW EXECUTE FUNCTION reviews_full()"
            )
        try:
            yield
        finally:
            if self.name == "sqlite":
                self.raw("DROP TRIGGER reviews_full")
                store.db.query("PRAGMA max_page_count = 1073741823")
            else:
                self.raw("DROP TRIGGER reviews_full ON reviews")

    @property
    def dbname(self) -> str:
        """The PostgreSQL database's name."""
        return self.url.rsplit("/", 1)[-1]

    def drop_connections(self) -> int:
        """End every server connection to this database, as a restart or network drop would."""
        assert self.server is not None, "only PostgreSQL has connections to drop"
        return self.server.terminate_backends(self.dbname)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, empty database on each engine in turn."""
    if request.param == "sqlite":
        yield Engine("sqlite", f"sqlite:///{tmp_path / 'progress.db'}")
        return
    server = cast(TempPostgres, request.getfixturevalue("postgres"))
    yield Engine("postgresql", server.fresh_database(), server)


@pytest.fixture
def pg_engine(postgres: TempPostgres) -> Engine:
    """A fresh, empty PostgreSQL database (for what only PostgreSQL has)."""
    return Engine("postgresql", postgres.fresh_database(), postgres)
