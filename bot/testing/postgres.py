"""A throwaway PostgreSQL server on 127.0.0.1, for the tests and `flashtutor bench`.

`TempPostgres` runs `initdb` into a fresh temporary directory, starts the server on a free
port of 127.0.0.1 (its socket in the same directory), hands out fresh databases by URL,
and on `stop()` shuts it down and deletes the directory. Nothing is left behind and nothing
listens beyond loopback.

PostgreSQL refuses to run as root; when we are root (CI containers) the server runs as
an unprivileged user (`nobody` unless `FLASHTUTOR_PG_USER` names another) that owns the
temporary directory. The binaries are found from `FLASHTUTOR_PG_BIN`, then `PATH`, then
Debian's `/usr/lib/postgresql/<version>/bin` (off PATH), newest first. When none is found
`PostgresUnavailable` says how to get one: a test that needs PostgreSQL then fails, it is
never skipped.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Self

START_TIMEOUT_S = 60.0


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine (or they could not start)."""


def find_binaries() -> Path:
    """The directory holding `initdb`, `pg_ctl` and `postgres`."""
    tried: list[str] = []
    env = os.environ.get("FLASHTUTOR_PG_BIN")
    candidates: list[Path] = [Path(env)] if env else []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in p.parent.name.split(".") if x.isdigit())

    debian = [p / "bin" for p in Path("/usr/lib/postgresql").glob("*") if p.is_dir()]
    candidates += sorted(debian, key=lambda b: version(b / "x"), reverse=True)
    for directory in candidates:
        tried.append(str(directory))
        if all((directory / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return directory
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found in "
        f"{', '.join(tried) or 'FLASHTUTOR_PG_BIN, PATH or /usr/lib/postgresql/*/bin'}: "
        "install the PostgreSQL 15 server (Debian: apt-get install postgresql-15) or set "
        "FLASHTUTOR_PG_BIN to the directory holding initdb and pg_ctl"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TempPostgres:
    """A PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 only."""

    def __init__(self, *, durable: bool = False, max_connections: int = 200) -> None:
        """`durable=False` turns fsync off (tests); True keeps it on, commits asynchronous.

        `durable=True` is how the benchmark compares engines fairly: SQLite in WAL mode with
        `synchronous=NORMAL` does not flush on every commit either, and neither loses
        consistency in a crash.
        """
        self.bin = find_binaries()
        self.durable = durable
        self.max_connections = max_connections
        self.port = 0
        self.dir: Path | None = None
        self._names = itertools.count(1)
        self._run_as: str | None = None
        if os.geteuid() == 0:
            self._run_as = os.environ.get("FLASHTUTOR_PG_USER", "nobody")

    def _run(
        self, *args: str, timeout: float = START_TIMEOUT_S
    ) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        if self._run_as is not None:
            entry = pwd.getpwnam(self._run_as)
            kwargs = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        env = {**os.environ, "LC_ALL": "C", "PGTZ": "UTC"}
        return subprocess.run(  # type: ignore[call-overload]
            list(args),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=str(self.dir),
            **kwargs,
        )

    def start(self) -> Self:
        """initdb, then start the server; raises `PostgresUnavailable` with its log on failure."""
        self.dir = Path(tempfile.mkdtemp(prefix="flashtutor-pg-"))
        if self._run_as is not None:
            entry = pwd.getpwnam(self._run_as)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        data = self.dir / "data"
        init = self._run(
            str(self.bin / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        if init.returncode != 0:
            self.stop()
            raise PostgresUnavailable(f"initdb failed: {init.stderr.strip() or init.stdout}")
        flush = (
            "-c synchronous_commit=off" if self.durable else "-c fsync=off -c full_page_writes=off"
        )
        for _attempt in range(3):  # a free port can be taken between choosing and binding
            self.port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} "
                f"-c max_connections={self.max_connections} {flush} -c timezone=UTC "
                "-c shared_buffers=32MB"
            )
            started = self._run(
                str(self.bin / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(self.dir / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                str(int(START_TIMEOUT_S)),
                "start",
                timeout=START_TIMEOUT_S + 10,
            )
            if started.returncode == 0:
                return self
        log = self.log_tail()
        self.stop()
        raise PostgresUnavailable(f"the PostgreSQL server did not start: {log}")

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server log (for failure messages)."""
        path = (self.dir or Path("/nonexistent")) / "server.log"
        with contextlib.suppress(OSError):
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        return "(no server log)"

    def url(self, dbname: str = "postgres") -> str:
        """The URL of a database of this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def admin(self, sql: str) -> list[tuple[object, ...]]:
        """Run one statement as the superuser, outside a transaction."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            cur = conn.execute(sql.encode())
            return list(cur.fetchall()) if cur.description else []

    def fresh_database(self, prefix: str = "t") -> str:
        """Create an empty database; returns its URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        self.admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def terminate_backends(self, dbname: str, *, wait_s: float = 10.0) -> int:
        """End every connection to `dbname` (what a server restart or a network drop does).

        Returns how many were ended, once their server processes are gone.
        """
        rows = self.admin(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = '{dbname}' AND pid <> pg_backend_pid()"
        )
        ended = int(rows[0][0]) if rows else 0  # type: ignore[call-overload]
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            left = self.admin(
                "SELECT count(*) FROM pg_stat_activity "
                f"WHERE datname = '{dbname}' AND pid <> pg_backend_pid()"
            )
            if not left or not left[0][0]:
                break
            time.sleep(0.02)
        return ended

    def stop(self) -> None:
        """Shut the server down (fast) and delete its directory."""
        if self.dir is None:
            return
        data = self.dir / "data"
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        for _ in range(50):
            if not (data / "postmaster.pid").exists():
                break
            time.sleep(0.1)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
