"""REST plumbing (auth, faults, rate limits, errors, the request log, the spec check of
answers) and the routes for users, the gateway, the application, guilds and channels.

Messages, threads and attachments are in ``rest_messages``; command sync, interaction
callbacks and webhooks in ``rest_interactions``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .answers import ApiError, json_response
from .http_util import emulator_of, read_body, snowflake_param
from .records import RequestRecord
from .world import Channel, Guild, Perm

if TYPE_CHECKING:
    from .state import EmulatorState

Json = dict[str, Any]
API = "/api/v10"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_log = logging.getLogger(__name__)


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Auth, faults, rate limits, JSON errors and the request log for ``/api/v10``."""
    if not request.path.startswith(API + "/"):
        return await handler(request)
    emu = emulator_of(request)
    started = time.monotonic()
    path = request.path[len(API) :]
    match = request.match_info
    unknown = match.http_exception is not None
    template = "?" if unknown else match.route.resource.canonical[len(API) :]  # type: ignore[union-attr]
    record = RequestRecord(started, request.method, path, 0, template, unknown=unknown)
    emu.requests.append(record)
    if unknown:
        record.status = 404
        emu.notify()
        return json_response({"message": "404: Not Found", "code": 0}, status=404)
    tokened = path.startswith(("/interactions/", "/webhooks/"))
    if not tokened and not emu.token_ok(request.headers.get("Authorization", "")):
        record.status = 401
        return _checked(
            emu, request, json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        )
    decision = emu.limits.decide(request.method, path, template, dict(match), tokened)
    if decision.status != 200:
        record.status = decision.status
        record.rate_limited = decision.rate_limited
        headers = {"Via": "1.1 google", **decision.headers}
        emu.notify()
        return _checked(
            emu, request, json_response(decision.body, status=decision.status, headers=headers)
        )
    try:
        response = await handler(request)
    except ApiError as exc:
        response = exc.response()
    except web.HTTPException:
        raise
    except Exception as exc:
        # An emulator bug must not look like a Discord outage: discord.py would retry a 500
        # for half a minute. A 400 surfaces at once, and the record keeps the cause.
        _log.exception("emulator error on %s %s", request.method, path)
        record.error = repr(exc)
        response = ApiError(400, 0, f"emulator error: {exc!r}").response()
    _checked(emu, request, response)
    if decision.lose_response:
        # The work is done but the client never hears back, as when a connection dies
        # mid-response: the case nonce + enforce_nonce exists for.
        record.status = 0
        if request.transport is not None:
            request.transport.abort()
        emu.notify()
        return response
    response.headers["Via"] = "1.1 google"
    response.headers.update(decision.headers)
    record.status = response.status
    emu.notify()
    if decision.delay:
        # The work is done and visible (a person may already act on it); the bot hears late.
        await asyncio.sleep(decision.delay)
    return response


def _checked(
    emu: EmulatorState, request: web.Request, response: web.StreamResponse
) -> web.StreamResponse:
    """``response``, its body handed to the spec check of answers (which runs later)."""
    body = None
    if isinstance(response, web.Response) and response.content_type == "application/json":
        body = response.body if isinstance(response.body, bytes) else None
    emu.spec_check.response(request.method, request.path[len(API) :], response.status, body)
    return response


def add_routes(app: web.Application) -> None:
    """Register this module's routes on ``app``."""
    r = app.router
    r.add_get(API + "/users/@me", get_me)
    r.add_get(API + "/users/{user_id}", get_user)
    r.add_get(API + "/gateway", get_gateway)
    r.add_get(API + "/gateway/bot", get_gateway_bot)
    r.add_get(API + "/applications/@me", get_application)
    r.add_get(API + "/oauth2/applications/@me", get_application)
    r.add_post(API + "/users/@me/channels", create_dm)
    r.add_get(API + "/guilds/{guild_id}", get_guild)
    r.add_get(API + "/guilds/{guild_id}/members", list_members)
    r.add_get(API + "/guilds/{guild_id}/members/{user_id}", get_member)
    r.add_get(API + "/guilds/{guild_id}/channels", list_channels)
    r.add_get(API + "/channels/{channel_id}", get_channel)
    r.add_patch(API + "/channels/{channel_id}", edit_channel)
    r.add_delete(API + "/channels/{channel_id}", delete_channel)


# users, gateway, application --------------------------------------------------------------


async def get_me(request: web.Request) -> web.Response:
    """``GET /users/@me``: the bot user."""
    return json_response(emulator_of(request).bot_self_json())


async def get_user(request: web.Request) -> web.Response:
    """``GET /users/{id}``."""
    user = emulator_of(request).world.users.get(snowflake_param(request, "user_id"))
    if user is None:
        raise ApiError(404, 10013, "Unknown User")
    return json_response(user.to_json())


async def get_gateway(request: web.Request) -> web.Response:
    """``GET /gateway``."""
    return json_response({"url": emulator_of(request).gateway_url})


async def get_gateway_bot(request: web.Request) -> web.Response:
    """``GET /gateway/bot`` (used by AutoShardedClient)."""
    emu = emulator_of(request)
    limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
    return json_response(
        {"url": emu.gateway_url, "shards": emu.recommended_shards, "session_start_limit": limit}
    )


