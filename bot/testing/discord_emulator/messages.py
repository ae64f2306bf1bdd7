"""Message storage: create, edit (keeping every version), delete, nonce dedup, attachments."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Protocol

from .gateway import Gateway, Intent, Session
from .ids import SnowflakeFactory, iso_now
from .records import EPHEMERAL, LOADING, MessageRecord, MessageVersion
from .world import Channel, ChannelType, User, World

Json = dict[str, Any]
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


class MessageHost(Protocol):
    """What the message store needs of the emulator around it."""

    world: World
    snowflakes: SnowflakeFactory
    gateway: Gateway
    bot: User
    nonce_window: float

    @property
    def base_url(self) -> str:
        """Where attachment bytes are served."""
        ...

    def notify(self) -> None:
        """Wake the waiters: something was recorded."""
        ...


@dataclass
class Upload:
    """A file as uploaded (by the bot in a multipart body, or by a test for a person)."""

    filename: str
    data: bytes
    content_type: str | None = None


@dataclass
class StoredAttachment:
    """An attachment's bytes, served at ``/attachments/{id}/{filename}``."""

    id: int
    upload: Upload

    def to_json(self, base_url: str, *, description: str | None = None) -> Json:
        """Return the attachment object."""
        url = f"{base_url}/attachments/{self.id}/{self.upload.filename}"
        data: Json = {
            "id": str(self.id),
            "filename": self.upload.filename,
            "size": len(self.upload.data),
            "url": url,
            "proxy_url": url,
            "content_type": self.upload.content_type or _guess_type(self.upload.filename),
        }
        if description:
            data["description"] = description
        return data


