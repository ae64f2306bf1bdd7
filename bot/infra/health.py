"""Health checks for a running (or about to run) flashtutor: database, index, model, gateway.

`flashtutor health` and the container's HEALTHCHECK call `run_checks`. Each check is cheap
enough to run every minute: nothing loads the embedding model or the LLM, and the model file
is trusted through the sidecar `verify_file` keeps, so 491 MB are hashed once, not per call.
A check never raises: any failure, expected or not, becomes a `CheckResult` with `ok=False` and a reason.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import ParamSpec

from bot.core.records import CheckResult
from bot.errors import FlashtutorError
from bot.infra.embedder import BUNDLED_MODELS, ONNX_SUFFIX, Vectors
from bot.infra.model_files import BUNDLED, DISABLED, check_gguf, package_file, verify_file
from bot.settings import Settings

HEARTBEAT_FILE = "heartbeat"
"""Name of the file, in the data directory, that the bot rewrites while it is connected."""
HEARTBEAT_MAX_AGE_S = 120.0
"""A heartbeat older than this means the bot lost Discord (it writes one every 30 s)."""
DB_TIMEOUT_S = 5.0


P = ParamSpec("P")


def _never_raises(name: str) -> Callable[[Callable[P, CheckResult]], Callable[P, CheckResult]]:
    """Turn any exception a check meets into a failed result: a probe reports, never crashes."""

    def wrap(check: Callable[P, CheckResult]) -> Callable[P, CheckResult]:
        @functools.wraps(check)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> CheckResult:
            try:
                return check(*args, **kwargs)
            except FlashtutorError as exc:
                return CheckResult(name, False, str(exc))
            except Exception as exc:  # sqlite3, OS and chromadb's own errors all mean unhealthy
                return CheckResult(name, False, f"{type(exc).__name__}: {exc}")

        return guarded

    return wrap


def heartbeat_path(data_dir: Path) -> Path:
    """Where the bot writes its heartbeat."""
    return data_dir / HEARTBEAT_FILE


@_never_raises("database")
def check_database(where: Path | str) -> CheckResult:
    """The progress database opens (migrated, as every front end opens it) and answers a query.

    `where` is the SQLite file or a database URL (`FLASHTUTOR_DATABASE_URL`).
    """
    from bot.infra import migrations
    from bot.infra.db import open_database

    db = open_database(where, busy_timeout_s=DB_TIMEOUT_S)
    try:
        (one,) = db.query("SELECT 1")[0]
        applied = len(migrations.applied(db))
        name = db.describe()
    finally:
        db.close()
    if one != 1:
        return CheckResult("database", False, f"{name} answered SELECT 1 with {one!r}")
    return CheckResult("database", True, f"{name} ({applied} migrations applied)")


class _NoEmbedding:
    """Stands in for the embedder where only its name matters: opening the index to count.

    Loading the real model would cost seconds of torch import on every health check.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.dim = BUNDLED_MODELS[name][2] if name in BUNDLED_MODELS else 0

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        """Never called by a health check; refuses rather than return wrong vectors."""
        raise FlashtutorError("the health check does not embed text")


@_never_raises("index")
def check_index(settings: Settings) -> CheckResult:
    """The card index opens and holds the cards of at least one deck."""
    from bot.infra.index import CardIndex

    where = settings.chroma_url or str(settings.chroma_dir)
    if not settings.chroma_url and not settings.chroma_dir.is_dir():
        return CheckResult("index", False, f"no index at {where}: run `flashtutor ingest`")
    # Both backends of a model share its name, hence its collection: `minilm-onnx` -> `minilm`.
    name = settings.embedder.removesuffix(ONNX_SUFFIX)
    index = CardIndex(_NoEmbedding(name), path=settings.chroma_dir, url=settings.chroma_url)
    entries = index.count()
    cards = len(index.cards())
    if cards == 0:
        return CheckResult("index", False, f"{where} holds no cards: run `flashtutor ingest`")
    return CheckResult("index", True, f"{where} ({cards} cards, {entries} entries)")


@_never_raises("model")
def check_model(settings: Settings) -> CheckResult:
    """The configured GGUF is present and verified; nothing is assembled or loaded here."""
    if settings.llm_url:
        return CheckResult("model", True, f"served by {settings.llm_url} (not checked here)")
    key = settings.llm_model.strip()
    if key.lower() == DISABLED:
        return CheckResult("model", True, "LLM disabled (FLASHTUTOR_LLM_MODEL=none)")
    bundled = BUNDLED.get(key.lower())
    if bundled is None:
        path = check_gguf(Path(key).expanduser())
        return CheckResult("model", True, f"{path} (a GGUF file; no known sha256 to check)")
    if len(bundled.parts) == 1:
        path = package_file(*bundled.parts[0])
    else:
        path = settings.models_dir / bundled.filename
        if not path.exists():
            return CheckResult(
                "model", False, f"{path} is missing: run `flashtutor models prepare`"
            )
    verify_file(path, bundled.sha256, settings.models_dir)
    return CheckResult("model", True, f"{path} (sha256 verified)")


@_never_raises("gateway")
def check_heartbeat(
    path: Path, now: datetime, max_age_s: float = HEARTBEAT_MAX_AGE_S
) -> CheckResult:
    """The bot wrote its heartbeat (an ISO timestamp) at most `max_age_s` before `now`."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return CheckResult("gateway", False, f"bot not started (no heartbeat at {path})")
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return CheckResult("gateway", False, f"unreadable heartbeat in {path}: {text[:40]!r}")
    if stamp.tzinfo is None:  # written by an older bot in UTC without an offset
        stamp = stamp.replace(tzinfo=UTC)
    age = (now - stamp).total_seconds()
    if age > max_age_s:
        return CheckResult(
            "gateway",
            False,
            f"last heartbeat {age:.0f} s ago (limit {max_age_s:.0f} s): not connected to Discord",
        )
    if age < -max_age_s:
        return CheckResult(
            "gateway", False, f"heartbeat {-age:.0f} s in the future: check the clock"
        )
    return CheckResult("gateway", True, f"connected (heartbeat {max(age, 0.0):.0f} s ago)")


def run_checks(
    settings: Settings,
    now: datetime,
    *,
    gateway: bool = True,
    max_age_s: float = HEARTBEAT_MAX_AGE_S,
) -> list[CheckResult]:
    """Every check in order: database, index, model, and (unless `gateway=False`) heartbeat."""
    results = [
        check_database(settings.database_url or settings.db_path),
        check_index(settings),
        check_model(settings),
    ]
    if gateway:
        results.append(check_heartbeat(heartbeat_path(settings.data_dir), now, max_age_s))
    return results


def all_ok(results: Sequence[CheckResult]) -> bool:
    """True when every check passed."""
    return all(r.ok for r in results)
