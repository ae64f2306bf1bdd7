"""REST routes for users, the gateway, channels, messages, DMs, threads and attachments."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .form_errors import field_error
from .http_util import (
    JSON_BODY,
    ApiError,
    emulator_of,
    json_response,
    read_body,
    snowflake_param,
)
from .records import MessageRecord, RequestRecord, TypingRecord
from .validation import validate_message
from .world import Channel, ChannelType, Guild, Perm

if TYPE_CHECKING:
    from .emulator import Emulator

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
    emu: Emulator, request: web.Request, response: web.StreamResponse
) -> web.StreamResponse:
    """``response``, after checking its body against the spec (a violation is recorded)."""
    body = response.get(JSON_BODY) if isinstance(response, web.Response) else None
    path = request.path[len(API) :]
    emu.spec_check.response(request.method, path, response.status, body)
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
    r.add_get(API + "/channels/{channel_id}/messages", list_messages)
    r.add_post(API + "/channels/{channel_id}/messages", send_message)
    r.add_get(API + "/channels/{channel_id}/messages/{message_id}", get_message)
    r.add_patch(API + "/channels/{channel_id}/messages/{message_id}", edit_message)
    r.add_delete(API + "/channels/{channel_id}/messages/{message_id}", delete_message)
    r.add_post(API + "/channels/{channel_id}/typing", typing)
    r.add_post(API + "/channels/{channel_id}/threads", create_thread)
    r.add_post(API + "/channels/{channel_id}/messages/{message_id}/threads", thread_from_message)
    r.add_put(API + "/channels/{channel_id}/thread-members/{user_id}", add_thread_member)
    r.add_delete(API + "/channels/{channel_id}/thread-members/{user_id}", remove_thread_member)
    r.add_get("/attachments/{attachment_id}/{filename}", get_attachment)


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


# messages ---------------------------------------------------------------------------------


def message_or_404(request: web.Request, channel: Channel) -> MessageRecord:
    """The message in the path (in ``channel``), or 404 Unknown Message."""
    emu = emulator_of(request)
    record = emu.messages.by_id.get(snowflake_param(request, "message_id"))
    if record is None or record.deleted or record.channel_id != channel.id or record.ephemeral:
        raise ApiError(404, 10008, "Unknown Message")
    return record


def check_can_send(request: web.Request, channel: Channel) -> None:
    """Closed DMs (50007), missing permissions (50013) and archived threads."""
    emu = emulator_of(request)
    if channel.type == ChannelType.DM:
        if any(u in emu.closed_dms for u in channel.recipients):
            raise ApiError(403, 50007, "Cannot send messages to this user")
        return
    perm = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
    require(request, channel, perm)
    if channel.is_thread and channel.locked:
        raise ApiError(403, 50083, "Thread is archived")
    # Sending into an archived (unlocked) thread unarchives it, as on Discord.
    channel.archived = False


async def send_message(request: web.Request) -> web.Response:
    """``POST /channels/{id}/messages`` with nonce/enforce_nonce dedup."""
    emu = emulator_of(request)
    channel = channel_or_404(request)
    body, files = await read_body(request)
    check_can_send(request, channel)
    validate_message(body, files=len(files), creating=True)
    nonce = body.get("nonce")
    if nonce is not None and body.get("enforce_nonce"):
        existing = emu.messages.find_nonce(channel.id, str(nonce))
        if existing is not None:
            return json_response(existing.current)
    record = await emu.messages.create(
        channel=channel, author=emu.bot, body=body, files=files, by_bot=True
    )
    return json_response(record.current)


async def list_messages(request: web.Request) -> web.Response:
    """``GET /channels/{id}/messages`` (newest first, ``limit``/``before``/``after``)."""
    emu = emulator_of(request)
    channel = channel_or_404(request)
    limit = min(100, int(request.query.get("limit", 50)))
    records = [r for r in emu.messages.in_channel(channel.id) if not r.ephemeral]
    if "before" in request.query:
        records = [r for r in records if r.id < int(request.query["before"])]
    if "after" in request.query:
        records = [r for r in records if r.id > int(request.query["after"])]
        return json_response([r.current for r in records[:limit]][::-1])
    return json_response([r.current for r in records[::-1][:limit]])


async def get_message(request: web.Request) -> web.Response:
    """``GET /channels/{id}/messages/{mid}``."""
    channel = channel_or_404(request)
    return json_response(message_or_404(request, channel).current)


async def edit_message(request: web.Request) -> web.Response:
    """``PATCH /channels/{id}/messages/{mid}`` (only the bot's own messages)."""
    emu = emulator_of(request)
    channel = channel_or_404(request)
    record = message_or_404(request, channel)
    if record.author_id != emu.bot.id:
        raise ApiError(403, 50005, "Cannot edit a message authored by another user")
    body, files = await read_body(request)
    validate_message(body, files=len(files), creating=False)
    await emu.messages.edit(record, body, files)
    return json_response(record.current)


async def delete_message(request: web.Request) -> web.Response:
    """``DELETE /channels/{id}/messages/{mid}``."""
    emu = emulator_of(request)
    channel = channel_or_404(request)
    record = message_or_404(request, channel)
    if record.author_id != emu.bot.id:
        require(request, channel, Perm.MANAGE_MESSAGES)
    await emu.messages.delete(record)
    return web.Response(status=204)


async def typing(request: web.Request) -> web.Response:
    """``POST /channels/{id}/typing``."""
    emu = emulator_of(request)
    channel = channel_or_404(request)
    check_can_send(request, channel)
    emu.typing.append(TypingRecord(time.monotonic(), channel.id))
    emu.notify()
    return web.Response(status=204)


# threads ----------------------------------------------------------------------------------


async def _new_thread(
    request: web.Request, parent: Channel, body: Json, kind: int, thread_id: int | None = None
) -> Channel:
    emu = emulator_of(request)
    if parent.is_thread or parent.guild_id is None:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    private = kind == ChannelType.PRIVATE_THREAD
    require(request, parent, Perm.CREATE_PRIVATE_THREADS if private else Perm.CREATE_PUBLIC_THREADS)
    name = str(body.get("name") or "")
    if not 1 <= len(name) <= 100:
        raise field_error(["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    thread = Channel(
        thread_id or emu.snowflakes.next(),
        kind,
        name,
        parent.guild_id,
        parent_id=parent.id,
        owner_id=emu.bot.id,
        invitable=bool(body.get("invitable", True)),
        auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
    )
    thread.thread_members.add(emu.bot.id)
    emu.world.channels[thread.id] = thread
    emu.world.guilds[parent.guild_id].channel_ids.append(thread.id)
    data = {**emu.world.channel_json(thread), "newly_created": True}
    await emu.gateway.dispatch("THREAD_CREATE", data, guild_id=parent.guild_id, intent=1)
    return thread


async def create_thread(request: web.Request) -> web.Response:
    """``POST /channels/{id}/threads``: a thread without a starter message."""
    channel = channel_or_404(request)
    body, _ = await read_body(request)
    kind = int(body.get("type") or ChannelType.PRIVATE_THREAD)
    thread = await _new_thread(request, channel, body, kind)
    return json_response(emulator_of(request).world.channel_json(thread), status=201)


async def thread_from_message(request: web.Request) -> web.Response:
    """``POST /channels/{id}/messages/{mid}/threads``: a public thread on a message."""
    channel = channel_or_404(request)
    message = message_or_404(request, channel)
    body, _ = await read_body(request)
    if message.id in emulator_of(request).world.channels:
        raise ApiError(400, 160004, "A thread has already been created for this message")
    # As on Discord, a thread started from a message has the message's id.
    thread = await _new_thread(request, channel, body, ChannelType.PUBLIC_THREAD, message.id)
    message.current["thread"] = emulator_of(request).world.channel_json(thread)
    return json_response(emulator_of(request).world.channel_json(thread), status=201)


async def add_thread_member(request: web.Request) -> web.Response:
    """``PUT /channels/{id}/thread-members/{user_id|@me}``."""
    emu = emulator_of(request)
    channel = channel_or_404(request)
    raw = request.match_info["user_id"]
    user_id = emu.bot.id if raw == "@me" else snowflake_param(request, "user_id")
    if not channel.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    if user_id not in emu.world.users:
        raise ApiError(404, 10013, "Unknown User")
    channel.thread_members.add(user_id)
    emu.notify()
    return web.Response(status=204)


async def remove_thread_member(request: web.Request) -> web.Response:
    """``DELETE /channels/{id}/thread-members/{user_id|@me}``."""
    emu = emulator_of(request)
    channel = channel_or_404(request)
    raw = request.match_info["user_id"]
    user_id = emu.bot.id if raw == "@me" else snowflake_param(request, "user_id")
    channel.thread_members.discard(user_id)
    return web.Response(status=204)


# attachments ------------------------------------------------------------------------------


async def get_attachment(request: web.Request) -> web.Response:
    """Serve an attachment's bytes (the bot's ``Attachment.read()`` lands here)."""
    emu = emulator_of(request)
    stored = emu.messages.attachments.get(snowflake_param(request, "attachment_id"))
    if stored is None or stored.upload.filename != request.match_info["filename"]:
        raise web.HTTPNotFound()
    ctype = stored.upload.content_type or "application/octet-stream"
    return web.Response(body=stored.upload.data, headers={"Content-Type": ctype})
