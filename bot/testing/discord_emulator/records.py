"""What the emulator remembers: messages with every edit, interactions, requests, typing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

EPHEMERAL = 1 << 6
LOADING = 1 << 7

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


@dataclass
class MessageVersion:
    """One state of a message: as created, or after an edit."""

    t: float
    payload: Json
    allowed_mentions: Json | None
    request: Json

    def pings(self) -> dict[str, Any]:
        """Who this version would notify, as Discord decides from content + allowed_mentions.

        Returns ``{"users": [...ids], "roles": [...ids], "everyone": bool}``.
        """
        content = self.payload.get("content") or ""
        users = [int(u) for u in _USER_MENTION.findall(content)]
        roles = [int(r) for r in _ROLE_MENTION.findall(content)]
        everyone = "@everyone" in content or "@here" in content
        allowed = self.allowed_mentions
        if allowed is None:
            return {"users": users, "roles": roles, "everyone": everyone}
        parse = allowed.get("parse", [])
        allowed_users = {int(u) for u in allowed.get("users", [])}
        allowed_roles = {int(r) for r in allowed.get("roles", [])}
        return {
            "users": [u for u in users if "users" in parse or u in allowed_users],
            "roles": [r for r in roles if "roles" in parse or r in allowed_roles],
            "everyone": everyone and "everyone" in parse,
        }


@dataclass
class MessageRecord:
    """A message in a channel (sent by the bot or injected for a person), with its history."""

    id: int
    channel_id: int
    author_id: int
    created_t: float
    versions: list[MessageVersion] = field(default_factory=list)
    deleted_t: float | None = None
    nonce: str | None = None
    interaction_id: int | None = None
    by_bot: bool = True

    @property
    def current(self) -> Json:
        """The message object as Discord would return it now."""
        return self.versions[-1].payload

    @property
    def content(self) -> str:
        """Current content."""
        return str(self.current.get("content") or "")

    @property
    def embeds(self) -> list[Json]:
        """Current embeds."""
        return list(self.current.get("embeds") or [])

    @property
    def components(self) -> list[Json]:
        """Current components (action rows)."""
        return list(self.current.get("components") or [])

    @property
    def flags(self) -> int:
        """Current message flags."""
        return int(self.current.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Whether only the interaction's user can see it."""
        return bool(self.flags & EPHEMERAL)

    @property
    def deleted(self) -> bool:
        """Whether the message was deleted."""
        return self.deleted_t is not None

    def custom_ids(self) -> list[str]:
        """Every component custom_id on the current version (buttons, selects)."""
        found: list[str] = []

        def walk(items: list[Json]) -> None:
            for item in items:
                if "custom_id" in item:
                    found.append(str(item["custom_id"]))
                walk(list(item.get("components") or []))
                if isinstance(item.get("accessory"), dict):
                    walk([item["accessory"]])
                if isinstance(item.get("component"), dict):
                    walk([item["component"]])

        walk(self.components)
        return found

    def text(self) -> str:
        """Content plus every embed's title, description and fields, for loose assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
            for fld in embed.get("fields") or []:
                parts += [str(fld.get("name") or ""), str(fld.get("value") or "")]
            footer = embed.get("footer") or {}
            parts.append(str(footer.get("text") or ""))
        return "\n".join(p for p in parts if p)

    def to_json(self, t0: float) -> Json:
        """Serialise for the control API (times relative to the emulator's start)."""
        return {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author_id": str(self.author_id),
            "by_bot": self.by_bot,
            "created_t": self.created_t - t0,
            "deleted_t": None if self.deleted_t is None else self.deleted_t - t0,
            "nonce": self.nonce,
            "interaction_id": str(self.interaction_id) if self.interaction_id else None,
            "ephemeral": self.ephemeral,
            "current": self.current,
            "versions": [
                {
                    "t": v.t - t0,
                    "payload": v.payload,
                    "allowed_mentions": v.allowed_mentions,
                    "pings": v.pings(),
                }
                for v in self.versions
            ],
        }


@dataclass
class CallbackRecord:
    """One POST to /interactions/{id}/{token}/callback (accepted or refused)."""

    t: float
    type: int
    data: Json | None
    status: int
    error_code: int | None = None


@dataclass
class InteractionRecord:
    """An interaction the emulator injected and everything the bot answered to it."""

    id: int
    token: str
    type: int
    payload: Json
    injected_t: float
    user_id: int
    channel_id: int
    guild_id: int | None
    message_id: int | None = None
    callbacks: list[CallbackRecord] = field(default_factory=list)
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    modal: Json | None = None
    choices: list[Json] | None = None
    opened_by: int | None = None  # for a modal submit: the interaction that opened the modal

    @property
    def response(self) -> CallbackRecord | None:
        """The accepted callback, if any."""
        for cb in self.callbacks:
            if cb.status < 300:
                return cb
        return None

    @property
    def ack_latency(self) -> float | None:
        """Seconds from dispatching the interaction to the bot's accepted callback."""
        cb = self.response
        return None if cb is None else cb.t - self.injected_t

    def to_json(self, t0: float) -> Json:
        """Serialise for the control API."""
        return {
            "id": str(self.id),
            "token": self.token,
            "type": self.type,
            "injected_t": self.injected_t - t0,
            "user_id": str(self.user_id),
            "channel_id": str(self.channel_id),
            "guild_id": str(self.guild_id) if self.guild_id else None,
            "message_id": str(self.message_id) if self.message_id else None,
            "ack_latency": self.ack_latency,
            "response": None if self.response is None else _callback_json(self.response, t0),
            "callbacks": [_callback_json(cb, t0) for cb in self.callbacks],
            "original_message_id": (
                str(self.original_message_id) if self.original_message_id else None
            ),
            "followup_ids": [str(m) for m in self.followup_ids],
            "modal": self.modal,
            "choices": self.choices,
            "payload": self.payload,
        }


def _callback_json(cb: CallbackRecord, t0: float) -> Json:
    return {
        "t": cb.t - t0,
        "type": cb.type,
        "data": cb.data,
        "status": cb.status,
        "error_code": cb.error_code,
    }


@dataclass
class RequestRecord:
    """One HTTP request the bot made to the REST API."""

    t: float
    method: str
    path: str
    status: int
    route: str
    rate_limited: bool = False
    unknown: bool = False
    error: str | None = None

    def to_json(self, t0: float) -> Json:
        """Serialise for the control API."""
        return {
            "error": self.error,
            "t": self.t - t0,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "route": self.route,
            "rate_limited": self.rate_limited,
            "unknown": self.unknown,
        }


@dataclass
class TypingRecord:
    """A typing indicator the bot triggered."""

    t: float
    channel_id: int
