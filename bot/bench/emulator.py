"""The loopback Discord API emulator in a child process, for the Discord and push groups.

A separate process keeps the emulator's own work off the bot's event loop and out of its
GIL, as Discord's servers would be. The emulator ships in the installed package
(`bot.testing.discord_emulator`), so the bench needs no source checkout.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bot.settings import PROJECT_ROOT


class EmulatorMissing(RuntimeError):
    """The emulator cannot be started here; the message says why."""


@dataclass(frozen=True, slots=True)
class EmulatorProcess:
    """Where a running emulator listens."""

    api_base: str
    gateway_url: str
    control_base: str


def available() -> str | None:
    """None when the emulator can run, else the reason it cannot."""
    if importlib.util.find_spec("bot.testing.discord_emulator") is None:
        return "the loopback Discord emulator (bot.testing.discord_emulator) is not installed"
    missing = [m for m in ("jsonschema", "referencing") if importlib.util.find_spec(m) is None]
    if missing:
        # The emulator checks every body against Discord's OpenAPI spec with these.
        return (
            f"the loopback Discord emulator needs {' and '.join(missing)}, dependencies of"
            " flashtutor itself (no extra): reinstall it with `pip install .`"
        )
    return None


def _parent_death_signal() -> Callable[[], None] | None:
    """A pre-exec hook that has Linux SIGTERM the child when the bench dies."""
    if sys.platform != "linux":
        return None
    import ctypes
    import signal

    # Resolved here, in the parent: the forked child must not import or load anything.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_set_pdeathsig = 1

    def arm() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return arm


@contextmanager
def emulator_process(*, timeout_s: float = 120.0) -> Iterator[EmulatorProcess]:
    """Start `python -m bot.testing.discord_emulator --port 0`, yield its URLs, stop it."""
    reason = available()
    if reason:
        raise EmulatorMissing(reason)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.testing.discord_emulator",
            "--port",
            "0",
            "--heartbeat-ms",
            "41250",
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        # A bench killed half-way must not leave an emulator serving forever.
        preexec_fn=_parent_death_signal(),
    )
    try:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout_s)
        if not line or not line[0].strip():
            raise EmulatorMissing("the loopback Discord emulator did not start")
        info: dict[str, Any] = json.loads(line[0])
        control = str(info["control"]).removesuffix("/_control/state")
        yield EmulatorProcess(str(info["api_base"]), str(info["gateway_url"]), control)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class Control:
    """A minimal client of the emulator's documented HTTP control API (`/_control/...`)."""

    def __init__(self, base_url: str) -> None:
        import aiohttp

        self.base_url = base_url.rstrip("/")
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._session.close()

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: dict[str, Any] | None = None,
        wait_s: float = 30.0,
    ) -> Any:
        """One control call; a refused one raises EmulatorMissing with the emulator's reason."""
        import aiohttp

        params = {k: str(v) for k, v in (query or {}).items() if v is not None}
        async with self._session.request(
            method,
            f"{self.base_url}/_control{path}",
            json=body,
            params=params,
            timeout=aiohttp.ClientTimeout(total=wait_s + 5.0),
        ) as resp:
            data = await resp.json()
            if resp.status >= 400:
                raise EmulatorMissing(f"emulator refused {method} {path}: {data}")
            return data
