"""The HTTP control API under ``/_control/``: the in-process API, over JSON, for standalone use.

This module has the plumbing, the world and a person's actions; reading back and faults
are in ``control_readback``.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .answers import json_response
from .http_util import emulator_of
from .inject import InjectionError
from .messages import Upload
from .world import Channel, Guild, User

if TYPE_CHECKING:
    from .state import EmulatorState

Json = dict[str, Any]
C = "/_control"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_routes(app: web.Application) -> None:
    """Register the control routes on ``app``."""
    r = app.router
    r.add_get(C + "/state", state)
    r.add_get(C + "/stats", stats)
    r.add_get(C + "/spec", spec_violations)
    r.add_post(C + "/users", create_user)
    r.add_post(C + "/guilds", create_guild)
    r.add_post(C + "/guilds/{guild_id}/channels", create_channel)
    r.add_post(C + "/guilds/{guild_id}/roles", create_role)
    r.add_post(C + "/guilds/{guild_id}/members", add_member)
    r.add_post(C + "/channels/{channel_id}/delete", delete_channel)
    r.add_post(C + "/users/{user_id}/dms", set_dms)
    r.add_post(C + "/attachments", upload)
    r.add_post(C + "/interactions/slash", slash)
    r.add_post(C + "/interactions/autocomplete", autocomplete)
    r.add_post(C + "/interactions/click", click)
    r.add_post(C + "/interactions/{interaction_id}/modal-submit", modal_submit)
    r.add_post(C + "/messages", user_message)


def error_response(status: int, message: str) -> web.Response:
    """A control-API error: ``{"error": message}``."""
    return json_response({"error": message}, status=status)


def handles_errors(func: Handler) -> Handler:
    """Turn lookup and injection failures into JSON errors the client can show."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await func(request)
        except InjectionError as exc:
            return error_response(400, str(exc))
        except (KeyError, ValueError) as exc:
            return error_response(404, f"not found: {exc}")
        except AssertionError as exc:
            return error_response(408, str(exc))

    wrapped.__doc__ = func.__doc__
    return wrapped


async def read_json(request: web.Request) -> Json:
    """The JSON object in the body ({} when there is none)."""
    if not request.can_read_body:
        return {}
    data = await request.json()
    return data if isinstance(data, dict) else {}


def user_of(emu: EmulatorState, raw: Any) -> User:
    """The user with id ``raw``."""
    return emu.world.users[int(raw)]


def channel_of(emu: EmulatorState, raw: Any) -> Channel:
    """The channel with id ``raw``."""
    return emu.world.channels[int(raw)]


def guild_of(emu: EmulatorState, raw: Any) -> Guild:
    """The guild with id ``raw``."""
    return emu.world.guilds[int(raw)]


def guild_summary(emu: EmulatorState, guild: Guild) -> Json:
    """A guild with its channel, role and member ids."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "owner_id": str(guild.owner_id),
        "channels": [
            {"id": str(c.id), "name": c.name, "type": c.type, "deleted": c.deleted}
            for c in (emu.world.channels[i] for i in guild.channel_ids)
        ],
        "roles": [r.to_json() for r in guild.roles.values()],
        "members": [str(u) for u in guild.members],
    }


def _upload(item: Json) -> Upload:
    if "data_base64" in item:
        data = base64.b64decode(item["data_base64"])
    else:
        data = str(item.get("text", "")).encode()
    return Upload(str(item["filename"]), data, item.get("content_type"))


# world ------------------------------------------------------------------------------------


@handles_errors
async def state(request: web.Request) -> web.Response:
    """Everything needed to point a client here, plus the world."""
    emu = emulator_of(request)
    return json_response(
        {
            "base_url": emu.base_url,
            "api_base": emu.api_base,
            "gateway_url": emu.gateway_url,
            "application_id": str(emu.application_id),
            "bot": emu.bot.to_json(),
            "users": [u.to_json() for u in emu.world.users.values()],
            "guilds": [guild_summary(emu, g) for g in emu.world.guilds.values()],
        }
    )


@handles_errors
async def stats(request: web.Request) -> web.Response:
    """Request, rate-limit and gateway counters."""
    return json_response(emulator_of(request).stats())


@handles_errors
async def spec_violations(request: web.Request) -> web.Response:
    """What the spec checks looked at, and every body that broke Discord's spec."""
    emu = emulator_of(request)
    check = emu.spec_check
    return json_response(
        {"checked": check.checked, "violations": [v.to_json(emu.t0) for v in check.violations]}
    )


@handles_errors
async def create_user(request: web.Request) -> web.Response:
    """``{"username", "global_name"?}`` -> user object."""
    body = await read_json(request)
    user = emulator_of(request).create_user(body["username"], body.get("global_name"))
    return json_response(user.to_json())


@handles_errors
async def create_guild(request: web.Request) -> web.Response:
    """``{"name", "owner_id"?, "channels"?: [names]}`` -> guild summary."""
    emu = emulator_of(request)
    body = await read_json(request)
    owner = user_of(emu, body["owner_id"]) if body.get("owner_id") else None
    channels = tuple(body.get("channels") or ("general",))
    guild = await emu.create_guild(body["name"], owner, channels)
    return json_response(guild_summary(emu, guild))


