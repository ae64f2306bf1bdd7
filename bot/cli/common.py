"""What every CLI command shares: settings, services and JSON Lines input."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.errors import ConfigError, InputError
from bot.services import Services
from bot.settings import Settings

LOCAL_USER = "local"
"""The user the terminal quiz records progress under."""


def services() -> Services:
    """Services built from the environment and `.env`."""
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        if not where:  # a rule across settings names them itself
            raise ConfigError(f"invalid settings: {message}") from None
        raise ConfigError(f"invalid setting FLASHTUTOR_{where.upper()}: {message}") from None
    return Services(settings)


def now() -> datetime:
    """The current time, UTC-aware (the only place the CLI reads the clock)."""
    return datetime.now(UTC)


def read_jsonl(path: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Yield (line number, object) per non-empty line, or (line number, error text)."""
    try:
        handle = sys.stdin if path == "-" else Path(path).open(encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, f"line {number}: not JSON ({exc.msg})"
                    continue
                if not isinstance(obj, dict):
                    yield number, f"line {number}: expected a JSON object"
                    continue
                missing = [k for k in required if not isinstance(obj.get(k), str)]
                if missing:
                    yield number, f"line {number}: missing text field(s) {', '.join(missing)}"
                    continue
                yield number, obj
        except UnicodeDecodeError:
            raise InputError(f"{path} is not UTF-8 text") from None


def dump(obj: Any) -> None:
    """Print one JSON value on one line."""
    print(json.dumps(obj, ensure_ascii=False))
