"""Discord's "Invalid Form Body" answer: 400, code 50035, and the offending fields' paths.

Discord nests the errors along the path of each field, with an ``_errors`` list at the
leaf::

    {"code": 50035, "message": "Invalid Form Body",
     "errors": {"embeds": {"0": {"title": {"_errors": [
         {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 256 or fewer in length."}]}}}}}

discord.py flattens that into ``In embeds.0.title: Must be 256 or fewer in length.``
Schema violations (from ``openapi``) are turned into the same shape: for a union (a component
is one of seven kinds) the report follows the branch the value was meant for — the one its
``type`` selects — so the path ends at the field that is wrong, as Discord's does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .answers import ApiError

if TYPE_CHECKING:
    from jsonschema import ValidationError

    from .openapi import Side

Json = dict[str, Any]
Path = Sequence[str | int]

INVALID_FORM_BODY = 50035
SNOWFLAKE_PATTERN = "^(0|[1-9][0-9]*)$"


def add_error(errors: Json, path: Path, code: str, message: str) -> None:
    """Put one field error into ``errors`` at ``path`` (Discord's nested ``_errors``)."""
    node = errors
    for part in path:
        node = node.setdefault(str(part), {})
    entry = {"code": code, "message": message}
    if entry not in node.setdefault("_errors", []):
        node["_errors"].append(entry)


def invalid_form_body(errors: Json) -> ApiError:
    """The 400 answer Discord gives for ``errors``."""
    return ApiError(400, INVALID_FORM_BODY, "Invalid Form Body", errors)


def field_error(path: Path, code: str, message: str) -> ApiError:
    """A 400 "Invalid Form Body" for one field."""
    errors: Json = {}
    add_error(errors, path, code, message)
    return invalid_form_body(errors)


def flatten(errors: Json, prefix: str = "") -> dict[str, str]:
    """``{"embeds.0.title": "Must be ..."}``: the errors as discord.py prints them."""
    out: dict[str, str] = {}
    for key, value in errors.items():
        if key == "_errors":
            out[prefix] = " ".join(str(e.get("message", "")) for e in value)
        elif isinstance(value, dict):
            out.update(flatten(value, f"{prefix}.{key}" if prefix else key))
    return out


# schema errors -------------------------------------------------------------------------------


def from_schema(side: Side, errors: Iterable[ValidationError]) -> Json:
    """Discord's nested errors for jsonschema's errors of one instance."""
    out: Json = {}
    for error in errors:
        for path, code, message in _leaves(side, error):
            add_error(out, path, code, message)
    return out


def _leaves(side: Side, error: ValidationError) -> list[tuple[list[str | int], str, str]]:
    path = list(error.absolute_path)
    kind = error.validator
    if kind in ("oneOf", "anyOf"):
        return _union_leaves(side, error, path)
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [p for p in error.validator_value if p not in instance]
        return [([*path, p], "BASE_TYPE_REQUIRED", "This field is required") for p in missing]
    code, message = _describe(error)
    return [(path, code, message)]


def _union_leaves(
    side: Side, error: ValidationError, path: list[str | int]
) -> list[tuple[list[str | int], str, str]]:
    branches: list[Json] = list(error.validator_value)
    instance = error.instance
    meant = [i for i, b in enumerate(branches) if side.may_match(b, instance)]
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    failed = [i for i in meant if by_branch.get(i)]
    if not failed:
        return [(path, *_union_choice(side, branches, instance))]
    # The branch the value was meant for; among several, the one it came closest to.
    best = min(failed, key=lambda i: (len(by_branch[i]), i))
    leaves: list[tuple[list[str | int], str, str]] = []
    for sub in by_branch[best]:
        leaves += _leaves(side, sub)
    return leaves


def _union_choice(side: Side, branches: list[Json], instance: Any) -> tuple[str, str]:
    """No branch fits the value at all: name what would."""
    consts = [b.get("const") for b in (side.resolve(b) for b in branches) if "const" in b]
    if consts and len(consts) == len(branches):
        return "BASE_TYPE_CHOICES", f"Value must be one of {_tuple(consts)}."
    tags: list[Any] = []
    for branch in branches:
        tag = (side.resolve(branch).get("properties") or {}).get("type") or {}
        tags += [tag["const"]] if "const" in tag else list(tag.get("enum") or [])
    if tags and isinstance(instance, dict):
        return "UNION_TYPE_CHOICES", f'Value of field "type" must be one of {_tuple(tags)}.'
    return "BASE_TYPE_INVALID", f"Value {_short(instance)} is not valid here."


def _describe(error: ValidationError) -> tuple[str, str]:
    """Discord's code and message for one failed keyword."""
    kind, limit, instance, schema = (
        error.validator,
        error.validator_value,
        error.instance,
        error.schema,
    )
    if kind in ("maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties"):
        low = schema.get(kind.replace("max", "min")) if kind.startswith("max") else limit
        high = limit if kind.startswith("max") else schema.get(kind.replace("min", "max"))
        if low is not None and high is not None and low > 0:
            return "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length."
        if kind.startswith("max"):
            return "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
        return "BASE_TYPE_MIN_LENGTH", f"Must be {limit} or more in length."
    if kind in ("enum", "const"):
        values = list(limit) if kind == "enum" else [limit]
        return "BASE_TYPE_CHOICES", f"Value must be one of {_tuple(values)}."
    if kind == "maximum":
        return "NUMBER_TYPE_MAX", f"int value should be less than or equal to {limit}."
    if kind == "minimum":
        return "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {limit}."
    if kind == "pattern" and limit == SNOWFLAKE_PATTERN:
        return "NUMBER_TYPE_COERCE", f"Value {_short(instance)} is not snowflake."
    if kind == "pattern":
        return "STRING_TYPE_REGEX", "String value did not match validation regex."
    if kind == "type":
        return _type_error(limit, instance)
    if kind == "uniqueItems":
        return "BASE_TYPE_DUPLICATES", "Values must be unique."
    return "BASE_TYPE_INVALID", error.message[:200]


def _type_error(expected: str | list[str], instance: Any) -> tuple[str, str]:
    wanted = [expected] if isinstance(expected, str) else list(expected)
    wanted = [w for w in wanted if w != "null"] or ["null"]
    first = wanted[0]
    if first == "object":
        return "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"
    if first == "array":
        return "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"
    if first == "boolean":
        return "BOOLEAN_TYPE_CONVERT", f"Value {_short(instance)} is not a boolean."
    if first == "integer":
        return "NUMBER_TYPE_COERCE", f"Value {_short(instance)} is not int."
    if first == "number":
        return "NUMBER_TYPE_COERCE", f"Value {_short(instance)} is not a number."
    if first == "string":
        return "STRING_TYPE_CONVERT", f"Could not interpret {_short(instance)} as string."
    return "BASE_TYPE_INVALID", f"Value {_short(instance)} is not {first}."


def _short(value: Any) -> str:
    text = str(value)
    return '"' + (text if len(text) <= 50 else text[:47] + "...") + '"'


def _tuple(values: list[Any]) -> str:
    return "(" + ", ".join(repr(v) for v in values) + ")"
