"""REST routes for command sync, interaction callbacks and interaction webhooks."""

from __future__ import annotations

import re
import time
from typing import Any

from aiohttp import web

from .answers import ApiError, json_response
from .form_errors import field_error
from .http_util import emulator_of, read_body, snowflake_param
from .records import EPHEMERAL, LOADING, CallbackRecord, InteractionRecord, MessageRecord
from .validation import validate_choices, validate_message, validate_modal

Json = dict[str, Any]
API = "/api/v10"
TOKEN_LIFETIME = 15 * 60.0
_NAME = re.compile(r"^[-_\w]{1,32}$")

PING, COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, CHOICES, MODAL = 1, 4, 5, 6, 7, 8, 9


def add_routes(app: web.Application) -> None:
    """Register this module's routes on ``app``."""
    r = app.router
    apps = API + "/applications/{application_id}"
    r.add_get(apps + "/commands", get_commands)
    r.add_put(apps + "/commands", put_commands)
    r.add_post(apps + "/commands", post_command)
    r.add_delete(apps + "/commands/{command_id}", delete_command)
    r.add_get(apps + "/guilds/{guild_id}/commands", get_commands)
    r.add_put(apps + "/guilds/{guild_id}/commands", put_commands)
    r.add_post(apps + "/guilds/{guild_id}/commands", post_command)
    r.add_delete(apps + "/guilds/{guild_id}/commands/{command_id}", delete_command)
    r.add_post(API + "/interactions/{interaction_id}/{token}/callback", callback)
    hook = API + "/webhooks/{webhook_id}/{token}"
    r.add_post(hook, followup)
    r.add_get(hook + "/messages/{message_id}", get_webhook_message)
    r.add_patch(hook + "/messages/{message_id}", edit_webhook_message)
    r.add_delete(hook + "/messages/{message_id}", delete_webhook_message)


# command sync -----------------------------------------------------------------------------


def _scope(request: web.Request) -> int | None:
    emu = emulator_of(request)
    if snowflake_param(request, "application_id") != emu.application_id:
        raise ApiError(403, 50001, "Missing Access")
    if "guild_id" not in request.match_info:
        return None
    guild_id = snowflake_param(request, "guild_id")
    if guild_id not in emu.world.guilds:
        raise ApiError(403, 50001, "Missing Access")
    return guild_id


