"""SQLite schema changes: named, append-only migration functions, recorded as they apply.

To change the schema, append a new function decorated with `@migration` at the end of this
file. Never edit or reorder one that has shipped: databases in the wild already ran it.
Each migration runs in its own transaction together with its row in `migrations`, so a
crash leaves it either fully applied or not at all.

Every table that holds a person's data has a `user_id` column: `forget_user` finds such
tables by that column, so a new table is covered without further code.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

from bot.errors import ConfigError

Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = []
"""Every migration, in the order it must run."""


def migration(fn: Migration) -> Migration:
    """Register `fn` as the next migration; its name is its identity in `migrations`."""
    if any(m.__name__ == fn.__name__ for m in MIGRATIONS):
        raise ValueError(f"duplicate migration name {fn.__name__}")
    MIGRATIONS.append(fn)
    return fn


def _ensure_table(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )


def applied(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations already applied to this database, in the order they ran."""
    _ensure_table(conn)
    rows = conn.execute("SELECT name FROM migrations ORDER BY rowid").fetchall()
    return [str(row[0]) for row in rows]


def migrate(
    conn: sqlite3.Connection,
    now: datetime | None = None,
    migrations: list[Migration] | None = None,
) -> list[str]:
    """Apply every migration not yet applied; return the names applied by this call.

    `conn` must be in autocommit mode (`isolation_level=None`): each migration gets its own
    `BEGIN IMMEDIATE`, so two processes opening the same database migrate it only once.
    """
    todo = MIGRATIONS if migrations is None else migrations
    known = {m.__name__ for m in todo}
    unknown = [name for name in applied(conn) if name not in known]
    if unknown:
        raise ConfigError(
            "the progress database was written by a newer flashtutor "
            f"(unknown migrations: {', '.join(unknown)}); upgrade flashtutor to use it"
        )
    done: list[str] = []
    for fn in todo:
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT 1 FROM migrations WHERE name = ?", (fn.__name__,))
            if row.fetchone() is None:
                fn(conn)
                stamp = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
                conn.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, stamp)
                )
                done.append(fn.__name__)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return done


# Migrations use one `conn.execute` per statement: `executescript` would commit the
# surrounding transaction and break the all-or-nothing guarantee.


@migration
def m001_progress(conn: sqlite3.Connection) -> None:
    """FSRS state per (user, card) and the append-only review log."""
    conn.execute(
        """
        CREATE TABLE card_state (
            user_id TEXT NOT NULL,
            card_id TEXT NOT NULL,
            state TEXT NOT NULL,          -- fsrs.Card.to_dict() as JSON
            due TEXT NOT NULL,            -- UTC ISO, fixed width, so text order is time order
            reps INTEGER NOT NULL DEFAULT 0,
            lapses INTEGER NOT NULL DEFAULT 0,
            last_review TEXT,
            PRIMARY KEY (user_id, card_id)
        )
        """
    )
    conn.execute("CREATE INDEX card_state_user_due ON card_state (user_id, due)")
    conn.execute(
        """
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id TEXT NOT NULL,
            card_id TEXT NOT NULL,
            guild_id TEXT,
            place TEXT NOT NULL DEFAULT '',
            score REAL NOT NULL CHECK (score >= 0 AND score <= 1),
            verdict TEXT NOT NULL,
            rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
            reviewed_at TEXT NOT NULL,
            hints_used INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            FOREIGN KEY (user_id, card_id) REFERENCES card_state (user_id, card_id)
                ON DELETE CASCADE
        )
        """
    )
    conn.execute("CREATE INDEX reviews_user_time ON reviews (user_id, reviewed_at)")
    conn.execute("CREATE INDEX reviews_guild_time ON reviews (guild_id, reviewed_at)")
    conn.execute("CREATE INDEX reviews_card ON reviews (user_id, card_id)")


@migration
def m002_decks(conn: sqlite3.Connection) -> None:
    """Registry of decks uploaded to a server (scope = guild id)."""
    conn.execute(
        """
        CREATE TABLE decks (
            scope TEXT NOT NULL,
            name TEXT NOT NULL,
            path TEXT NOT NULL,
            cards INTEGER NOT NULL CHECK (cards >= 0),
            added_at TEXT NOT NULL,
            PRIMARY KEY (scope, name)
        )
        """
    )


