"""REST routes for messages, typing, threads and their members, and attachment bytes."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from .answers import ApiError, json_response
from .form_errors import field_error
from .http_util import emulator_of, read_body, snowflake_param
from .records import MessageRecord, TypingRecord
from .rest import API, channel_or_404, require
from .validation import validate_message
from .world import Channel, ChannelType, Perm

Json = dict[str, Any]


def add_routes(app: web.Application) -> None:
    """Register this module's routes on ``app``."""
    r = app.router
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
