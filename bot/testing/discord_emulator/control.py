"""The HTTP control API under ``/_control/``: the in-process API, over JSON, for standalone use."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .http_util import emulator_of, json_response
from .inject import InjectionError
from .messages import Upload
from .world import Channel, Guild, User

if TYPE_CHECKING:
    from .emulator import Emulator

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
    r.add_get(C + "/interactions/{interaction_id}", get_interaction)
    r.add_get(C + "/interactions/{interaction_id}/wait", wait_interaction)
    r.add_post(C + "/messages", user_message)
    r.add_get(C + "/messages/{message_id}", get_message)
    r.add_get(C + "/channels/{channel_id}/messages", channel_messages)
    r.add_get(C + "/channels/{channel_id}/wait", wait_message)
    r.add_get(C + "/users/{user_id}/dms", dm_messages)
    r.add_get(C + "/commands", commands)
    r.add_get(C + "/requests", requests)
    r.add_get(C + "/typing", typing)
    r.add_get(C + "/gateway", gateway_events)
    r.add_post(C + "/gateway/drop", gateway_drop)
    r.add_post(C + "/gateway/reconnect", gateway_reconnect)
    r.add_post(C + "/gateway/invalidate", gateway_invalidate)
    r.add_post(C + "/gateway/close", gateway_close)
    r.add_post(C + "/guilds/{guild_id}/remove-bot", remove_bot)
    r.add_post(C + "/ratelimit", rate_limit)
    r.add_post(C + "/fault", fault)
    r.add_post(C + "/lose-responses", lose_responses)
    r.add_post(C + "/limits", limits)


def _error(status: int, message: str) -> web.Response:
    return json_response({"error": message}, status=status)


def handles_errors(func: Handler) -> Handler:
    """Turn lookup and injection failures into JSON errors the client can show."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await func(request)
        except InjectionError as exc:
            return _error(400, str(exc))
        except (KeyError, ValueError) as exc:
            return _error(404, f"not found: {exc}")
        except AssertionError as exc:
            return _error(408, str(exc))

    wrapped.__doc__ = func.__doc__
    return wrapped


async def _body(request: web.Request) -> Json:
    if not request.can_read_body:
        return {}
    data = await request.json()
    return data if isinstance(data, dict) else {}


def _user(emu: Emulator, raw: Any) -> User:
    return emu.world.users[int(raw)]


def _channel(emu: Emulator, raw: Any) -> Channel:
    return emu.world.channels[int(raw)]


def _guild(emu: Emulator, raw: Any) -> Guild:
    return emu.world.guilds[int(raw)]


def guild_summary(emu: Emulator, guild: Guild) -> Json:
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
    body = await _body(request)
    user = emulator_of(request).create_user(body["username"], body.get("global_name"))
    return json_response(user.to_json())


@handles_errors
async def create_guild(request: web.Request) -> web.Response:
    """``{"name", "owner_id"?, "channels"?: [names]}`` -> guild summary."""
    emu = emulator_of(request)
    body = await _body(request)
    owner = _user(emu, body["owner_id"]) if body.get("owner_id") else None
    channels = tuple(body.get("channels") or ("general",))
    guild = await emu.create_guild(body["name"], owner, channels)
    return json_response(guild_summary(emu, guild))


@handles_errors
async def create_channel(request: web.Request) -> web.Response:
    """``{"name"}`` -> channel object."""
    emu = emulator_of(request)
    body = await _body(request)
    channel = await emu.create_channel(_guild(emu, request.match_info["guild_id"]), body["name"])
    return json_response(emu.world.channel_json(channel))


@handles_errors
async def create_role(request: web.Request) -> web.Response:
    """``{"name", "permissions": int}`` -> role object."""
    emu = emulator_of(request)
    body = await _body(request)
    guild = _guild(emu, request.match_info["guild_id"])
    role = await emu.create_role(guild, body["name"], int(body.get("permissions", 0)))
    return json_response(role.to_json())


@handles_errors
async def add_member(request: web.Request) -> web.Response:
    """``{"user_id", "role_ids"?, "manage_guild"?, "administrator"?}`` -> member object."""
    emu = emulator_of(request)
    body = await _body(request)
    guild = _guild(emu, request.match_info["guild_id"])
    user = _user(emu, body["user_id"])
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
    await emu.delete_channel(_channel(emu, request.match_info["channel_id"]))
    return json_response({"ok": True})


@handles_errors
async def set_dms(request: web.Request) -> web.Response:
    """``{"closed": bool}``: whether the user refuses DMs (403 50007)."""
    emu = emulator_of(request)
    body = await _body(request)
    emu.close_dms(_user(emu, request.match_info["user_id"]), bool(body.get("closed", True)))
    return json_response({"ok": True})