@migration
def m003_quiz_memory(conn: sqlite3.Connection) -> None:
    """What a quiz message's buttons need after a restart: its options and the last answer.

    Discord buttons carry at most 100 characters of state, too little for a topic and a deck
    name or an answer, so the buttons hold a session id and the answer is looked up here.
    """
    conn.execute(
        """
        CREATE TABLE quiz_sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id TEXT NOT NULL,
            guild_id TEXT,
            topic TEXT,
            deck TEXT,
            public INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE quiz_answers (
            user_id TEXT NOT NULL,
            card_id TEXT NOT NULL,
            answer TEXT NOT NULL,
            hints_used INTEGER NOT NULL DEFAULT 0,
            answered_at TEXT NOT NULL,
            PRIMARY KEY (user_id, card_id)
        )
        """
    )


@migration
def m020_conversations(conn: sqlite3.Connection) -> None:
    """Active tutoring conversations (DMs and threads): one per person per place.

    `state` is the conversation as JSON (pending card, hints, last turns); `channel_id`
    finds the conversation a message belongs to; `last_active` drives the idle sweep.
    """
    conn.execute(
        """
        CREATE TABLE conversations (
            user_id TEXT NOT NULL,
            place TEXT NOT NULL,          -- "dm", or "channel:<id>" for a thread opened there
            channel_id TEXT NOT NULL,     -- the DM channel or the thread
            state TEXT NOT NULL,          -- Conversation.to_dict() as JSON
            started_at TEXT NOT NULL,
            last_active TEXT NOT NULL,    -- UTC ISO, fixed width
            UNIQUE (user_id, place)
        )
        """
    )
    conn.execute("CREATE INDEX conversations_channel ON conversations (channel_id)")
    conn.execute("CREATE INDEX conversations_idle ON conversations (last_active)")


@migration
def m010_daily(conn: sqlite3.Connection) -> None:
    """Daily pushes: subscriptions (a person's DMs or a server channel), the push ledger, notices.

    The ledger's (subscription, local day) key is what makes a push happen once: its row is
    written (status `intent`) before anything is sent and completed after. DM rows carry the
    person's `user_id` so `forget_user` removes them; a channel subscription belongs to its
    server, so it has none.
    """
    conn.execute(
        """
        CREATE TABLE daily_subscriptions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL CHECK (kind IN ('dm', 'channel')),
            user_id TEXT,                 -- dm: the person; channel: NULL
            guild_id TEXT,                -- whose uploaded decks are visible (NULL: shipped only)
            channel_id TEXT,              -- channel: where to post; dm: the DM channel once known
            at TEXT NOT NULL,             -- wall-clock HH:MM
            zone TEXT NOT NULL,           -- IANA zone name
            topic TEXT,
            cards INTEGER NOT NULL CHECK (cards BETWEEN 1 AND 20),
            status TEXT NOT NULL CHECK (status IN ('active', 'off', 'paused')),
            paused_reason TEXT,
            next_day TEXT NOT NULL,       -- the local day whose slot is awaited (YYYY-MM-DD)
            next_due TEXT NOT NULL,       -- that slot, UTC ISO fixed width
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK ((kind = 'dm') = (user_id IS NOT NULL))
        )
        """
    )
    conn.execute(
        "CREATE UNIQUE INDEX daily_one_dm_per_user ON daily_subscriptions (user_id) "
        "WHERE kind = 'dm'"
    )
    conn.execute(
        "CREATE UNIQUE INDEX daily_one_per_channel ON daily_subscriptions (channel_id) "
        "WHERE kind = 'channel'"
    )
    conn.execute("CREATE INDEX daily_due ON daily_subscriptions (status, next_due)")
    conn.execute(
        """
        CREATE TABLE daily_pushes (
            subscription_id INTEGER NOT NULL
                REFERENCES daily_subscriptions (id) ON DELETE CASCADE,
            local_date TEXT NOT NULL,
            user_id TEXT,                 -- dm pushes: the person
            guild_id TEXT,
            card_ids TEXT NOT NULL,       -- JSON list, fixed at intent so a resend is identical
            reasons TEXT NOT NULL,        -- JSON list, parallel to card_ids
            session_id INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL CHECK (status IN ('intent', 'sent', 'failed')),
            error TEXT,
            message_ids TEXT,             -- JSON list once sent
            intended_at TEXT NOT NULL,
            finished_at TEXT,
            PRIMARY KEY (subscription_id, local_date)
        )
        """
    )
    conn.execute("CREATE INDEX daily_pushes_open ON daily_pushes (status, intended_at)")
    conn.execute(
        """
        CREATE TABLE daily_notices (
            user_id TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
