"""The emulator: one aiohttp server (gateway, REST, control) and the in-process test API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import web

from . import control, rest, rest_interactions
from .gateway import Gateway
from .http_util import EMULATOR_KEY
from .ids import SnowflakeFactory
from .inject import InjectionError, Injector
from .limits import Limits
from .messages import MessageStore, Upload
from .readback import Readback
from .records import InteractionRecord, MessageRecord, RequestRecord, TypingRecord
from .spec_check import SpecCheck
from .world import Channel, ChannelType, Guild, Member, Perm, Role, User, World

Json = dict[str, Any]


class Emulator(Readback):
    """A loopback Discord API v10: gateway + REST + control, for the real discord.py client.

    Use ``async with Emulator() as emu:`` (or ``await emu.start()``/``await emu.stop()``);
    then point discord.py at ``emu.api_base`` and ``emu.gateway_url`` (see ``patch_discord``).
    """

    def __init__(
        self,
        *,
        port: int = 0,
        heartbeat_interval_ms: int = 41_250,
        ack_deadline: float | None = 3.0,
        token: str | None = None,
        bot_name: str = "flashtutor",
        nonce_window: float = 300.0,
        check_spec: bool = True,
    ) -> None:
        # Loopback only: tests must never listen on a network interface.
        self.host = "127.0.0.1"
        self.port = port
        self.ack_deadline = ack_deadline
        self.token = token
        self.nonce_window = nonce_window
        self.t0 = time.monotonic()
        self.snowflakes = SnowflakeFactory()
        self.world = World(self.snowflakes)
        self.application_id = self.snowflakes.next()
        self.bot = self._add_user(User(self.application_id, bot_name, None, bot=True))
        self.gateway = Gateway(self, heartbeat_interval_ms)
        self.limits = Limits()
        # Discord's OpenAPI spec: bad request bodies get Discord's 400, and the emulator's own
        # answers and dispatches are checked too (see spec_check.py).
        self.spec_check = SpecCheck(enabled=check_spec)
        self.messages = MessageStore(self)
        self.injector = Injector(self)
        self.interactions: dict[int, InteractionRecord] = {}
        self.interactions_by_token: dict[str, InteractionRecord] = {}
        self.commands: dict[int | None, list[Json]] = {}
        self.requests: list[RequestRecord] = []
        self.typing: list[TypingRecord] = []
        self.closed_dms: set[int] = set()
        self.recommended_shards = 1
        self.privileged_intents_allowed = True
        self.app_owner = self.create_user("app-owner", "App Owner")
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # lifecycle --------------------------------------------------------------------------

    def make_app(self) -> web.Application:
        """The aiohttp application serving everything on one port."""
        app = web.Application(middlewares=[rest.api_middleware], client_max_size=64 * 1024**2)
        app[EMULATOR_KEY] = self
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/gateway", self.gateway.handle)
        rest.add_routes(app)
        rest_interactions.add_routes(app)
        control.add_routes(app)
        return app

    async def start(self) -> Emulator:
        """Bind 127.0.0.1 (a free port when ``port`` is 0) and start serving."""
        self._runner = web.AppRunner(self.make_app(), handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None:
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        """Close sockets and stop serving."""
        self.release_connections()  # a held handler would otherwise stall the shutdown
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """The value for ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://{self.host}:{self.port}/gateway"

    @contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point the imported discord.py at this emulator for the duration of the block."""
        import discord.gateway
        import discord.http
        import yarl

        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    def bot_self_json(self) -> Json:
        """The bot's own user as ``GET /users/@me`` and READY give it (``UserPIIResponse``)."""
        return {
            **self.bot.to_json(),
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "email": None,
        }

    def token_ok(self, token: str) -> bool:
        """Whether ``token`` is accepted (any non-empty token when none was configured)."""
        token = token.removeprefix("Bot ").strip()
        return bool(token) and (self.token is None or token == self.token)

    # the world --------------------------------------------------------------------------

    def _add_user(self, user: User) -> User:
        self.world.users[user.id] = user
        return user

    def create_user(self, username: str, global_name: str | None = None) -> User:
        """A person (not yet in any guild)."""
        return self._add_user(User(self.snowflakes.next(), username, global_name or username))

    async def create_guild(
        self, name: str, owner: User | None = None, channels: tuple[str, ...] = ("general",)
    ) -> Guild:
        """A guild with @everyone, the bot as a member and text channels; GUILD_CREATE if live."""
        owner = owner or self.create_user(f"{name}-owner")
        guild_id = self.snowflakes.next()
        guild = Guild(guild_id, name, owner.id)
        guild.roles[guild_id] = Role(guild_id, "@everyone", Perm.EVERYONE_DEFAULT)
        bot_role = Role(self.snowflakes.next(), self.bot.username, Perm.BOT_DEFAULT, position=1)
        guild.roles[bot_role.id] = bot_role
        guild.members[owner.id] = Member(owner.id)
        guild.members[self.bot.id] = Member(self.bot.id, [bot_role.id])
        self.world.guilds[guild_id] = guild
        for position, channel_name in enumerate(channels):
            self._new_text_channel(guild, channel_name, position)
        await self.gateway.dispatch(
            "GUILD_CREATE", self.world.guild_create_json(guild), guild_id=guild_id
        )
        return guild

    def _new_text_channel(self, guild: Guild, name: str, position: int) -> Channel:
        channel = Channel(
            self.snowflakes.next(), ChannelType.TEXT, name, guild.id, position=position
        )
        self.world.channels[channel.id] = channel
        guild.channel_ids.append(channel.id)
        return channel

    def channel_named(self, guild: Guild, name: str) -> Channel:
        """The guild's channel called ``name``."""
        for channel_id in guild.channel_ids:
            channel = self.world.channels[channel_id]
            if channel.name == name:
                return channel
        raise KeyError(name)

    async def create_channel(self, guild: Guild, name: str) -> Channel:
        """A new text channel; CHANNEL_CREATE if the bot is connected."""
        channel = self._new_text_channel(guild, name, len(guild.channel_ids))
        data = self.world.channel_json(channel)
        await self.gateway.dispatch("CHANNEL_CREATE", data, guild_id=guild.id, intent=1)
        return channel

    async def create_role(self, guild: Guild, name: str, permissions: int) -> Role:
        """A role with ``permissions`` (see ``Perm``)."""
        role = Role(self.snowflakes.next(), name, permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        data = {"guild_id": str(guild.id), "role": role.to_json()}
        await self.gateway.dispatch("GUILD_ROLE_CREATE", data, guild_id=guild.id, intent=1)
        return role

    async def add_member(
        self,
        guild: Guild,
        user: User,
        *,
        roles: tuple[Role, ...] = (),
        manage_guild: bool = False,
        administrator: bool = False,
    ) -> Member:
        """Make ``user`` a member; ``manage_guild``/``administrator`` add such a role."""
        role_ids = [r.id for r in roles]
        for flag, perm, label in (
            (manage_guild, Perm.MANAGE_GUILD, "Managers"),
            (administrator, Perm.ADMINISTRATOR, "Admins"),
        ):
            if flag:
                existing = next((r for r in guild.roles.values() if r.name == label), None)
                role = existing or await self.create_role(guild, label, perm)
                role_ids.append(role.id)
        member = Member(user.id, role_ids)
        guild.members[user.id] = member
        data = {"guild_id": str(guild.id), **self.world.member_json(guild, user.id)}
        await self.gateway.dispatch("GUILD_MEMBER_ADD", data, guild_id=guild.id, intent=2)
        return member

    async def set_overwrite(
        self, channel: Channel, target: Role | User, *, allow: int = 0, deny: int = 0
    ) -> None:
        """A permission overwrite on ``channel`` for a role or a member; CHANNEL_UPDATE."""
        kind = 0 if isinstance(target, Role) else 1
        channel.overwrites[target.id] = (kind, allow, deny)
        data = self.world.channel_json(channel)
        await self.gateway.dispatch("CHANNEL_UPDATE", data, guild_id=channel.guild_id, intent=1)

    async def set_role_permissions(self, guild: Guild, role: Role, permissions: int) -> None:
        """Change a role's permissions (``guild.id`` is @everyone); GUILD_ROLE_UPDATE."""
        role.permissions = permissions
        data = {"guild_id": str(guild.id), "role": role.to_json()}
        await self.gateway.dispatch("GUILD_ROLE_UPDATE", data, guild_id=guild.id, intent=1)

    async def delete_channel(self, channel: Channel) -> None:
        """Delete ``channel``: REST calls to it get 404 Unknown Channel (10003)."""
        channel.deleted = True
        data = self.world.channel_json(channel)
        await self.gateway.dispatch("CHANNEL_DELETE", data, guild_id=channel.guild_id, intent=1)

    async def remove_bot(self, guild: Guild) -> None:
        """Kick the bot from ``guild``: GUILD_DELETE, then 403 Missing Access (50001)."""
        guild.bot_removed = True
        guild.members.pop(self.bot.id, None)
        await self.gateway.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)

    def close_dms(self, user: User, closed: bool = True) -> None:
        """Make sends to ``user``'s DM channel fail with 403 (50007), as when DMs are off."""
        if closed:
            self.closed_dms.add(user.id)
        else:
            self.closed_dms.discard(user.id)

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between the bot and ``user`` (created if needed)."""
        channel_id = self.world.dm_by_user.get(user.id)
        if channel_id is not None:
            return self.world.channels[channel_id]
        channel = Channel(self.snowflakes.next(), ChannelType.DM, recipients=[user.id])
        self.world.channels[channel.id] = channel
        self.world.dm_by_user[user.id] = channel.id
        return channel

    def upload(self, file: Upload | tuple[str, bytes]) -> Json:
        """Store a person's file; returns the attachment object (its url serves the bytes)."""
        upload = file if isinstance(file, Upload) else Upload(file[0], file[1])
        return self.messages.store_upload(upload).to_json(self.base_url)

    # a person's actions -----------------------------------------------------------------

    async def slash(
        self,
        name: str,
        *,
        user: User,
        channel: Channel,
        options: dict[str, Any] | None = None,
        require_synced: bool = True,
        override_permissions: bool = False,
    ) -> InteractionRecord:
        """``user`` runs ``/name`` (``"deck upload"`` for a subcommand) with ``options``.

        Like Discord, refuses commands the user cannot see: unsynced ones, guild-only ones
        in DMs, and ones whose default permissions the user lacks (unless
        ``override_permissions``, which emulates a server's override in its settings).
        """
        data = self.injector.command_data(
            name,
            options or {},
            channel,
            focused=None,
            require_synced=require_synced,
            user=user,
            override_permissions=override_permissions,
        )
        payload = self.injector.envelope(2, user, channel, data)
        return await self.injector.send(payload, user, channel, None)

    async def autocomplete(
        self,
        name: str,
        *,
        user: User,
        channel: Channel,
        focused: str,
        options: dict[str, Any],
        require_synced: bool = True,
    ) -> InteractionRecord:
        """``user`` types into option ``focused`` of ``/name``; the bot answers with choices."""
        data = self.injector.command_data(
            name,
            options,
            channel,
            focused=focused,
            require_synced=require_synced,
            user=user,
            override_permissions=True,
        )
        payload = self.injector.envelope(4, user, channel, data)
        return await self.injector.send(payload, user, channel, None)

    async def click(
        self,
        message: MessageRecord | int,
        custom_id: str,
        *,
        user: User,
        values: list[str] | None = None,
    ) -> InteractionRecord:
        """``user`` presses the button (or picks ``values`` in the select) ``custom_id``."""
        record = message if isinstance(message, MessageRecord) else self.messages.by_id[message]
        component = self.injector.find_component(record.components, custom_id)
        if component is None:
            raise InjectionError(f"message {record.id} has no component {custom_id!r}")
        if component.get("disabled"):
            raise InjectionError(f"component {custom_id!r} is disabled")
        data: Json = {"custom_id": custom_id, "component_type": component.get("type", 2)}
        if values is not None:
            data["values"] = values
        channel = self.world.channels[record.channel_id]
        payload = self.injector.envelope(3, user, channel, data)
        payload["message"] = record.current
        return await self.injector.send(payload, user, channel, record)

    async def submit_modal(
        self,
        opened_by: InteractionRecord | int,
        values: dict[str, Any],
        *,
        as_user: User | None = None,
    ) -> InteractionRecord:
        """The person who got the modal from ``opened_by`` fills in ``values`` and submits
        (``as_user``: someone else sends that form, as a forged payload could)."""
        source = self.interaction(opened_by)
        if source.modal is None:
            raise InjectionError(f"interaction {source.id} did not open a modal")
        user = as_user or self.world.users[source.user_id]
        channel = self.world.channels[source.channel_id]
        data = {
            "custom_id": source.modal["custom_id"],
            "components": self.injector.modal_components(source.modal, values),
        }
        payload = self.injector.envelope(5, user, channel, data)
        message = None
        if source.message_id is not None:
            message = self.messages.by_id[source.message_id]
            payload["message"] = message.current
        return await self.injector.send(payload, user, channel, message, opened_by=source.id)

    async def user_message(
        self,
        channel: Channel,
        user: User,
        content: str,
        *,
        attachments: tuple[Upload, ...] = (),
        reply_to: MessageRecord | None = None,
    ) -> MessageRecord:
        """``user`` posts ``content`` in ``channel`` (a guild channel, thread or DM)."""
        body: Json = {"content": content, "attachments": []}
        files = list(attachments)
        body["attachments"] = [{"id": str(i)} for i in range(len(files))]
        if reply_to is not None:
            body["message_reference"] = {
                "message_id": str(reply_to.id),
                "channel_id": str(channel.id),
            }
        return await self.messages.create(
            channel=channel, author=user, body=body, files=files, by_bot=False
        )

    # faults -----------------------------------------------------------------------------

    def rate_limit(
        self,
        count: int = 1,
        route: str | None = None,
        *,
        retry_after: float = 0.5,
        is_global: bool = False,
    ) -> None:
        """The next ``count`` requests matching regex ``route`` (on "METHOD /path") get 429."""
        self.limits.add_rate_limit(count, route, retry_after, is_global)

    def fail(self, count: int, route: str | None, status: int, code: int, message: str) -> None:
        """The next ``count`` requests matching ``route`` fail with a Discord error body."""
        self.limits.add_fault(count, route, status, code, message)

    def lose_responses(self, count: int = 1, route: str | None = None) -> None:
        """Carry out the next ``count`` matching requests but cut the connection before the
        response (the bot sees a connection error; the message exists anyway)."""
        self.limits.add_lost_response(count, route)

    def slow_responses(
        self, count: int = 1, route: str | None = None, seconds: float = 1.0
    ) -> None:
        """Carry out the next ``count`` matching requests at once but answer ``seconds`` late
        (what a person sees may change before the bot hears back)."""
        self.limits.add_slow_response(count, route, seconds)

    def set_rate_limits(
        self,
        global_per_second: float | None = 50.0,
        route_limits: bool = True,
        *,
        window_scale: float = 1.0,
    ) -> None:
        """Turn on Discord-like limits (a global bucket per second and per-route buckets).

        ``window_scale`` shrinks the per-route windows (0.1 = ten times faster) for quick tests.
        """
        self.limits.configure(
            global_per_second=global_per_second,
            route_limits=route_limits,
            window_scale=window_scale,
        )

    def hold_connections(self) -> None:
        """New gateway connections wait before HELLO until ``release_connections``."""
        self.gateway.accepting.clear()

    def release_connections(self) -> None:
        """Let held gateway connections proceed."""
        self.gateway.accepting.set()

    async def drop_connection(self) -> int:
        """Cut the bot's gateway socket(s) abruptly; the bot should RESUME."""
        return await self.gateway.drop()

    async def close_connection(self, code: int = 4000) -> int:
        """Close the bot's socket(s) with a close code (4000 resumes; 4004 is fatal)."""
        return await self.gateway.close_with(code)

    async def request_reconnect(self) -> int:
        """Send op 7 RECONNECT; the bot should RESUME."""
        return await self.gateway.request_reconnect()

    async def invalidate_session(self, resumable: bool = False) -> int:
        """Send op 9 INVALID_SESSION; not resumable means the bot must IDENTIFY again."""
        return await self.gateway.invalidate_session(resumable)
