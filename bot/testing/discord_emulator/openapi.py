"""Discord's own OpenAPI 3.1 spec, compiled once into cached JSON Schema validators.

The spec is vendored beside this file (``spec/openapi.json``; its source commit, checksum and
licence are in ``spec/README.md``). Its schemas are JSON Schema 2020-12; ``jsonschema`` with a
``referencing`` registry validates them. Every ``#/components/schemas/X`` reference is made
absolute (one registry resource per component), so a ``$ref`` costs a dictionary look-up
rather than a JSON-pointer walk through a 1 MB document.

Two registries differ in the spec's known errata, each a place where Discord accepts or sends
something the spec's text does not say (see ``REQUEST_ERRATA`` and ``RESPONSE_ERRATA``).

Unions are most of the cost: a message component is one of seven schemas, a channel one of
four. ``oneOf``/``anyOf`` first drop the branches that cannot match — a branch whose
``type`` property is a different constant, or whose JSON type differs — which changes no
verdict (those branches fail anyway) and only falls back to the full check when the union
fails, to report the error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema import _keywords as keywords
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from .fastcheck import Check, Compiler, Unsupported

Json = dict[str, Any]

BASE = "urn:discord-openapi:"
"""Prefix of the registry's resource URIs: ``urn:discord-openapi:schemas/MessageResponse``."""

_LOCAL_REF = "#/components/schemas/"
SNOWFLAKE = BASE + "schemas/SnowflakeType"

REQUEST_ERRATA: dict[str, Json] = {
    # discord.py sends some snowflakes as JSON integers (message_reference ids, allowed
    # mention ids, recipient ids); Discord accepts a non-negative integer wherever the spec
    # says string snowflake.
    "SnowflakeType": {
        "anyOf": [
            {"type": "string", "pattern": "^(0|[1-9][0-9]*)$"},
            {"type": "integer", "minimum": 0},
        ]
    },
}

RESPONSE_ERRATA: dict[str, Json] = {
    # The spec types a field error's ``code`` as an integer (the top-level ``Error``);
    # Discord sends strings there ("BASE_TYPE_REQUIRED", "BASE_TYPE_MAX_LENGTH", ...), as its
    # documentation's own "Invalid Form Body" example shows.
    "InnerErrors": {
        "type": "object",
        "properties": {
            "_errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    "required": ["code", "message"],
                },
            }
        },
        "additionalProperties": False,
        "required": ["_errors"],
    },
}

_JSON_TYPE = {dict: "object", list: "array", str: "string", type(None): "null", bool: "boolean"}