@handles_errors
async def create_channel(request: web.Request) -> web.Response:
    """``{"name"}`` -> channel object."""
    emu = emulator_of(request)
    body = await read_json(request)
    channel = await emu.create_channel(guild_of(emu, request.match_info["guild_id"]), body["name"])
    return json_response(emu.world.channel_json(channel))


@handles_errors
async def create_role(request: web.Request) -> web.Response:
    """``{"name", "permissions": int}`` -> role object."""
    emu = emulator_of(request)
    body = await read_json(request)
    guild = guild_of(emu, request.match_info["guild_id"])
    role = await emu.create_role(guild, body["name"], int(body.get("permissions", 0)))
    return json_response(role.to_json())


@handles_errors
async def add_member(request: web.Request) -> web.Response:
    """``{"user_id", "role_ids"?, "manage_guild"?, "administrator"?}`` -> member object."""
    emu = emulator_of(request)
    body = await read_json(request)
    guild = guild_of(emu, request.match_info["guild_id"])
    user = user_of(emu, body["user_id"])
    roles = tuple(guild.roles[int(r)] for r in body.get("role_ids", []))
    await emu.add_member(
        guild,
        user,
        roles=roles,
        manage_guild=bool(body.get("manage_guild")),
        administrator=bool(body.get("administrator")),
    )
    return json_response(emu.world.member_json(guild, user.id))


@handles_errors
async def delete_channel(request: web.Request) -> web.Response:
    """Delete a channel: the bot's calls to it get 404 (10003)."""
    emu = emulator_of(request)
    await emu.delete_channel(channel_of(emu, request.match_info["channel_id"]))
    return json_response({"ok": True})


@handles_errors
async def set_dms(request: web.Request) -> web.Response:
    """``{"closed": bool}``: whether the user refuses DMs (403 50007)."""
    emu = emulator_of(request)
    body = await read_json(request)
    emu.close_dms(user_of(emu, request.match_info["user_id"]), bool(body.get("closed", True)))
    return json_response({"ok": True})


@handles_errors
async def upload(request: web.Request) -> web.Response:
    """``{"filename", "data_base64"|"text", "content_type"?}`` -> attachment object."""
    return json_response(emulator_of(request).upload(_upload(await read_json(request))))


# injection --------------------------------------------------------------------------------


def _options(emu: EmulatorState, raw: Json) -> Json:
    # Attachment options may be given inline as {"filename", "text"|"data_base64"}.
    return {
        k: emu.upload(_upload(v)) if isinstance(v, dict) and "id" not in v else v
        for k, v in raw.items()
    }


@handles_errors
async def slash(request: web.Request) -> web.Response:
    """``{name, user_id, channel_id, options?, require_synced?, override_permissions?}``."""
    emu = emulator_of(request)
    body = await read_json(request)
    record = await emu.slash(
        body["name"],
        user=user_of(emu, body["user_id"]),
        channel=channel_of(emu, body["channel_id"]),
        options=_options(emu, body.get("options") or {}),
        require_synced=bool(body.get("require_synced", True)),
        override_permissions=bool(body.get("override_permissions", False)),
    )
    return json_response(record.to_json(emu.t0))


@handles_errors
async def autocomplete(request: web.Request) -> web.Response:
    """``{"name", "user_id", "channel_id", "focused", "options"}`` -> interaction."""
    emu = emulator_of(request)
    body = await read_json(request)
    record = await emu.autocomplete(
        body["name"],
        user=user_of(emu, body["user_id"]),
        channel=channel_of(emu, body["channel_id"]),
        focused=body["focused"],
        options=body.get("options") or {},
        require_synced=bool(body.get("require_synced", True)),
    )
    return json_response(record.to_json(emu.t0))


@handles_errors
async def click(request: web.Request) -> web.Response:
    """``{"message_id", "custom_id", "user_id", "values"?}`` -> interaction."""
    emu = emulator_of(request)
    body = await read_json(request)
    record = await emu.click(
        int(body["message_id"]),
        body["custom_id"],
        user=user_of(emu, body["user_id"]),
        values=body.get("values"),
    )
    return json_response(record.to_json(emu.t0))


@handles_errors
async def modal_submit(request: web.Request) -> web.Response:
    """``{"values": {input_custom_id: text}}`` for the modal interaction {id} opened."""
    emu = emulator_of(request)
    body = await read_json(request)
    opened_by = int(request.match_info["interaction_id"])
    record = await emu.submit_modal(opened_by, body.get("values") or {})
    return json_response(record.to_json(emu.t0))


@handles_errors
async def user_message(request: web.Request) -> web.Response:
    """``{"channel_id", "user_id", "content", "attachments"?: [...]}`` -> message record."""
    emu = emulator_of(request)
    body = await read_json(request)
    record = await emu.user_message(
        channel_of(emu, body["channel_id"]),
        user_of(emu, body["user_id"]),
        str(body.get("content", "")),
        attachments=tuple(_upload(a) for a in body.get("attachments", [])),
    )
    return json_response(record.to_json(emu.t0))
