"""The compiled yes/no check agrees with jsonschema, keyword by keyword and on Discord's spec."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from bot.testing.discord_emulator import Emulator
from bot.testing.discord_emulator.fastcheck import Compiler, Unsupported, equal
from bot.testing.discord_emulator.openapi import spec

Json = dict[str, Any]
ODD_VALUES: list[Any] = [None, True, False, 0, 1, 1.0, 1.5, -1, "", "x", "7" * 5000, [], [1], {}]


def agree(schema: Json, value: Any) -> None:
    """Assert both checks give ``value`` the same verdict."""
    fast = Compiler({}).compile(schema)(value)
    assert fast == Draft202012Validator(schema).is_valid(value), (schema, value)


def test_json_equality_keeps_booleans_apart_from_numbers() -> None:
    assert equal(1, 1.0) and equal([1, {"a": 2}], [1.0, {"a": 2}])
    assert not equal(True, 1) and not equal(0, False) and not equal([True], [1])
    assert not equal({"a": 1}, {"b": 1}) and not equal("1", 1)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer"},
        {"type": ["string", "null"], "maxLength": 3, "minLength": 1},
        {"type": "number", "minimum": 0, "maximum": 1},
        {"enum": [1, "a", None]},
        {"const": True},
        {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2},
        {"type": "array", "uniqueItems": True},
        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
        {"properties": {"a": {}}, "additionalProperties": False, "maxProperties": 1},
        {"pattern": "^(0|[1-9][0-9]*)$"},
        {"oneOf": [{"type": "integer"}, {"type": "number"}]},
        {"anyOf": [{"type": "null"}, {"type": "string", "maxLength": 1}]},
        {"allOf": [{"type": "number"}, {"minimum": 1}]},
        {"oneOf": [{"const": 1}, {"const": True}]},
        {"oneOf": [{"const": 1}, {"const": 1.0}, {"const": "x"}]},
        {"anyOf": [{"const": "x"}, {"const": None}, {"title": "one", "const": 0}]},
        {"enum": [[1], {"a": 1}]},
    ],
)
def test_each_keyword_gives_jsonschemas_verdict(schema: Json) -> None:
    extra = [{"a": "x"}, {"a": 1}, {"a": 1.0}, {"a": "x", "b": 2}, [1, 1], [1, True], [1.0]]
    for value in [*ODD_VALUES, *extra]:
        agree(schema, value)


def test_references_resolve_through_the_table_recursively() -> None:
    table = {"urn:t": {"type": "object", "properties": {"next": {"$ref": "urn:t"}}}}
    check = Compiler(table).compile({"$ref": "urn:t"})
    assert check({"next": {"next": {}}}) and not check({"next": {"next": 3}})


def test_an_unknown_keyword_or_reference_is_refused() -> None:
    with pytest.raises(Unsupported):
        Compiler({}).compile({"prefixItems": [{}]})
    with pytest.raises(Unsupported):
        Compiler({}).compile({"$ref": "urn:nowhere"})


def emulator_objects() -> list[tuple[str, Json]]:
    async def build() -> list[tuple[str, Json]]:
        emu = Emulator()
        guild = await emu.create_guild("g", channels=("general",))
        user = emu.create_user("ada")
        await emu.add_member(guild, user, manage_guild=True)
        channel = emu.channel_named(guild, "general")
        body = {
            "content": f"hi <@{user.id}>",
            "embeds": [{"title": "t", "description": "d", "fields": [{"name": "n", "value": "v"}]}],
            "components": [
                {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": "a"}]}
            ],
        }
        message = await emu.messages.create(
            channel=channel, author=emu.bot, body=body, files=[], by_bot=True
        )
        return [
            ("UserResponse", user.to_json()),
            ("GuildMemberResponse", emu.world.member_json(guild, user.id)),
            ("GuildChannelResponse", emu.world.channel_json(channel)),
            ("GuildResponse", emu.world.guild_create_json(guild)),
            ("MessageResponse", message.current),
            ("MessageCreateRequest", body),
        ]

    return json.loads(json.dumps(asyncio.run(build())))


def test_the_two_checks_agree_on_the_emulators_objects_and_every_field_made_wrong() -> None:
    s = spec()
    cases = 0
    for name, value in emulator_objects():
        side = s.requests if name.endswith("Request") else s.responses
        check = side.compile({"$ref": f"urn:discord-openapi:schemas/{name}"})
        assert check.fast is not None
        variants = [value] + [
            {**value, key: odd} for key in value for odd in ODD_VALUES if odd != value[key]
        ]
        variants += [{k: v for k, v in value.items() if k != key} for key in value]
        for variant in variants:
            fast = check.fast(variant)
            slow = not list(check.validator.iter_errors(variant))
            assert fast == slow, (name, variant)
            cases += 1
        assert check.fast(value), name
    assert cases > 500