@handles_errors
async def upload(request: web.Request) -> web.Response:
    """``{"filename", "data_base64"|"text", "content_type"?}`` -> attachment object."""
    return json_response(emulator_of(request).upload(_upload(await _body(request))))


# injection --------------------------------------------------------------------------------


def _options(emu: Emulator, raw: Json) -> Json:
    # Attachment options may be given inline as {"filename", "text"|"data_base64"}.
    return {
        k: emu.upload(_upload(v)) if isinstance(v, dict) and "id" not in v else v
        for k, v in raw.items()
    }


@handles_errors
async def slash(request: web.Request) -> web.Response:
    """``{name, user_id, channel_id, options?, require_synced?, override_permissions?}``."""
    emu = emulator_of(request)
    body = await _body(request)
    record = await emu.slash(
        body["name"],
        user=_user(emu, body["user_id"]),
        channel=_channel(emu, body["channel_id"]),
        options=_options(emu, body.get("options") or {}),
        require_synced=bool(body.get("require_synced", True)),
        override_permissions=bool(body.get("override_permissions", False)),
    )
    return json_response(record.to_json(emu.t0))


@handles_errors
async def autocomplete(request: web.Request) -> web.Response:
    """``{"name", "user_id", "channel_id", "focused", "options"}`` -> interaction."""
    emu = emulator_of(request)
    body = await _body(request)
    record = await emu.autocomplete(
        body["name"],
        user=_user(emu, body["user_id"]),
        channel=_channel(emu, body["channel_id"]),
        focused=body["focused"],
        options=body.get("options") or {},
        require_synced=bool(body.get("require_synced", True)),
    )
    return json_response(record.to_json(emu.t0))


@handles_errors
async def click(request: web.Request) -> web.Response:
    """``{"message_id", "custom_id", "user_id", "values"?}`` -> interaction."""
    emu = emulator_of(request)
    body = await _body(request)
    record = await emu.click(
        int(body["message_id"]),
        body["custom_id"],
        user=_user(emu, body["user_id"]),
        values=body.get("values"),
    )
    return json_response(record.to_json(emu.t0))


@handles_errors
async def modal_submit(request: web.Request) -> web.Response:
    """``{"values": {input_custom_id: text}}`` for the modal interaction {id} opened."""
    emu = emulator_of(request)
    body = await _body(request)
    opened_by = int(request.match_info["interaction_id"])
    record = await emu.submit_modal(opened_by, body.get("values") or {})
    return json_response(record.to_json(emu.t0))


@handles_errors
async def user_message(request: web.Request) -> web.Response:
    """``{"channel_id", "user_id", "content", "attachments"?: [...]}`` -> message record."""
    emu = emulator_of(request)
    body = await _body(request)
    record = await emu.user_message(
        _channel(emu, body["channel_id"]),
        _user(emu, body["user_id"]),
        str(body.get("content", "")),
        attachments=tuple(_upload(a) for a in body.get("attachments", [])),
    )
    return json_response(record.to_json(emu.t0))


# reading back -----------------------------------------------------------------------------


def _timeout(request: web.Request) -> float:
    return min(120.0, float(request.query.get("timeout", 5.0)))


@handles_errors
async def get_interaction(request: web.Request) -> web.Response:
    """The interaction record: callbacks, original, follow-ups, modal, choices."""
    emu = emulator_of(request)
    record = emu.interaction(int(request.match_info["interaction_id"]))
    return json_response(record.to_json(emu.t0))


@handles_errors
async def wait_interaction(request: web.Request) -> web.Response:
    """Wait (``?timeout=``) for the bot's callback, then return the record (408 on timeout)."""
    emu = emulator_of(request)
    record = emu.interaction(int(request.match_info["interaction_id"]))
    await emu.wait_for_response(record, _timeout(request))
    return json_response(record.to_json(emu.t0))


@handles_errors
async def get_message(request: web.Request) -> web.Response:
    """One message with every version."""
    emu = emulator_of(request)
    record = emu.messages.by_id[int(request.match_info["message_id"])]
    return json_response(record.to_json(emu.t0))


@handles_errors
async def channel_messages(request: web.Request) -> web.Response:
    """Every message in a channel, oldest first (``?deleted=1`` includes deleted ones)."""
    emu = emulator_of(request)
    deleted = request.query.get("deleted") == "1"
    records = emu.messages.in_channel(
        int(request.match_info["channel_id"]), include_deleted=deleted
    )
    return json_response([r.to_json(emu.t0) for r in records])


