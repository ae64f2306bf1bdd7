"""The progress database: one `Database` interface, an engine per URL, a repository per concept.

- `base.Database` — connections, transactions (`tx()`, joinable), the time codec, what
  differs between engines; `base.StoreError` for every engine fault.
- `sqlite.SqliteDatabase` — the embedded default (`sqlite:///path`).
- `postgres.PostgresDatabase` — PostgreSQL by URL (`postgresql://…`), for several processes.
  `pg_sql` turns the portable statements into PostgreSQL's (and chains a pair of writes).
- repositories, each over a `Database`: `reviews` (FSRS state and the review log),
  `stats` (stats and leaderboards), `decks` (uploaded decks), `quiz_memory` (quiz
  sessions and saved answers), `subscriptions` and `push_ledger` (daily pushes),
  `conversations` (tutoring conversations), `privacy` (forgetting a person).
- `known_schedules` — the schedule rows a process last saw: what a review on PostgreSQL
  guesses the row is, to write in one round trip.

The named migrations that build the tables are in `bot.infra.migrations`.
"""

from __future__ import annotations

from pathlib import Path

from bot.errors import ConfigError
from bot.infra.db.base import Database, StoreError
from bot.infra.db.sqlite import BUSY_TIMEOUT_S, SqliteDatabase

__all__ = ["BUSY_TIMEOUT_S", "Database", "SqliteDatabase", "StoreError", "open_database"]


def open_database(
    url: str | Path, busy_timeout_s: float = BUSY_TIMEOUT_S, *, apply_migrations: bool = True
) -> Database:
    """Open the database at `url` and apply pending migrations (unless told not to).

    `url` is a path, `sqlite:///path/to/file`, `sqlite://:memory:` or
    `postgresql://user:password@host:port/dbname` (psycopg's URL, any of its parameters).
    """
    if isinstance(url, Path):
        return SqliteDatabase(url, busy_timeout_s, apply_migrations=apply_migrations)
    if url.startswith("sqlite://"):
        rest = url.removeprefix("sqlite://")
        path = rest.removeprefix("/") if rest.startswith("/:memory:") else rest
        if not path:
            raise ConfigError(f"no file in the database URL {url!r} (sqlite:///path/to/file)")
        return SqliteDatabase(Path(path), busy_timeout_s, apply_migrations=apply_migrations)
    if url.startswith(("postgresql://", "postgres://")):
        # Imported here: psycopg is only needed by those who use PostgreSQL.
        from bot.infra.db.postgres import PostgresDatabase

        return PostgresDatabase(url, busy_timeout_s, apply_migrations=apply_migrations)
    scheme = url.split(":", 1)[0] if ":" in url else ""
    raise ConfigError(
        f"unsupported database URL scheme {scheme!r} in FLASHTUTOR_DATABASE_URL: "
        "use sqlite:///path/to/file or postgresql://user@host:port/dbname"
    )
