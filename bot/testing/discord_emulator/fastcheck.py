"""A yes/no JSON Schema check compiled to Python closures, for the keywords Discord's spec uses.

``jsonschema`` stays the validator of record: it says what is wrong and where. But it walks a
schema generically (a new validator object per subschema), and nearly every body the bot
sends and the emulator answers is valid: for those this module answers "valid" from closures
compiled once per schema, about ten times faster. A body it finds invalid is handed to
``jsonschema``, whose verdict counts; a schema using a keyword this module does not know
raises ``Unsupported`` when compiled, and then ``jsonschema`` checks everything.

The semantics are JSON Schema 2020-12's for the keywords below (``true`` is not ``1``; an
integer may be written ``1.0``); ``tests/testing/discord_emulator/test_fastcheck.py`` checks
that both agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Json = dict[str, Any]
Check = Callable[[Any], bool]

ANNOTATIONS = frozenset(
    {"title", "description", "format", "contentEncoding", "x-discord-union", "default"}
)


_NOT_CONST = object()


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float)


def _key(value: Any) -> tuple[bool, Any]:
    """A set key that keeps ``true`` apart from ``1`` (and ``1`` equal to ``1.0``)."""
    return (isinstance(value, bool), value)


def _one_of_values(options: list[Any]) -> Check:
    if all(map(_scalar, options)):
        keys = {_key(o) for o in options}
        return lambda v: _scalar(v) and _key(v) in keys
    return lambda v: any(equal(v, o) for o in options)


class Unsupported(ValueError):
    """The schema uses a keyword this module does not compile."""


def _is_integer(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (
        isinstance(v, float) and v.is_integer()
    )


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": _is_integer,
    "number": _is_number,
}


def equal(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``, ``1`` is ``1.0``, containers compare deeply."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return False
    return bool(a == b)


class Compiler:
    """Compiles schemas whose ``$ref``s name entries of ``table`` (absolute URIs)."""

    def __init__(self, table: Mapping[str, Json]) -> None:
        self.table = table
        self._refs: dict[str, list[Check]] = {}

    def compile(self, schema: Any) -> Check:
        """A function telling whether a value is valid against ``schema``."""
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        if not isinstance(schema, dict):
            raise Unsupported(f"a schema must be an object, not {schema!r}")
        found = [self._keyword(k, v, schema) for k, v in schema.items() if k not in ANNOTATIONS]
        checks = [c for c in found if c is not None]
        if not checks:
            return lambda v: True
        if len(checks) == 1:
            return checks[0]
        return _all(checks)

    def _ref(self, uri: str) -> Check:
        cell = self._refs.get(uri)
        if cell is None:
            if uri not in self.table:
                raise Unsupported(f"unknown reference {uri}")
            cell = self._refs[uri] = []  # filled below; a recursive schema finds the cell
            cell.append(self.compile(self.table[uri]))
        if cell:
            return cell[0]
        return lambda v: cell[0](v)

    def _const(self, schema: Any) -> Any:
        """The constant a schema allows, when that is all it says (else ``_NOT_CONST``)."""
        if isinstance(schema, dict) and set(schema) - ANNOTATIONS == {"$ref"}:
            schema = self.table.get(schema["$ref"], schema)
        if (
            isinstance(schema, dict)
            and "const" in schema
            and set(schema) - ANNOTATIONS == {"const"}
        ):
            return schema["const"]
        return _NOT_CONST

    def _keyword(self, key: str, value: Any, schema: Json) -> Check | None:
        if key == "$ref":
            return self._ref(value)
        if key == "type":
            kinds = [TYPES[t] for t in ([value] if isinstance(value, str) else value)]
            return kinds[0] if len(kinds) == 1 else _any(kinds)
        if key in ("enum", "const"):
            return _one_of_values(list(value) if key == "enum" else [value])
        if key == "properties":
            return _properties([(name, self.compile(sub)) for name, sub in value.items()])
        if key == "required":
            names = list(value)
            return lambda v: not isinstance(v, dict) or all(n in v for n in names)
        if key == "additionalProperties":
            known = set(schema.get("properties") or {})
            extra = self.compile(value)
            return lambda v: (
                not isinstance(v, dict) or all(extra(x) for k, x in v.items() if k not in known)
            )
        if key == "items":
            return _items(self.compile(value))
        if key in ("maxItems", "minItems", "maxLength", "minLength"):
            kind = list if key.endswith("Items") else str
            big = key.startswith("max")
            return lambda v: (
                not isinstance(v, kind) or (len(v) <= value if big else len(v) >= value)
            )
        if key in ("maxProperties", "minProperties"):
            big = key.startswith("max")
            return lambda v: (
                not isinstance(v, dict) or (len(v) <= value if big else len(v) >= value)
            )
        if key in ("maximum", "minimum"):
            big = key == "maximum"
            return lambda v: not _is_number(v) or (v <= value if big else v >= value)
        if key == "pattern":
            regex = re.compile(value)
            return lambda v: not isinstance(v, str) or regex.search(v) is not None
        if key == "uniqueItems":
            if not value:
                return None
            return lambda v: (
                not isinstance(v, list)
                or all(not equal(a, b) for i, a in enumerate(v) for b in v[i + 1 :])
            )
        if key in ("anyOf", "oneOf"):
            consts = [self._const(s) for s in value]
            if all(c is not _NOT_CONST for c in consts) and all(map(_scalar, consts)):
                # An enumeration written as a union of constants: a set look-up.
                counts: dict[tuple[bool, Any], int] = {}
                for c in consts:
                    counts[_key(c)] = counts.get(_key(c), 0) + 1
                wanted = 1 if key == "oneOf" else None
                return lambda v: (
                    _scalar(v)
                    and (counts.get(_key(v), 0) == wanted if wanted else _key(v) in counts)
                )
        if key in ("allOf", "anyOf", "oneOf"):
            subs = [self.compile(s) for s in value]
            if key == "allOf":
                return _all(subs)
            if key == "anyOf":
                return _any(subs)
            return lambda v: _exactly_one(subs, v)
        raise Unsupported(f"keyword {key!r}")


# Plain loops, not all()/any() over generators: these run for every value of every body.


def _all(checks: list[Check]) -> Check:
    def check(value: Any) -> bool:
        for c in checks:  # noqa: SIM110
            if not c(value):
                return False
        return True

    return check


def _any(checks: list[Check]) -> Check:
    def check(value: Any) -> bool:
        for c in checks:  # noqa: SIM110
            if c(value):
                return True
        return False

    return check


def _properties(props: list[tuple[str, Check]]) -> Check:
    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for name, c in props:  # noqa: SIM110
            if name in value and not c(value[name]):
                return False
        return True

    return check


def _items(item: Check) -> Check:
    def check(value: Any) -> bool:
        if not isinstance(value, list):
            return True
        for x in value:  # noqa: SIM110
            if not item(x):
                return False
        return True

    return check


def _exactly_one(subs: list[Check], value: Any) -> bool:
    found = 0
    for sub in subs:
        if sub(value):
            found += 1
            if found > 1:
                return False
    return found == 1
