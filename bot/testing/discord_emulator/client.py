"""``EmulatorClient``: the control API over HTTP, for an emulator in another process.

Methods mirror ``Emulator``'s in-process API but take and return JSON (ids as strings).
"""

from __future__ import annotations

import base64
from typing import Any

import aiohttp

Json = dict[str, Any]


class EmulatorError(RuntimeError):
    """The control API refused a request (the message is its explanation)."""


class EmulatorClient:
    """Async client for ``/_control/``; use ``async with EmulatorClient(url) as client``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> EmulatorClient:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(
        self,
        method: str,
        path: str,
        body: Json | None = None,
        *,
        timeout: float = 10.0,
        query: Json | None = None,
    ) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        params = {k: str(v) for k, v in (query or {}).items() if v is not None}
        url = f"{self.base_url}/_control{path}"
        client_timeout = aiohttp.ClientTimeout(total=timeout + 5.0)
        async with self._session.request(
            method, url, json=body, params=params, timeout=client_timeout
        ) as resp:
            data = await resp.json()
            if resp.status >= 400:
                raise EmulatorError(f"{resp.status}: {data.get('error', data)}")
            return data

    # world ------------------------------------------------------------------------------

    async def state(self) -> Json:
        """URLs, application id, bot, users and guilds."""
        return dict(await self._call("GET", "/state"))

    async def stats(self) -> Json:
        """Request, rate-limit and gateway counters."""
        return dict(await self._call("GET", "/stats"))

    async def spec_violations(self) -> Json:
        """``{"checked": counts, "violations": [...]}``: bodies that broke Discord's spec."""
        return dict(await self._call("GET", "/spec"))

    async def create_user(self, username: str, global_name: str | None = None) -> Json:
        """A person; returns the user object."""
        return dict(
            await self._call("POST", "/users", {"username": username, "global_name": global_name})
        )

    async def create_guild(
        self, name: str, owner_id: str | None = None, channels: list[str] | None = None
    ) -> Json:
        """A guild (the bot joins it); returns a summary with channel ids."""
        body = {"name": name, "owner_id": owner_id, "channels": channels or ["general"]}
        return dict(await self._call("POST", "/guilds", body))

    async def create_channel(self, guild_id: str, name: str) -> Json:
        """A text channel in the guild."""
        return dict(await self._call("POST", f"/guilds/{guild_id}/channels", {"name": name}))

    async def create_role(self, guild_id: str, name: str, permissions: int) -> Json:
        """A role with a permission bitfield."""
        body = {"name": name, "permissions": permissions}
        return dict(await self._call("POST", f"/guilds/{guild_id}/roles", body))

    async def add_member(
        self,
        guild_id: str,
        user_id: str,
        *,
        role_ids: list[str] | None = None,
        manage_guild: bool = False,
        administrator: bool = False,
    ) -> Json:
        """Make the user a member of the guild."""
        body = {
            "user_id": user_id,
            "role_ids": role_ids or [],
            "manage_guild": manage_guild,
            "administrator": administrator,
        }
        return dict(await self._call("POST", f"/guilds/{guild_id}/members", body))

    async def delete_channel(self, channel_id: str) -> None:
        """Delete a channel (the bot's calls to it then get 404 10003)."""
        await self._call("POST", f"/channels/{channel_id}/delete")

    async def close_dms(self, user_id: str, closed: bool = True) -> None:
        """Make DMs to the user fail with 403 50007 (or reopen them)."""
        await self._call("POST", f"/users/{user_id}/dms", {"closed": closed})

    async def upload(self, filename: str, data: bytes, content_type: str | None = None) -> Json:
        """Store a person's file; returns the attachment object for an attachment option."""
        body = {
            "filename": filename,
            "data_base64": base64.b64encode(data).decode(),
            "content_type": content_type,
        }
        return dict(await self._call("POST", "/attachments", body))

    # a person's actions -----------------------------------------------------------------

    async def slash(
        self,
        name: str,
        *,
        user_id: str,
        channel_id: str,
        options: Json | None = None,
        require_synced: bool = True,
        override_permissions: bool = False,
    ) -> Json:
        """Run ``/name`` (``"group sub"`` for subcommands); returns the interaction record."""
        body = {
            "name": name,
            "user_id": user_id,
            "channel_id": channel_id,
            "options": options or {},
            "require_synced": require_synced,
            "override_permissions": override_permissions,
        }
        return dict(await self._call("POST", "/interactions/slash", body))

    async def autocomplete(
        self, name: str, *, user_id: str, channel_id: str, focused: str, options: Json
    ) -> Json:
        """Type into option ``focused``; the bot's choices land in the record."""
        body = {
            "name": name,
            "user_id": user_id,
            "channel_id": channel_id,
            "focused": focused,
            "options": options,
        }
        return dict(await self._call("POST", "/interactions/autocomplete", body))

    async def click(
        self, message_id: str, custom_id: str, *, user_id: str, values: list[str] | None = None
    ) -> Json:
        """Press a button (or pick select ``values``) on a bot message."""
        body: Json = {"message_id": message_id, "custom_id": custom_id, "user_id": user_id}
        if values is not None:
            body["values"] = values
        return dict(await self._call("POST", "/interactions/click", body))

    async def submit_modal(self, interaction_id: str, values: dict[str, str]) -> Json:
        """Submit the modal that interaction ``interaction_id`` opened."""
        path = f"/interactions/{interaction_id}/modal-submit"
        return dict(await self._call("POST", path, {"values": values}))

    async def user_message(
        self,
        channel_id: str,
        user_id: str,
        content: str,
        attachments: list[tuple[str, bytes]] | None = None,
    ) -> Json:
        """A person posts a message (MESSAGE_CREATE goes to the bot)."""
        body = {
            "channel_id": channel_id,
            "user_id": user_id,
            "content": content,
            "attachments": [
                {"filename": name, "data_base64": base64.b64encode(data).decode()}
                for name, data in attachments or []
            ],
        }
        return dict(await self._call("POST", "/messages", body))

    # reading back -----------------------------------------------------------------------

    async def interaction(self, interaction_id: str) -> Json:
        """The interaction record (response, callbacks, original, follow-ups, modal)."""
        return dict(await self._call("GET", f"/interactions/{interaction_id}"))

    async def wait_for_response(self, interaction_id: str, timeout: float = 5.0) -> Json:
        """Wait for the bot's callback; returns the record (raises on timeout)."""
        path = f"/interactions/{interaction_id}/wait"
        return dict(await self._call("GET", path, timeout=timeout, query={"timeout": timeout}))

    async def wait_for_message(
        self, channel_id: str, contains: str = "", timeout: float = 5.0
    ) -> Json:
        """Wait for a bot message in the channel whose text contains ``contains``."""
        path = f"/channels/{channel_id}/wait"
        query = {"contains": contains, "timeout": timeout}
        return dict(await self._call("GET", path, timeout=timeout, query=query))

    async def message(self, message_id: str) -> Json:
        """One message with all its versions."""
        return dict(await self._call("GET", f"/messages/{message_id}"))

    async def messages(self, channel_id: str, include_deleted: bool = False) -> list[Json]:
        """A channel's messages, oldest first."""
        path = f"/channels/{channel_id}/messages"
        return list(
            await self._call("GET", path, query={"deleted": "1" if include_deleted else None})
        )

    async def dm_messages(self, user_id: str) -> list[Json]:
        """Messages in the DM channel with the user."""
        return list(await self._call("GET", f"/users/{user_id}/dms"))

    async def commands(self, guild_id: str | None = None) -> list[Json]:
        """Synced commands (global, or for a guild)."""
        return list(await self._call("GET", "/commands", query={"guild_id": guild_id}))

    async def requests(self, since: float = -1.0) -> list[Json]:
        """The REST request log."""
        return list(await self._call("GET", "/requests", query={"since": since}))

    async def typing(self) -> list[Json]:
        """Typing indicators."""
        return list(await self._call("GET", "/typing"))

    async def gateway_events(self) -> list[Json]:
        """Gateway events (hello, identify, resume, closed, ...)."""
        return list(await self._call("GET", "/gateway"))

    # faults -----------------------------------------------------------------------------

    async def drop_connection(self) -> int:
        """Cut the bot's gateway socket."""
        return int((await self._call("POST", "/gateway/drop"))["connections"])

    async def close_connection(self, code: int = 4000) -> int:
        """Close the bot's socket with a close code."""
        return int((await self._call("POST", "/gateway/close", {"code": code}))["connections"])

    async def remove_bot(self, guild_id: str) -> None:
        """Kick the bot from the guild (GUILD_DELETE, then 403 50001)."""
        await self._call("POST", f"/guilds/{guild_id}/remove-bot")

    async def request_reconnect(self) -> int:
        """Send op 7 RECONNECT."""
        return int((await self._call("POST", "/gateway/reconnect"))["connections"])

    async def invalidate_session(self, resumable: bool = False) -> int:
        """Send op 9 INVALID_SESSION."""
        body = {"resumable": resumable}
        return int((await self._call("POST", "/gateway/invalidate", body))["sessions"])

    async def rate_limit(
        self,
        count: int = 1,
        route: str | None = None,
        *,
        retry_after: float = 0.5,
        is_global: bool = False,
    ) -> None:
        """The next ``count`` requests matching regex ``route`` get a 429."""
        body = {"count": count, "route": route, "retry_after": retry_after, "global": is_global}
        await self._call("POST", "/ratelimit", body)

    async def fail(
        self, count: int, route: str | None, status: int, code: int, message: str
    ) -> None:
        """The next ``count`` matching requests fail with a Discord error."""
        body = {"count": count, "route": route, "status": status, "code": code, "message": message}
        await self._call("POST", "/fault", body)

    async def lose_responses(self, count: int = 1, route: str | None = None) -> None:
        """Carry out the next matching requests but cut the connection before answering."""
        await self._call("POST", "/lose-responses", {"count": count, "route": route})

    async def set_rate_limits(
        self,
        global_per_second: float | None = 50.0,
        route_limits: bool = True,
        *,
        window_scale: float = 1.0,
    ) -> None:
        """Turn the realistic limiter on (or off with ``None``/``False``)."""
        body = {
            "global_per_second": global_per_second,
            "route_limits": route_limits,
            "window_scale": window_scale,
        }
        await self._call("POST", "/limits", body)
