"""Front ends (bot/app, bot/cli) go through the core's services, never around them.

A front end calls `Tutor`, `Progress` and the other core services it gets from the
composition root (`bot.services`), and gets core types back. It does not import
infrastructure, and does not reach through a service to what the service wraps:
`services.store`, `services.index`, `tutor.cards`, `tutor.explainer` and the like. Both are
read from the source with `ast`. The lists of places that still do (with the work that
removes them) are empty, and only shrink: a new exception is a design change to argue for.
"""

from __future__ import annotations

import ast
import functools
import inspect
import typing
import warnings
from collections.abc import Iterator
from pathlib import Path

from bot.services import Services
from tests.test_architecture import EDGES, MODULES, ROOT, ring

FRONT_ENDS = ("app", "cli")

WRAPPED: dict[str, frozenset[str]] = {
    # What the composition root builds for the core; front ends ask for the services.
    "services": frozenset({"store", "index", "llm", "embedder", "grader", "prompts"}),
    # What the Tutor wraps: its ports and collaborators.
    "tutor": frozenset({"cards", "progress", "grader", "explainer"}),
    # What the daily-push service wraps: its ports.
    "daily": frozenset({"subscriptions", "ledger", "progress", "records"}),
}
"""For a name a front end holds (`services`, `tutor`), the attributes that reach past it."""

KNOWN_REACH_INS: dict[str, str] = {}
"""Front-end files that still reach past a core service, with the work that ends it."""

KNOWN_INFRA_IMPORTS: dict[str, str] = {}
"""Front-end modules that still import `bot.infra`, with the work that ends it."""


def holder(node: ast.expr) -> str | None:
    """The last name of the expression an attribute is read from (`bot.services` -> services)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def reach_ins(source: str, where: str) -> list[str]:
    """`where:line services.store` for every read through a service to what it wraps."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            name = holder(node.value)
            if name in WRAPPED and node.attr in WRAPPED[name]:
                found.append(f"{where}:{node.lineno} {name}.{node.attr}")
    return found


def front_end_files() -> list[Path]:
    """Every module of the front ends."""
    return [p for m, p in MODULES.items() if ring(m) in FRONT_ENDS]


def test_the_reach_in_finder_finds_one() -> None:
    source = (
        "def f(bot):\n    return bot.services.store.leaderboard, bot.tutor.topics, tutor.cards\n"
    )
    assert sorted(reach_ins(source, "x.py")) == ["x.py:2 services.store", "x.py:2 tutor.cards"]


def test_front_ends_do_not_reach_past_core_services() -> None:
    found = [
        hit
        for path in front_end_files()
        for hit in reach_ins(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    ]
    new = [hit for hit in found if hit.split(":")[0] not in KNOWN_REACH_INS]
    assert not new, "ask a core service instead (add the method it lacks):\n" + "\n".join(new)
    for path in KNOWN_REACH_INS:
        if not any(hit.startswith(path + ":") for hit in found):
            message = f"{path} no longer reaches past a core service: take it off the list"
            warnings.warn(message, stacklevel=1)


def test_front_ends_do_not_import_infrastructure() -> None:
    found = [e for e in EDGES if ring(e.source) in FRONT_ENDS and ring(e.target) == "infra"]
    new = [e.where() for e in found if e.source not in KNOWN_INFRA_IMPORTS]
    assert not new, "front ends import the core and bot.services only:\n" + "\n".join(new)
    for module in KNOWN_INFRA_IMPORTS:
        if module not in MODULES or not any(e.source == module for e in found):
            message = f"{module} no longer imports bot.infra: take it off the list"
            warnings.warn(message, stacklevel=1)


def core_services() -> dict[str, type]:
    """The core services the composition root hands out (`Services.tutor`, `.progress`, ...)."""
    found: dict[str, type] = {}
    for name, attr in vars(Services).items():
        if isinstance(attr, functools.cached_property):
            kind = typing.get_type_hints(attr.func)["return"]
            module = getattr(kind, "__module__", "")
            if (
                isinstance(kind, type)
                and module.startswith("bot.core.")
                and module != "bot.core.ports"
            ):
                found[name] = kind
    return found


def named_types(hint: object) -> Iterator[object]:
    """A type hint and every type inside it (not inside NumPy's array types: shapes are Any)."""
    yield hint
    if getattr(hint, "__module__", "").startswith("numpy"):
        return
    for arg in typing.get_args(hint):
        yield from named_types(arg)


def test_core_services_take_and_give_core_types() -> None:
    services = core_services()
    assert {"tutor", "progress", "daily"} <= set(services)
    bad = []
    for name, kind in services.items():
        for method, function in inspect.getmembers(kind, inspect.isfunction):
            if method.startswith("_"):
                continue
            for part, hint in typing.get_type_hints(function).items():
                for inner in named_types(hint):
                    if inner is typing.Any or getattr(inner, "__module__", "").startswith(
                        ("bot.infra", "bot.app", "bot.cli", "discord")
                    ):
                        bad.append(f"services.{name}.{method} {part}: {hint}")
    assert not bad, "a front end gets core types from core services, never Any:\n" + "\n".join(bad)