@handles_errors
async def wait_message(request: web.Request) -> web.Response:
    """Wait for a bot message in the channel whose text contains ``?contains=``."""
    emu = emulator_of(request)
    needle = request.query.get("contains", "")
    record = await emu.wait_for_message(
        int(request.match_info["channel_id"]), lambda m: needle in m.text(), _timeout(request)
    )
    return json_response(record.to_json(emu.t0))


@handles_errors
async def dm_messages(request: web.Request) -> web.Response:
    """Messages in the DM channel with the user."""
    emu = emulator_of(request)
    records = emu.dm_messages(_user(emu, request.match_info["user_id"]))
    return json_response([r.to_json(emu.t0) for r in records])


@handles_errors
async def commands(request: web.Request) -> web.Response:
    """Synced commands: global, or ``?guild_id=``."""
    emu = emulator_of(request)
    raw = request.query.get("guild_id")
    return json_response(emu.commands.get(int(raw) if raw else None, []))


@handles_errors
async def requests(request: web.Request) -> web.Response:
    """The REST request log (``?since=`` seconds since start)."""
    emu = emulator_of(request)
    since = float(request.query.get("since", "-1"))
    rows = [r.to_json(emu.t0) for r in emu.requests]
    return json_response([r for r in rows if r["t"] > since])


@handles_errors
async def typing(request: web.Request) -> web.Response:
    """Typing indicators the bot triggered."""
    emu = emulator_of(request)
    return json_response([{"t": t.t - emu.t0, "channel_id": str(t.channel_id)} for t in emu.typing])


@handles_errors
async def gateway_events(request: web.Request) -> web.Response:
    """Gateway connection events (hello, identify, resume, resumed, closed, ...)."""
    return json_response(emulator_of(request).gateway.events)


# faults -----------------------------------------------------------------------------------


@handles_errors
async def gateway_drop(request: web.Request) -> web.Response:
    """Cut the bot's socket without a close frame."""
    return json_response({"connections": await emulator_of(request).drop_connection()})


@handles_errors
async def gateway_reconnect(request: web.Request) -> web.Response:
    """Send op 7 RECONNECT."""
    return json_response({"connections": await emulator_of(request).request_reconnect()})


@handles_errors
async def gateway_invalidate(request: web.Request) -> web.Response:
    """``{"resumable": bool}``: send op 9 INVALID_SESSION."""
    body = await _body(request)
    count = await emulator_of(request).invalidate_session(bool(body.get("resumable", False)))
    return json_response({"sessions": count})


@handles_errors
async def gateway_close(request: web.Request) -> web.Response:
    """``{"code": 4000}``: close the bot's socket with a close code."""
    body = await _body(request)
    count = await emulator_of(request).close_connection(int(body.get("code", 4000)))
    return json_response({"connections": count})


@handles_errors
async def remove_bot(request: web.Request) -> web.Response:
    """Kick the bot from the guild."""
    emu = emulator_of(request)
    await emu.remove_bot(_guild(emu, request.match_info["guild_id"]))
    return json_response({"ok": True})


@handles_errors
async def rate_limit(request: web.Request) -> web.Response:
    """``{"count", "route"?, "retry_after"?, "global"?}``: upcoming 429s."""
    body = await _body(request)
    emulator_of(request).rate_limit(
        int(body.get("count", 1)),
        body.get("route"),
        retry_after=float(body.get("retry_after", 0.5)),
        is_global=bool(body.get("global", False)),
    )
    return json_response({"ok": True})


@handles_errors
async def fault(request: web.Request) -> web.Response:
    """``{"count", "route"?, "status", "code", "message"}``: upcoming errors."""
    body = await _body(request)
    emulator_of(request).fail(
        int(body.get("count", 1)),
        body.get("route"),
        int(body["status"]),
        int(body.get("code", 0)),
        str(body.get("message", "injected fault")),
    )
    return json_response({"ok": True})


@handles_errors
async def lose_responses(request: web.Request) -> web.Response:
    """``{"count", "route"?}``: do the next matching requests but never answer them."""
    body = await _body(request)
    emulator_of(request).lose_responses(int(body.get("count", 1)), body.get("route"))
    return json_response({"ok": True})


@handles_errors
async def limits(request: web.Request) -> web.Response:
    """``{"global_per_second": float|null, "route_limits": bool, "window_scale"?}``."""
    body = await _body(request)
    emulator_of(request).set_rate_limits(
        body.get("global_per_second"),
        bool(body.get("route_limits", False)),
        window_scale=float(body.get("window_scale", 1.0)),
    )
    return json_response({"ok": True})
