"""The control API's read-back (records, waits) and fault routes under ``/_control/``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .answers import json_response
from .control import C, guild_of, handles_errors, read_json, user_of
from .http_util import emulator_of

Json = dict[str, Any]


def add_routes(app: web.Application) -> None:
    """Register this module's routes on ``app``."""
    r = app.router
    r.add_get(C + "/interactions/{interaction_id}", get_interaction)
    r.add_get(C + "/interactions/{interaction_id}/wait", wait_interaction)
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
    records = emu.dm_messages(user_of(emu, request.match_info["user_id"]))
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
    body = await read_json(request)
    count = await emulator_of(request).invalidate_session(bool(body.get("resumable", False)))
    return json_response({"sessions": count})


@handles_errors
async def gateway_close(request: web.Request) -> web.Response:
    """``{"code": 4000}``: close the bot's socket with a close code."""
    body = await read_json(request)
    count = await emulator_of(request).close_connection(int(body.get("code", 4000)))
    return json_response({"connections": count})


@handles_errors
async def remove_bot(request: web.Request) -> web.Response:
    """Kick the bot from the guild."""
    emu = emulator_of(request)
    await emu.remove_bot(guild_of(emu, request.match_info["guild_id"]))
    return json_response({"ok": True})


@handles_errors
async def rate_limit(request: web.Request) -> web.Response:
    """``{"count", "route"?, "retry_after"?, "global"?}``: upcoming 429s."""
    body = await read_json(request)
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
    body = await read_json(request)
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
    body = await read_json(request)
    emulator_of(request).lose_responses(int(body.get("count", 1)), body.get("route"))
    return json_response({"ok": True})


@handles_errors
async def limits(request: web.Request) -> web.Response:
    """``{"global_per_second": float|null, "route_limits": bool, "window_scale"?}``."""
    body = await read_json(request)
    emulator_of(request).set_rate_limits(
        body.get("global_per_second"),
        bool(body.get("route_limits", False)),
        window_scale=float(body.get("window_scale", 1.0)),
    )
    return json_response({"ok": True})