def _absolute(node: Any) -> Any:
    """A copy of ``node`` with every local component reference made a registry URI."""
    if isinstance(node, dict):
        out = {k: _absolute(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(_LOCAL_REF):
            out["$ref"] = BASE + "schemas/" + ref[len(_LOCAL_REF) :]
        return out
    if isinstance(node, list):
        return [_absolute(v) for v in node]
    return node


def _segments(template: str) -> tuple[str | None, ...]:
    """``/channels/{channel_id}/messages`` -> ("channels", None, "messages")."""
    return tuple(None if part.startswith("{") else part for part in template.strip("/").split("/"))


_ANNOTATIONS = {"title", "description", "format", "x-discord-union"}
_NO_CONST = object()


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _hashable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float)


def _key(value: Any) -> tuple[bool, Any]:
    """A dictionary key that keeps ``true`` and ``1`` apart, as JSON does."""
    return (isinstance(value, bool), value)


class _Filter:
    """What a union branch needs of an instance before it is worth validating against."""

    __slots__ = ("const", "tags", "types")

    def __init__(self, types: set[str] | None, tags: list[Any] | None, const: Any) -> None:
        self.types = types
        self.tags = tags
        self.const = const

    @classmethod
    def of(cls, schema: Json) -> _Filter:
        kinds = schema.get("type")
        types = None if kinds is None else set(kinds if isinstance(kinds, list) else [kinds])
        tag = (schema.get("properties") or {}).get("type")
        tags = None
        if isinstance(tag, dict) and "const" in tag:
            tags = [tag["const"]]
        elif isinstance(tag, dict) and isinstance(tag.get("enum"), list):
            tags = list(tag["enum"])
        only_const = "const" in schema and set(schema) - {"const"} <= _ANNOTATIONS
        return cls(types, tags, schema["const"] if only_const else _NO_CONST)

    def may_match(self, instance: Any) -> bool:
        """False only when the branch is certain to reject ``instance``."""
        if self.const is not _NO_CONST:
            return _same(self.const, instance)
        kind = _JSON_TYPE.get(type(instance))
        if kind is not None and self.types is not None and kind not in self.types:
            return False
        if self.tags is not None and isinstance(instance, dict) and "type" in instance:
            return any(_same(t, instance["type"]) for t in self.tags)
        return True


@dataclass(frozen=True, slots=True)
class Checker:
    """One schema's check: compiled closures say "valid" fast (``fastcheck``); when they do
    not, ``jsonschema`` says what is wrong, and its verdict counts."""

    validator: Draft202012Validator
    fast: Check | None

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        """What is wrong with ``instance`` (nothing when it is valid)."""
        if self.fast is None or not self.fast(instance):
            yield from self.validator.iter_errors(instance)


class Side:
    """The schemas of one direction (requests or responses), errata applied, and the
    validator class whose ``$ref``/``oneOf``/``anyOf`` use them."""

    def __init__(self, schemas: dict[str, Json], errata: dict[str, Json]) -> None:
        fixed = {**schemas, **errata}
        self.table = {BASE + "schemas/" + name: schema for name, schema in fixed.items()}
        self.registry: Registry[Any] = Registry().with_resources(
            (uri, DRAFT202012.create_resource(schema)) for uri, schema in self.table.items()
        )
        self._unions: dict[int, tuple[list[_Filter], dict[Any, int] | None]] = {}
        self._fast = Compiler(self.table)
        self.cls = validators.extend(
            Draft202012Validator, {"$ref": self._ref, "oneOf": self._one_of, "anyOf": self._any_of}
        )

    def compile(self, schema: Json) -> Checker:
        """The check of ``schema`` (whose references are already absolute)."""
        try:
            fast: Check | None = self._fast.compile(schema)
        except Unsupported:
            fast = None
        return Checker(self.cls(schema, registry=self.registry), fast)

    def _ref(
        self, validator: Any, ref: str, instance: Any, schema: Json
    ) -> Iterator[ValidationError]:
        # Every reference is absolute (one resource per component), so the target is a
        # dictionary look-up; anything else goes the standard way through the registry.
        target = self.table.get(ref)
        if target is None:
            yield from keywords.ref(validator, ref, instance, schema)
        else:
            yield from validator.descend(instance, target)

    def _union(self, branches: list[Json]) -> tuple[list[_Filter], dict[Any, int] | None]:
        found = self._unions.get(id(branches))
        if found is None:
            filters = [_Filter.of(self.resolve(b)) for b in branches]
            # An enumeration written as a union of constants is a set look-up.
            consts: dict[Any, int] | None = {}
            for f in filters:
                if consts is None or f.const is _NO_CONST or not _hashable(f.const):
                    consts = None
                    continue
                key = _key(f.const)
                consts[key] = consts.get(key, 0) + 1
            found = (filters, consts)
            self._unions[id(branches)] = found
        return found

    def resolve(self, branch: Json) -> Json:
        ref = branch.get("$ref")
        if isinstance(ref, str) and set(branch) - {"$ref"} <= _ANNOTATIONS:
            return self.table.get(ref, branch)
        return branch

    def _valid(self, validator: Any, branches: list[Json], instance: Any) -> int:
        """How many branches accept ``instance`` (counting stops at two)."""
        filters, consts = self._union(branches)
        if consts is not None:
            return consts.get(_key(instance), 0) if _hashable(instance) else 0
        count = 0
        for branch, flt in zip(branches, filters, strict=True):
            if flt.may_match(instance) and validator.evolve(schema=branch).is_valid(instance):
                count += 1
                if count == 2:
                    break
        return count

    def _one_of(
        self, validator: Any, branches: list[Json], instance: Any, schema: Json
    ) -> Iterator[ValidationError]:
        if self._valid(validator, branches, instance) != 1:
            yield from keywords.oneOf(validator, branches, instance, schema)

    def _any_of(
        self, validator: Any, branches: list[Json], instance: Any, schema: Json
    ) -> Iterator[ValidationError]:
        filters, consts = self._union(branches)
        if consts is not None:
            ok = _hashable(instance) and _key(instance) in consts
        else:
            ok = any(
                f.may_match(instance) and validator.evolve(schema=b).is_valid(instance)
                for b, f in zip(branches, filters, strict=True)
            )
        if not ok:
            yield from keywords.anyOf(validator, branches, instance, schema)

    def may_match(self, branch: Json, instance: Any) -> bool:
        """Whether union ``branch`` could accept ``instance`` (for error reports)."""
        return _Filter.of(self.resolve(branch)).may_match(instance)


class Spec:
    """The loaded spec: operations by path, and validators compiled on first use."""

    def __init__(self, document: Json) -> None:
        self.document = document
        schemas = {
            name: _absolute(schema) for name, schema in document["components"]["schemas"].items()
        }
        self.requests = Side(schemas, REQUEST_ERRATA)
        self.responses = Side(schemas, RESPONSE_ERRATA)
        self._paths: dict[tuple[str, int], list[tuple[tuple[str | None, ...], str]]] = {}
        for template, item in document["paths"].items():
            segments = _segments(template)
            for method in item:
                if method in ("get", "put", "post", "patch", "delete"):
                    key = (method.upper(), len(segments))
                    self._paths.setdefault(key, []).append((segments, template))
        for candidates in self._paths.values():
            # Literal segments first: ``messages/@original`` before ``messages/{message_id}``.
            candidates.sort(key=lambda c: -sum(s is not None for s in c[0]))
        self._cache: dict[tuple[str, ...], Checker | None] = {}

    def operation(self, method: str, path: str) -> str | None:
        """The spec's path template for a concrete API path (after ``/api/v10``), if any."""
        parts = tuple(path.strip("/").split("/"))
        for segments, template in self._paths.get((method.upper(), len(parts)), []):
            if all(s is None or s == p for s, p in zip(segments, parts, strict=True)):
                return template
        return None

    def _op(self, method: str, template: str) -> Json:
        return dict(self.document["paths"][template][method.lower()])

    def request_validator(self, method: str, template: str, multipart: bool) -> Checker | None:
        """The check of a request body of this operation (None: the spec has none)."""
        media = "multipart/form-data" if multipart else "application/json"
        key = ("request", method, template, media)
        if key not in self._cache:
            content = self._op(method, template).get("requestBody", {}).get("content", {})
            schema = content.get(media, content.get("application/json", {})).get("schema")
            self._cache[key] = None if schema is None else self.requests.compile(_absolute(schema))
        return self._cache[key]

    def response_key(self, method: str, template: str, status: int) -> str | None:
        """Which of the operation's responses covers ``status`` ("200", "4XX"), if any."""
        responses = self._op(method, template).get("responses", {})
        for key in (str(status), f"{status // 100}XX"):
            if key in responses:
                return key
        return None

    def response_validator(self, method: str, template: str, response_key: str) -> Checker | None:
        """The check of a JSON response (None: the spec defines no JSON body there)."""
        key = ("response", method, template, response_key)
        if key not in self._cache:
            response = self._op(method, template)["responses"][response_key]
            if "$ref" in response:
                name = response["$ref"].rsplit("/", 1)[-1]
                response = self.document["components"]["responses"][name]
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            self._cache[key] = None if schema is None else self.responses.compile(_absolute(schema))
        return self._cache[key]

    def object_validator(self, name: str) -> Checker:
        """The validator of one component schema, e.g. ``UserResponse`` (gateway payloads)."""
        key = ("object", name)
        found = self._cache.get(key)
        if found is None:
            uri = BASE + "schemas/" + name
            if uri not in self.responses.table:
                raise KeyError(f"the spec has no schema {name!r}")
            found = self._cache[key] = self.responses.compile({"$ref": uri})
        return found


@cache
def spec() -> Spec:
    """The vendored spec, loaded and indexed once per process."""
    text = resources.files(__package__).joinpath("spec", "openapi.json").read_text("utf-8")
    return Spec(json.loads(text))