async def get_application(request: web.Request) -> web.Response:
    """``GET /applications/@me``."""
    emu = emulator_of(request)
    owner = emu.app_owner
    return json_response(
        {
            "id": str(emu.application_id),
            "name": emu.bot.username,
            "description": "",
            "icon": None,
            "type": None,
            "bot": emu.bot.to_json(),
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": owner.to_json(),
            "verify_key": "0" * 64,
            "flags": 0,
            "flags_new": "0",
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "approximate_guild_count": sum(
                1 for g in emu.world.guilds.values() if not g.bot_removed
            ),
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "team": None,
            "eligible_oauth2_scopes": ["bot", "applications.commands"],
        }
    )


# guilds -----------------------------------------------------------------------------------


async def get_guild(request: web.Request) -> web.Response:
    """``GET /guilds/{id}``."""
    emu = emulator_of(request)
    guild = guild_or_404(request)
    data = emu.world.guild_create_json(guild)
    for key in ("members", "channels", "threads", "voice_states", "presences"):
        data.pop(key)
    return json_response(data)


def guild_or_404(request: web.Request) -> Guild:
    """The guild in the path, or 404 Unknown Guild."""
    guild = emulator_of(request).world.guilds.get(snowflake_param(request, "guild_id"))
    if guild is None:
        raise ApiError(404, 10004, "Unknown Guild")
    if guild.bot_removed:
        raise ApiError(403, 50001, "Missing Access")
    return guild


async def list_members(request: web.Request) -> web.Response:
    """``GET /guilds/{id}/members?limit=&after=`` in user id order."""
    emu = emulator_of(request)
    guild = guild_or_404(request)
    limit = min(1000, int(request.query.get("limit", 1)))
    after = int(request.query.get("after", 0))
    ids = sorted(u for u in guild.members if u > after)[:limit]
    return json_response([emu.world.member_json(guild, u) for u in ids])


async def list_channels(request: web.Request) -> web.Response:
    """``GET /guilds/{id}/channels`` (not threads)."""
    emu = emulator_of(request)
    guild = guild_or_404(request)
    channels = [emu.world.channels[c] for c in guild.channel_ids]
    return json_response(
        [emu.world.channel_json(c) for c in channels if not c.deleted and not c.is_thread]
    )


async def get_member(request: web.Request) -> web.Response:
    """``GET /guilds/{id}/members/{user_id}``."""
    emu = emulator_of(request)
    guild = guild_or_404(request)
    user_id = snowflake_param(request, "user_id")
    if user_id not in guild.members:
        raise ApiError(404, 10007, "Unknown Member")
    return json_response(emu.world.member_json(guild, user_id))


# channels ---------------------------------------------------------------------------------


def channel_or_404(request: web.Request) -> Channel:
    """The channel in the path; 404 Unknown Channel when missing or deleted."""
    emu = emulator_of(request)
    channel = emu.world.channels.get(snowflake_param(request, "channel_id"))
    parent = emu.world.channels.get(channel.parent_id or 0) if channel else None
    if channel is None or channel.deleted or (parent is not None and parent.deleted):
        raise ApiError(404, 10003, "Unknown Channel")
    guild = emu.world.guilds.get(channel.guild_id or 0)
    if guild is not None and guild.bot_removed:
        raise ApiError(403, 50001, "Missing Access")
    return channel


def require(request: web.Request, channel: Channel, perm: int) -> None:
    """403 Missing Permissions unless the bot can view ``channel`` and has ``perm`` there."""
    emu = emulator_of(request)
    have = emu.world.permissions_in(channel, emu.bot.id)
    if (have & (Perm.VIEW_CHANNEL | perm)) != (Perm.VIEW_CHANNEL | perm):
        raise ApiError(403, 50013, "Missing Permissions")


async def get_channel(request: web.Request) -> web.Response:
    """``GET /channels/{id}``."""
    channel = channel_or_404(request)
    return json_response(emulator_of(request).world.channel_json(channel))


async def edit_channel(request: web.Request) -> web.Response:
    """``PATCH /channels/{id}``: name, and archived/locked for threads."""
    emu = emulator_of(request)
    channel = channel_or_404(request)
    body, _ = await read_body(request)
    channel.name = body.get("name", channel.name)
    channel.archived = bool(body.get("archived", channel.archived))
    channel.locked = bool(body.get("locked", channel.locked))
    data = emu.world.channel_json(channel)
    event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
    await emu.gateway.dispatch(event, data, guild_id=channel.guild_id, intent=1)
    return json_response(data)


async def delete_channel(request: web.Request) -> web.Response:
    """``DELETE /channels/{id}`` (the bot deleting a thread or channel)."""
    emu = emulator_of(request)
    channel = channel_or_404(request)
    data = emu.world.channel_json(channel)
    await emu.delete_channel(channel)
    return json_response(data)


async def create_dm(request: web.Request) -> web.Response:
    """``POST /users/@me/channels``: open (or reuse) the DM channel with a user."""
    emu = emulator_of(request)
    body, _ = await read_body(request)
    raw = str(body.get("recipient_id", ""))
    user = emu.world.users.get(int(raw)) if raw.isdigit() else None
    if user is None:
        raise ApiError(400, 50033, "Invalid Recipient(s)")
    return json_response(emu.world.channel_json(emu.dm_channel(user)))
