"""The shape of `bot/`: imports point inward, no cycles, no private reach-ins, small modules.

The import graph is read from the source with `ast`, not by importing anything, and every
import counts: top level, under `if TYPE_CHECKING:`, and inside functions (a lazy import is
still a dependency). `from package import name` is an edge to the submodule `package.name`
when there is one, else to the package itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bot"

MAX_LINES = 400
"""No module in `bot/` is longer than this (house style: 100-300 is normal)."""

FORBIDDEN: dict[str, frozenset[str]] = {
    # The core: cards, grading, the Tutor and its ports. No I/O frameworks, no front end.
    "core": frozenset({"infra", "app", "cli", "services", "bench", "eval", "testing"}),
    # Adapters behind the core's ports: never a front end or the composition root.
    "infra": frozenset({"app", "cli", "services", "bench", "eval", "testing"}),
    # The composition root wires core and infra for the front ends.
    "services": frozenset({"app", "cli", "bench", "eval", "testing"}),
    # The Discord front end: nothing exists in it only to be measured or tested.
    "app": frozenset({"cli", "bench", "eval", "testing"}),
    # The loopback Discord emulator stands in for Discord: it knows nothing of the bot.
    "testing": frozenset(
        {"core", "infra", "app", "cli", "services", "bench", "eval", "settings", "errors"}
    ),
}
"""Which rings (the first package under `bot`) each ring must not import."""


@dataclass(frozen=True, slots=True)
class Edge:
    """One import statement: `source` (a module of bot/) imports `target` (`names` from it)."""

    source: str
    target: str
    line: int
    names: tuple[str, ...] = ()

    def where(self) -> str:
        """`bot/x/y.py:12 imports bot.z` for a failure message."""
        return f"{path_of(self.source)}:{self.line} imports {self.target}"


def module_name(path: Path) -> str:
    """`bot/app/quiz/_flow.py` -> `bot.app.quiz._flow`; a package's `__init__` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def path_of(module: str) -> str:
    """The repository path of a module of bot/."""
    return MODULES[module].relative_to(ROOT).as_posix()


def is_package(module: str) -> bool:
    """True when the module is a package (an `__init__.py`)."""
    return MODULES[module].name == "__init__.py"


def ring(module: str) -> str:
    """The first package under `bot` (`core`, `infra`, `app`, `cli`, ...), or the module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def imports_of(module: str) -> Iterator[Edge]:
    """Every import of a `bot` module in `module`, wherever in the file it is written."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    package = module if is_package(module) else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "bot" or alias.name.startswith("bot."):
                    yield Edge(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            if not (base == "bot" or base.startswith("bot.")):
                continue
            plain: list[str] = []
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:
                    yield Edge(module, sub, node.lineno)
                else:
                    plain.append(alias.name)
            if plain:
                yield Edge(module, base, node.lineno, tuple(plain))


EDGES: list[Edge] = [edge for module in MODULES for edge in imports_of(module)]


def owner_of_private(target: str) -> str | None:
    """The package a private module belongs to (`bot.app.quiz` for `bot.app.quiz._flow`)."""
    parts = target.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def inside(module: str, package: str) -> bool:
    """True when `module` is `package` or one of its submodules."""
    return module == package or module.startswith(package + ".")


def test_the_graph_is_read() -> None:
    # A guard for the checks below: they must see the code they are about.
    assert {"bot.core.tutor", "bot.services", "bot.app.quiz.buttons"} <= set(MODULES)
    assert Edge("bot.app.quiz._flow", "bot.app.quiz.buttons", 0) in {
        Edge(e.source, e.target, 0) for e in EDGES
    }
    lazy = [e for e in EDGES if e.source == "bot.infra.embedder"]
    assert any(e.target == "bot.infra.onnx_export" for e in lazy), "function-level imports"


@pytest.mark.parametrize("source_ring", sorted(FORBIDDEN))
def test_imports_point_inward(source_ring: str) -> None:
    bad = [
        e.where()
        for e in EDGES
        if ring(e.source) == source_ring and ring(e.target) in FORBIDDEN[source_ring]
    ]
    assert not bad, f"{source_ring} must not import {sorted(FORBIDDEN[source_ring])}:\n" + (
        "\n".join(bad)
    )


def test_no_module_imports_another_packages_private_module() -> None:
    bad = []
    for e in EDGES:
        owner = owner_of_private(e.target)
        if owner is not None and not inside(e.source, owner):
            bad.append(e.where())
    assert not bad, "a private module (`_name`) is its package's own; make it public:\n" + (
        "\n".join(bad)
    )


def test_no_module_imports_a_private_name_from_another_package() -> None:
    bad = []
    for e in EDGES:
        private = [n for n in e.names if n.startswith("_") and not n.startswith("__")]
        home = e.target if is_package(e.target) else e.target.rpartition(".")[0]
        if private and not inside(e.source, home):
            bad.append(f"{e.where()} names {', '.join(private)}")
    assert not bad, "a private name is its module's own; make it public:\n" + "\n".join(bad)


def cycles(edges: Iterable[Edge]) -> list[list[str]]:
    """The strongly connected components of an import graph with more than one module."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for e in edges:
        if e.target in graph and e.target != e.source:
            graph[e.source].add(e.target)
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(root: str) -> None:
        # Tarjan's algorithm, iterative (the graph is deep enough to matter for recursion).
        work = [(root, iter(sorted(graph[root])))]
        order[root] = low[root] = len(order)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in order:
                    order[child] = low[child] = len(order)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], order[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == order[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return found


def test_cycle_finder_finds_a_cycle_through_a_detour() -> None:
    # bot.app.client imports bot.core.tutor; an arrow back closes a cycle.
    upward = Edge("bot.core.tutor", "bot.app.client", 0)
    assert not any("bot.core.tutor" in c for c in cycles(EDGES))
    assert any({"bot.core.tutor", "bot.app.client"} <= set(c) for c in cycles([*EDGES, upward]))


def test_no_import_cycles() -> None:
    found = cycles(EDGES)
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def line_count(path: Path) -> int:
    """Lines in a file, as `wc -l` counts them for a file that ends in a newline."""
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_is_over_the_size_limit() -> None:
    over = {path_of(m): n for m, p in MODULES.items() if (n := line_count(p)) > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines (split them by concept): {over}"