def _guess_type(filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {
        "png": "image/png",
        "jpg": "image/jpeg",
        "txt": "text/plain; charset=utf-8",
        "md": "text/markdown; charset=utf-8",
        "csv": "text/csv; charset=utf-8",
        "tsv": "text/tab-separated-values; charset=utf-8",
        "json": "application/json",
    }.get(ext, "application/octet-stream")


class MessageStore:
    """Every message by id, in creation order per channel."""

    def __init__(self, emulator: MessageHost) -> None:
        self.emu = emulator
        self.by_id: dict[int, MessageRecord] = {}
        self.by_channel: dict[int, list[MessageRecord]] = {}
        self.attachments: dict[int, StoredAttachment] = {}

    # attachments ------------------------------------------------------------------------

    def store_upload(self, upload: Upload) -> StoredAttachment:
        """Keep ``upload``'s bytes under a fresh attachment id."""
        stored = StoredAttachment(self.emu.snowflakes.next(), upload)
        self.attachments[stored.id] = stored
        return stored

    def _attachments(self, body: Json, files: list[Upload], previous: list[Json]) -> list[Json]:
        refs = body.get("attachments")
        if refs is None:
            # Without an attachments list an edit keeps the old files and a create adds all.
            if previous:
                return previous
            refs = [{"id": str(i)} for i in range(len(files))]
        kept = {a["id"]: a for a in previous}
        out: list[Json] = []
        for ref in refs:
            ref_id = str(ref.get("id"))
            if ref_id in kept:
                out.append(kept[ref_id])
            elif ref_id.isdigit() and int(ref_id) < len(files):
                stored = self.store_upload(files[int(ref_id)])
                base = self.emu.base_url
                out.append(stored.to_json(base, description=ref.get("description")))
        return out

    # building ---------------------------------------------------------------------------

    def _mentions(self, content: str) -> tuple[list[Json], list[str]]:
        users = self.emu.world.users
        ids = dict.fromkeys(int(u) for u in _USER_MENTION.findall(content))
        mentions = [users[u].to_json() for u in ids if u in users]
        return mentions, list(dict.fromkeys(_ROLE_MENTION.findall(content)))

    def build(
        self,
        *,
        message_id: int,
        channel: Channel,
        author: User,
        body: Json,
        files: list[Upload],
        previous: Json | None = None,
        extra: Json | None = None,
    ) -> Json:
        """Return the message object for a new message or the next version of one."""
        old = previous or {}
        content = str(body.get("content", old.get("content", "")) or "")
        mentions, roles = self._mentions(content)
        data: Json = {
            "id": str(message_id),
            "channel_id": str(channel.id),
            "type": old.get("type", 0),
            "author": author.to_json(),
            "content": content,
            "timestamp": old.get("timestamp") or iso_now(),
            "edited_timestamp": iso_now() if previous else None,
            "tts": bool(body.get("tts", old.get("tts", False))),
            "mention_everyone": "@everyone" in content or "@here" in content,
            "mentions": mentions,
            "mention_roles": roles,
            "attachments": self._attachments(body, files, list(old.get("attachments", []))),
            "embeds": [_embed(e) for e in body.get("embeds", old.get("embeds", [])) or []],
            "components": numbered(list(body.get("components", old.get("components", [])) or [])),
            "pinned": False,
            "flags": int(body.get("flags", old.get("flags", 0)) or 0),
        }
        if previous:
            # Edits cannot change who sees a message; an edit of a deferred ("thinking")
            # response clears the loading flag.
            old_flags = int(old.get("flags") or 0)
            data["flags"] = (data["flags"] & ~(EPHEMERAL | LOADING)) | (old_flags & EPHEMERAL)
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        for key in ("nonce", "message_reference", "webhook_id", "application_id"):
            if key in old:
                data[key] = old[key]
        if body.get("nonce") is not None and not previous:
            data["nonce"] = body["nonce"]
        if body.get("message_reference") and not previous:
            data["message_reference"] = body["message_reference"]
            data["type"] = 19
        if extra:
            data.update(extra)
        return data

    # lifecycle --------------------------------------------------------------------------

    def find_nonce(self, channel_id: int, nonce: str) -> MessageRecord | None:
        """A message in ``channel_id`` created with ``nonce`` within the dedup window."""
        horizon = time.monotonic() - self.emu.nonce_window
        for record in reversed(self.by_channel.get(channel_id, [])):
            if record.created_t < horizon:
                break
            if record.nonce == nonce:
                return record
        return None

    async def create(
        self,
        *,
        channel: Channel,
        author: User,
        body: Json,
        files: list[Upload],
        by_bot: bool,
        interaction_id: int | None = None,
        extra: Json | None = None,
    ) -> MessageRecord:
        """Store a new message, dispatch MESSAGE_CREATE (unless ephemeral) and return it."""
        message_id = self.emu.snowflakes.next()
        payload = self.build(
            message_id=message_id,
            channel=channel,
            author=author,
            body=body,
            files=files,
            extra=extra,
        )
        if not by_bot and channel.guild_id is not None:
            guild = self.emu.world.guilds[channel.guild_id]
            if author.id in guild.members:
                payload["member"] = self.emu.world.member_json(guild, author.id, with_user=False)
        now = time.monotonic()
        record = MessageRecord(
            id=message_id,
            channel_id=channel.id,
            author_id=author.id,
            created_t=now,
            nonce=None if body.get("nonce") is None else str(body["nonce"]),
            interaction_id=interaction_id,
            by_bot=by_bot,
        )
        record.versions.append(MessageVersion(now, payload, body.get("allowed_mentions"), body))
        self.by_id[message_id] = record
        self.by_channel.setdefault(channel.id, []).append(record)
        channel.last_message_id = message_id
        channel.message_count += 1
        if not record.ephemeral:
            await self._dispatch("MESSAGE_CREATE", channel, payload)
        self.emu.notify()
        return record

    async def edit(self, record: MessageRecord, body: Json, files: list[Upload]) -> MessageRecord:
        """Store the next version of ``record`` and dispatch MESSAGE_UPDATE."""
        channel = self.emu.world.channels[record.channel_id]
        author = self.emu.world.users[record.author_id]
        payload = self.build(
            message_id=record.id,
            channel=channel,
            author=author,
            body=body,
            files=files,
            previous=record.current,
        )
        record.versions.append(
            MessageVersion(time.monotonic(), payload, body.get("allowed_mentions"), body)
        )
        if not record.ephemeral:
            await self._dispatch("MESSAGE_UPDATE", channel, payload)
        self.emu.notify()
        return record

    async def delete(self, record: MessageRecord) -> None:
        """Mark ``record`` deleted and dispatch MESSAGE_DELETE."""
        record.deleted_t = time.monotonic()
        channel = self.emu.world.channels[record.channel_id]
        data: Json = {"id": str(record.id), "channel_id": str(channel.id)}
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        if not record.ephemeral:
            await self._dispatch("MESSAGE_DELETE", channel, data)
        self.emu.notify()

    async def _dispatch(self, event: str, channel: Channel, payload: Json) -> None:
        guild_id = channel.guild_id
        guild = self.emu.world.guilds.get(guild_id or 0)
        if guild is not None and guild.bot_removed:
            return
        intent = Intent.DIRECT_MESSAGES if guild_id is None else Intent.GUILD_MESSAGES
        bot_id = self.emu.bot.id

        def visible(session: Session) -> Json:
            # Without the Message Content intent a bot sees content only in DMs, when it is
            # mentioned, and in its own messages.
            if guild_id is None or session.intents & Intent.MESSAGE_CONTENT:
                return payload
            author = payload.get("author", {}).get("id")
            mentioned = any(m.get("id") == str(bot_id) for m in payload.get("mentions", []))
            if author == str(bot_id) or mentioned or "content" not in payload:
                return payload
            return {**payload, "content": "", "embeds": [], "attachments": [], "components": []}

        await self.emu.gateway.dispatch(event, visible, guild_id=guild_id, intent=intent)

    def in_channel(self, channel_id: int, *, include_deleted: bool = False) -> list[MessageRecord]:
        """Messages of ``channel_id`` in creation order."""
        records = self.by_channel.get(channel_id, [])
        return [r for r in records if include_deleted or not r.deleted]


def _embed(embed: Json) -> Json:
    """An embed as Discord echoes it: ``type`` "rich" unless set, each field's ``inline``."""
    out = {"type": "rich", **_without_nulls(embed)}
    if isinstance(out.get("fields"), list):
        out["fields"] = [{"inline": False, **f} for f in out["fields"]]
    return out


def numbered(components: list[Json]) -> list[Json]:
    """``components`` as Discord echoes them: each with an ``id`` (the bot's own, else the
    next free number in document order from 1) and without the keys sent as null (a
    unicode emoji's ``id``, an unset label); containers get their defaults."""
    taken: set[int] = set()

    def collect(items: list[Json]) -> None:
        for item in items:
            if isinstance(item.get("id"), int):
                taken.add(item["id"])
            collect(_children(item))

    collect(components)
    counter = iter(n for n in range(1, 1 << 31) if n not in taken)

    def number(item: Json) -> Json:
        out = _without_nulls(item)
        if not isinstance(out.get("id"), int):
            out["id"] = next(counter)
        if out.get("type") == 17:
            out.setdefault("accent_color", None)
            out.setdefault("spoiler", False)
        if isinstance(out.get("components"), list):
            out["components"] = [number(c) for c in out["components"]]
        for key in ("accessory", "component"):
            if isinstance(out.get(key), dict):
                out[key] = number(out[key])
        return out

    return [number(c) for c in components]


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _children(item: Json) -> list[Json]:
    found = [c for c in item.get("components") or [] if isinstance(c, dict)]
    return found + [item[k] for k in ("accessory", "component") if isinstance(item.get(k), dict)]


def is_dm(channel: Channel) -> bool:
    """Whether ``channel`` is a DM channel."""
    return channel.type == ChannelType.DM
