"""The emulator's state and in-process test API: the world, the gateway's sessions, messages,
interactions, records, and what a test does with them (``Emulator`` adds the server).

The emulator's parts (REST and control handlers) work on this class, not on ``Emulator``,
so they never import the module that imports them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .actions import PersonActions
from .faults import Faults
from .gateway import Gateway
from .ids import SnowflakeFactory
from .inject import Injector
from .limits import Limits
from .messages import MessageStore, Upload
from .readback import Readback
from .records import InteractionRecord, RequestRecord, TypingRecord
from .spec_check import SpecCheck
from .world import Channel, ChannelType, Guild, Member, Perm, Role, User, World

Json = dict[str, Any]


class EmulatorState(Readback, PersonActions, Faults):
    """Everything the loopback Discord API knows and does, without the server around it.

    A person's actions are in ``PersonActions``, faults in ``Faults``, read-back and waits
    in ``Readback``; the world's own methods are here.
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
