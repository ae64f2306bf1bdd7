"""The emulator against Discord's own OpenAPI spec: bad bodies get Discord's answer, and the
emulator's own answers and dispatches are checked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

import discord
import pytest
from discord.http import Route

from bot.testing.discord_emulator import Emulator
from bot.testing.discord_emulator.answers import ApiError
from bot.testing.discord_emulator.openapi import spec
from bot.testing.discord_emulator.spec_check import SpecCheck
from bot.testing.discord_emulator.world import Channel, ChannelType, Role

SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")
Json = dict[str, Any]
MESSAGES = "/channels/1/messages"


def refused(method: str, path: str, body: Any, *, multipart: bool = False) -> Json:
    """The ``errors`` of the 400 the emulator gives ``body``."""
    check = SpecCheck()
    with pytest.raises(ApiError) as info:
        check.request(method, path, body, multipart=multipart)
    assert (info.value.status, info.value.code, info.value.message) == (
        400,
        50035,
        "Invalid Form Body",
    )
    [violation] = check.violations
    assert violation.kind == "request"
    assert info.value.errors is not None
    return info.value.errors


def accepted(method: str, path: str, body: Any) -> None:
    check = SpecCheck()
    check.request(method, path, body, multipart=False)
    assert check.violations == [] and check.checked["request"] == 1


def leaf(code: str, message: str) -> Json:
    return {"_errors": [{"code": code, "message": message}]}


# the vendored spec ----------------------------------------------------------------------------


def test_the_spec_ships_as_package_data_with_licence_and_source() -> None:
    folder = resources.files("bot.testing.discord_emulator").joinpath("spec")
    document = folder.joinpath("openapi.json").read_bytes()
    readme = folder.joinpath("README.md").read_text("utf-8")
    assert "MIT License" in folder.joinpath("LICENSE").read_text("utf-8")
    assert hashlib.sha256(document).hexdigest() in readme
    assert "discord/discord-api-spec" in readme and "commit" in readme
    assert json.loads(document)["openapi"].startswith("3.1")


def test_a_concrete_path_finds_its_operation_literal_segments_first() -> None:
    s = spec()
    hook = "/webhooks/{webhook_id}/{webhook_token}/messages/"
    assert s.operation("PATCH", "/webhooks/1/tok/messages/@original") == hook + "@original"
    assert s.operation("PATCH", "/webhooks/1/tok/messages/2") == hook + "{message_id}"
    assert s.operation("PUT", "/channels/1/thread-members/@me").endswith("/@me")  # type: ignore[union-attr]
    assert s.operation("POST", MESSAGES) == "/channels/{channel_id}/messages"
    assert s.operation("GET", "/no/such/route") is None


# request bodies -------------------------------------------------------------------------------


def test_a_too_long_embed_title_is_refused_at_its_path() -> None:
    errors = refused("POST", MESSAGES, {"embeds": [{"title": "t" * 257}]})
    assert errors == {
        "embeds": {"0": {"title": leaf("BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length.")}}
    }


def test_every_bad_field_is_reported_at_once() -> None:
    errors = refused(
        "POST",
        MESSAGES,
        {"content": "x" * 4001, "tts": "yes", "allowed_mentions": {"parse": ["people"]}},
    )
    assert set(errors) == {"content", "tts", "allowed_mentions"}
    assert errors["tts"]["_errors"][0]["code"] == "BOOLEAN_TYPE_CONVERT"
    assert errors["allowed_mentions"]["parse"]["0"]["_errors"][0]["code"] == "BASE_TYPE_CHOICES"


def test_a_union_is_reported_in_the_branch_its_type_selects() -> None:
    button = {"type": 2, "style": 9, "label": "go", "custom_id": "go"}
    errors = refused("POST", MESSAGES, {"components": [{"type": 1, "components": [button]}]})
    style = errors["components"]["0"]["components"]["0"]["style"]["_errors"]
    assert [e["code"] for e in style] == ["BASE_TYPE_CHOICES"]
    assert style[0]["message"].startswith("Value must be one of (1, 2, 3, 4, 5, 6")


def test_an_unknown_component_type_names_the_types_there_are() -> None:
    errors = refused("POST", MESSAGES, {"components": [{"type": 99}]})
    [error] = errors["components"]["0"]["_errors"]
    assert error["code"] == "UNION_TYPE_CHOICES"
    assert error["message"].startswith('Value of field "type" must be one of (')


def test_a_missing_required_field_is_named() -> None:
    errors = refused("POST", "/interactions/1/token/callback", {"data": {"content": "hi"}})
    assert errors == {"type": leaf("BASE_TYPE_REQUIRED", "This field is required")}


def test_integer_snowflakes_pass_as_on_discord_and_garbage_does_not() -> None:
    accepted("POST", MESSAGES, {"content": "re", "message_reference": {"message_id": 123}})
    accepted("POST", "/users/@me/channels", {"recipient_id": 42})
    errors = refused("POST", MESSAGES, {"content": "re", "message_reference": {"message_id": "x"}})
    assert errors == {
        "message_reference": {
            "message_id": leaf("NUMBER_TYPE_COERCE", 'Value "x" is not snowflake.')
        }
    }


def test_a_list_body_is_checked_item_by_item() -> None:
    errors = refused("PUT", "/applications/1/commands", [{"name": "ok", "description": "d"}, {}])
    assert errors == {"1": {"name": leaf("BASE_TYPE_REQUIRED", "This field is required")}}


def test_the_multipart_payload_is_checked_against_the_multipart_schema() -> None:
    errors = refused("POST", MESSAGES, {"attachments": "files"}, multipart=True)
    assert errors["attachments"]["_errors"][0]["code"] == "LIST_TYPE_CONVERT"


def test_a_route_without_a_request_schema_and_a_disabled_check_let_bodies_through() -> None:
    check = SpecCheck()
    check.request("POST", "/channels/1/typing", {"anything": 1}, multipart=False)
    check.request("GET", "/not/in/the/spec", {"anything": 1}, multipart=False)
    off = SpecCheck(enabled=False)
    off.request("POST", MESSAGES, {"content": 5}, multipart=False)
    assert check.violations == off.violations == []


# the emulator's own answers and dispatches ------------------------------------------------------


def sent(value: Any) -> bytes:
    """A JSON body as the emulator sends it."""
    return json.dumps(value).encode()


def test_a_wrong_answer_is_recorded_not_refused() -> None:
    check = SpecCheck()
    check.response("GET", "/users/1", 200, sent({"id": "1", "username": "u"}))
    [violation] = check.violations
    assert violation.kind == "response" and violation.where == "200 GET /users/{user_id}"
    assert violation.errors["avatar"] == "This field is required"
    check.response("POST", "/channels/1/threads", 200, sent({}))
    assert check.violations[-1].errors == {"": "the spec lists no 200 answer here"}
    check.response("DELETE", "/channels/1/messages/2", 204, None)
    check.response("GET", "/channels/1", 500, sent({"message": "boom"}))  # an injected outage
    assert len(check.violations) == 2
    assert check.checked["response"] == 2


def test_answers_are_checked_when_read_as_they_were_sent() -> None:
    check = SpecCheck()
    user = {"id": "1", "username": "u"}
    check.dispatch("READY", {"user": user})
    user["id"] = "not a snowflake"  # a later change to the object is not what was sent
    assert check.pending == 1  # nothing checked yet: the answer went out unhindered
    [violation] = check.violations
    assert check.pending == 0 and "id" not in violation.errors


def test_error_answers_are_checked_with_discords_string_field_codes() -> None:
    check = SpecCheck()
    nested = {"content": leaf("BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")}
    invalid = {"code": 50035, "message": "Invalid Form Body", "errors": nested}
    check.response("POST", MESSAGES, 400, sent(invalid))
    slow = {"message": "slow", "retry_after": 1.0, "global": False}
    check.response("POST", MESSAGES, 429, sent(slow))
    [violation] = check.violations
    assert violation.where.startswith("429") and violation.errors == {
        "code": "This field is required"
    }


def test_gateway_payloads_are_checked_against_the_object_schemas() -> None:
    check = SpecCheck()
    check.dispatch("MESSAGE_DELETE", {"id": "1", "channel_id": "2"})  # the spec has none
    check.dispatch("READY", {"user": {"id": "1"}, "session_id": "s"})
    [violation] = check.violations
    assert violation.kind == "gateway" and violation.where == "READY user"
    assert violation.errors["username"] == "This field is required"


def test_a_remembered_valid_user_does_not_hide_a_changed_one() -> None:
    check = SpecCheck()
    user = Emulator().create_user("ada").to_json()
    for _ in range(2):
        check.dispatch("READY", {"user": user})
    check.dispatch("READY", {"user": {**user, "flags": "many"}})
    [violation] = check.violations
    assert violation.errors == {"flags": 'Value "many" is not int.'}
    assert check.checked["gateway"] == 3


@SESSION_LOOP
async def test_the_emulators_objects_are_the_spec_shapes() -> None:
    emu = Emulator()
    s = spec()
    guild = await emu.create_guild("g", channels=("general",))
    user = emu.create_user("ada")
    await emu.add_member(guild, user, manage_guild=True)
    thread = Channel(emu.snowflakes.next(), ChannelType.PRIVATE_THREAD, "t", guild.id, owner_id=1)
    thread.parent_id = guild.channel_ids[0]
    shapes: list[tuple[str, Any]] = [
        ("UserResponse", user.to_json()),
        ("UserPIIResponse", emu.bot_self_json()),
        ("GuildRoleResponse", Role(1, "r", 8).to_json()),
        ("GuildMemberResponse", emu.world.member_json(guild, user.id)),
        ("GuildChannelResponse", emu.world.channel_json(emu.channel_named(guild, "general"))),
        ("PrivateChannelResponse", emu.world.channel_json(emu.dm_channel(user))),
        ("ThreadResponse", emu.world.channel_json(thread)),
        ("GuildResponse", emu.world.guild_create_json(guild)),
    ]
    for name, value in shapes:
        assert [e.message for e in s.object_validator(name).iter_errors(value)] == [], name


# over the wire, with discord.py ---------------------------------------------------------------


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[discord.Client]:
    bot = discord.Client(intents=discord.Intents.none())
    await bot.login("test-token")
    try:
        yield bot
    finally:
        await bot.close()


@SESSION_LOOP
async def test_discord_py_reads_the_invalid_form_body_as_from_discord(
    emu: Emulator, client: discord.Client
) -> None:
    guild = await emu.create_guild("g")
    channel = emu.channel_named(guild, "general")
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel.id)
    with pytest.raises(discord.HTTPException) as info:
        await client.http.request(route, json={"embeds": [{"title": "t" * 300}]})
    assert info.value.status == 400 and info.value.code == 50035
    assert "In embeds.0.title: Must be 256 or fewer in length." in info.value.text
    payload = json.dumps({"content": "file", "attachments": [{"id": 0, "filename": "a.txt"}]})
    form: list[dict[str, Any]] = [
        {"name": "payload_json", "value": payload},
        {"name": "files[0]", "value": b"hi", "filename": "a.txt", "content_type": "text/plain"},
    ]
    sent = await client.http.request(route, form=form)
    assert sent["attachments"][0]["filename"] == "a.txt"
    bad = json.dumps({"content": "file", "tts": "loud"})
    with pytest.raises(discord.HTTPException) as info:
        await client.http.request(route, form=[{"name": "payload_json", "value": bad}, form[1]])
    assert 'In tts: Value "loud" is not a boolean.' in info.value.text
    assert emu.stats()["invalid_bodies"] == 2
    assert {v.where for v in emu.spec_violations("request")} == {
        "POST /channels/{channel_id}/messages"
    }
    assert emu.stats()["spec_checked"]["request"] == 3