def _check_command(cmd: Json, path: list[str | int]) -> None:
    """Discord's rules on a command that its schema does not express (names, order)."""
    name = str(cmd.get("name") or "")
    kind = int(cmd.get("type", 1))
    if kind == 1 and (not _NAME.match(name) or name != name.lower()):
        raise field_error(
            [*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
        )
    if kind == 1 and not 1 <= len(str(cmd.get("description") or "")) <= 100:
        raise field_error(
            [*path, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
        )
    options = cmd.get("options") or []
    if len(options) > 25:
        raise field_error(
            [*path, "options"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
        )
    seen_optional = False
    for i, option in enumerate(options):
        if option.get("type") in (1, 2):
            _check_command({**option, "type": 1}, [*path, "options", i])
            continue
        if option.get("required") and seen_optional:
            raise field_error(
                [*path, "options", i, "required"],
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            )
        seen_optional = seen_optional or not option.get("required")


def _stored(
    request: web.Request, cmd: Json, scope: int | None, old: list[Json], path: list[str | int]
) -> Json:
    emu = emulator_of(request)
    _check_command(cmd, path)
    previous = next(
        (c for c in old if c["name"] == cmd["name"] and c.get("type", 1) == cmd.get("type", 1)),
        None,
    )
    stored = {
        "type": 1,
        "description": "",
        "options": [],
        "default_member_permissions": None,
        "nsfw": False,
        "contexts": None,
        "integration_types": [0],
        **cmd,
        "id": previous["id"] if previous else str(emu.snowflakes.next()),
        "application_id": str(emu.application_id),
        "version": str(emu.snowflakes.next()),
    }
    if stored["integration_types"] is None:
        stored["integration_types"] = [0]  # guild install, Discord's default
    perms = stored["default_member_permissions"]
    # Sent as an integer or a string; Discord answers with a string.
    stored["default_member_permissions"] = None if perms is None else str(int(perms))
    if scope is not None:
        stored["guild_id"] = str(scope)
    return stored


async def get_commands(request: web.Request) -> web.Response:
    """``GET .../commands``: what was synced."""
    return json_response(emulator_of(request).commands.get(_scope(request), []))


async def put_commands(request: web.Request) -> web.Response:
    """``PUT .../commands``: bulk overwrite (what ``tree.sync()`` does)."""
    emu = emulator_of(request)
    scope = _scope(request)
    body, _ = await read_body(request)
    old = emu.commands.get(scope, [])
    new = [_stored(request, cmd, scope, old, [i]) for i, cmd in enumerate(body.get("_list", []))]
    names = [(c["name"], c["type"]) for c in new]
    if len(names) != len(set(names)):
        raise field_error(
            [], "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique"
        )
    emu.commands[scope] = new
    emu.notify()
    return json_response(new)


async def post_command(request: web.Request) -> web.Response:
    """``POST .../commands``: create or replace one command."""
    emu = emulator_of(request)
    scope = _scope(request)
    body, _ = await read_body(request)
    old = emu.commands.get(scope, [])
    stored = _stored(request, body, scope, old, [])
    emu.commands[scope] = [c for c in old if c["id"] != stored["id"]] + [stored]
    emu.notify()
    return json_response(stored, status=201)


async def delete_command(request: web.Request) -> web.Response:
    """``DELETE .../commands/{id}``."""
    emu = emulator_of(request)
    scope = _scope(request)
    command_id = request.match_info["command_id"]
    old = emu.commands.get(scope, [])
    if not any(c["id"] == command_id for c in old):
        raise ApiError(404, 10063, "Unknown application command")
    emu.commands[scope] = [c for c in old if c["id"] != command_id]
    return web.Response(status=204)


# callbacks --------------------------------------------------------------------------------


def _metadata(emu: Any, record: InteractionRecord) -> Json:
    """The interaction's ``interaction_metadata`` as Discord puts it on messages."""
    metadata: Json = {
        "id": str(record.id),
        "type": record.type,
        "user": emu.world.users[record.user_id].to_json(),
        "authorizing_integration_owners": record.payload.get("authorizing_integration_owners", {}),
    }
    if record.type == COMPONENT and record.message_id is not None:
        metadata["interacted_message_id"] = str(record.message_id)
    opener = emu.interactions.get(record.opened_by or 0)
    if record.type == MODAL_SUBMIT and opener is not None:
        metadata["triggering_interaction_metadata"] = _metadata(emu, opener)
    return metadata


def _message_extra(emu: Any, record: InteractionRecord, *, followup: bool = False) -> Json:
    metadata = _metadata(emu, record)
    if followup and record.original_message_id is not None:
        metadata["original_response_message_id"] = str(record.original_message_id)
    extra: Json = {
        "webhook_id": str(emu.application_id),
        "application_id": str(emu.application_id),
        "interaction_metadata": metadata,
        "type": 20 if record.type == COMMAND else 0,
    }
    if record.type == COMMAND:
        # The older ``interaction`` object Discord still sends on a command's messages.
        extra["interaction"] = {
            "id": str(record.id),
            "type": record.type,
            "name": record.payload["data"]["name"],
            "user": metadata["user"],
        }
    return extra


async def callback(request: web.Request) -> web.Response:
    """``POST /interactions/{id}/{token}/callback``: the bot's one response."""
    emu = emulator_of(request)
    now = time.monotonic()
    record = emu.interactions.get(snowflake_param(request, "interaction_id"))
    if record is None or record.token != request.match_info["token"]:
        raise ApiError(404, 10062, "Unknown interaction")
    body, files = await read_body(request)
    kind = int(body.get("type", 0))
    data = body.get("data")
    try:
        message = await _apply_callback(emu, record, kind, data or {}, files, now)
    except ApiError as exc:
        record.callbacks.append(CallbackRecord(now, kind, data, exc.status, exc.code))
        emu.notify()
        raise
    record.callbacks.append(CallbackRecord(now, kind, data, 200))
    emu.notify()
    if request.query.get("with_response") not in ("1", "true", "True"):
        return web.Response(status=204)
    info: Json = {"id": str(record.id), "type": record.type}
    answer: Json = {"interaction": info}
    if message is not None:
        info["response_message_id"] = str(message.id)
        info["response_message_loading"] = bool(message.flags & LOADING)
        info["response_message_ephemeral"] = message.ephemeral
        if kind in (MESSAGE, UPDATE):
            # Discord names a resource only for a message sent or updated (and an activity
            # launched); a deferred response is known by response_message_loading.
            answer["resource"] = {"type": kind, "message": message.current}
    return json_response(answer)


async def _apply_callback(
    emu: Any, record: InteractionRecord, kind: int, data: Json, files: list[Any], now: float
) -> MessageRecord | None:
    if record.response is not None:
        raise ApiError(400, 40060, "Interaction has already been acknowledged.")
    if emu.ack_deadline is not None and now - record.injected_t > emu.ack_deadline:
        # Discord forgets an interaction that was not answered within 3 seconds.
        raise ApiError(404, 10062, "Unknown interaction")
    on_message = record.message_id is not None
    allowed = {
        PING: {PONG},
        COMMAND: {MESSAGE, DEFERRED_MESSAGE, MODAL},
        COMPONENT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, MODAL},
        AUTOCOMPLETE: {CHOICES},
        MODAL_SUBMIT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE}
        | ({UPDATE} if on_message else set()),
    }[record.type]
    if kind not in allowed:
        raise ApiError(400, 40004, f"Interaction callback type {kind} invalid for this interaction")
    channel = emu.world.channels[record.channel_id]
    if kind == MESSAGE:
        validate_message(data, files=len(files), creating=True)
        message = await emu.messages.create(
            channel=channel,
            author=emu.bot,
            body=data,
            files=files,
            by_bot=True,
            interaction_id=record.id,
            extra=_message_extra(emu, record),
        )
        record.original_message_id = message.id
        return message
    if kind == DEFERRED_MESSAGE:
        flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
        message = await emu.messages.create(
            channel=channel,
            author=emu.bot,
            body={"content": "", "flags": flags},
            files=[],
            by_bot=True,
            interaction_id=record.id,
            extra=_message_extra(emu, record),
        )
        record.original_message_id = message.id
        return message
    if kind in (DEFERRED_UPDATE, UPDATE):
        record.original_message_id = record.message_id
        if kind == DEFERRED_UPDATE or record.message_id is None:
            return None
        validate_message(data, files=len(files), creating=False)
        target = emu.messages.by_id[record.message_id]
        await emu.messages.edit(target, data, files)
        return target
    if kind == CHOICES:
        validate_choices(data)
        record.choices = list(data.get("choices") or [])
        return None
    if kind == MODAL:
        validate_modal(data)
        record.modal = data
        return None
    return None


# interaction webhooks ---------------------------------------------------------------------


def _interaction_for(request: web.Request) -> InteractionRecord:
    emu = emulator_of(request)
    record = emu.interactions_by_token.get(request.match_info["token"])
    if record is None or snowflake_param(request, "webhook_id") != emu.application_id:
        raise ApiError(404, 10015, "Unknown Webhook")
    if time.monotonic() - record.injected_t > TOKEN_LIFETIME:
        raise ApiError(401, 50027, "Invalid Webhook Token")
    if record.response is None:
        raise ApiError(404, 10015, "Unknown Webhook")
    return record


def _webhook_message(request: web.Request, record: InteractionRecord) -> MessageRecord:
    emu = emulator_of(request)
    raw = request.match_info["message_id"]
    if raw == "@original":
        message_id = record.original_message_id
    else:
        message_id = snowflake_param(request, "message_id")
        if message_id not in record.followup_ids and message_id != record.original_message_id:
            message_id = None
    message = emu.messages.by_id.get(message_id or 0)
    if message is None or message.deleted:
        raise ApiError(404, 10008, "Unknown Message")
    return message


async def followup(request: web.Request) -> web.Response:
    """``POST /webhooks/{app}/{token}``: a follow-up (the first after a defer fills it in)."""
    emu = emulator_of(request)
    record = _interaction_for(request)
    body, files = await read_body(request)
    validate_message(body, files=len(files), creating=True)
    original = emu.messages.by_id.get(record.original_message_id or 0)
    if original is not None and original.flags & LOADING:
        # Discord turns the first follow-up after a deferred response into that response.
        body = {**body, "flags": original.flags & EPHEMERAL}
        message = await emu.messages.edit(original, body, files)
    else:
        channel = emu.world.channels[record.channel_id]
        message = await emu.messages.create(
            channel=channel,
            author=emu.bot,
            body=body,
            files=files,
            by_bot=True,
            interaction_id=record.id,
            extra=_message_extra(emu, record, followup=True),
        )
    record.followup_ids.append(message.id)
    emu.notify()
    if request.query.get("wait") in ("1", "true", "True"):
        return json_response(message.current)
    return web.Response(status=204)


async def get_webhook_message(request: web.Request) -> web.Response:
    """``GET /webhooks/{app}/{token}/messages/{id|@original}``."""
    record = _interaction_for(request)
    return json_response(_webhook_message(request, record).current)


async def edit_webhook_message(request: web.Request) -> web.Response:
    """``PATCH /webhooks/{app}/{token}/messages/{id|@original}``."""
    emu = emulator_of(request)
    record = _interaction_for(request)
    message = _webhook_message(request, record)
    body, files = await read_body(request)
    validate_message(body, files=len(files), creating=False)
    await emu.messages.edit(message, body, files)
    return json_response(message.current)


async def delete_webhook_message(request: web.Request) -> web.Response:
    """``DELETE /webhooks/{app}/{token}/messages/{id|@original}``."""
    emu = emulator_of(request)
    record = _interaction_for(request)
    await emu.messages.delete(_webhook_message(request, record))
    return web.Response(status=204)
