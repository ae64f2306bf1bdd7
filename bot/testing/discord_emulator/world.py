"""The fake Discord world: users, guilds, roles, members and channels, and their JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .ids import SnowflakeFactory, iso_now, snowflake_time

Json = dict[str, Any]


class Perm:
    """Permission bits used by the emulator (a subset of Discord's)."""

    CREATE_INSTANT_INVITE = 1 << 0
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 51) - 1

    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | CREATE_PRIVATE_THREADS
        | SEND_MESSAGES_IN_THREADS
    )
    BOT_DEFAULT = EVERYONE_DEFAULT | MANAGE_THREADS | MANAGE_MESSAGES


class ChannelType:
    """Channel type numbers."""

    TEXT = 0
    DM = 1
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    THREADS = (11, 12)


@dataclass
class User:
    """A Discord user (people and the bot)."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    def to_json(self) -> Json:
        """Return the user object (Discord's ``UserResponse``)."""
        data: Json = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class Role:
    """A guild role; the @everyone role has the guild's id."""

    id: int
    name: str
    permissions: int
    position: int = 0

    def to_json(self) -> Json:
        """Return the role object."""
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class Member:
    """A user's membership of a guild."""

    user_id: int
    roles: list[int] = field(default_factory=list)
    joined_at: str = field(default_factory=iso_now)
    nick: str | None = None


@dataclass
class Channel:
    """A text channel, DM channel or thread."""

    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    parent_id: int | None = None
    owner_id: int | None = None
    recipients: list[int] = field(default_factory=list)
    position: int = 0
    topic: str | None = None
    overwrites: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    deleted: bool = False
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    last_message_id: int | None = None
    message_count: int = 0
    thread_members: set[int] = field(default_factory=set)

    @property
    def is_thread(self) -> bool:
        """Whether this channel is a public or private thread."""
        return self.type in ChannelType.THREADS


@dataclass
class Guild:
    """A guild with its roles, members and channel ids."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    bot_removed: bool = False


class World:
    """All entities, with the JSON Discord would send for them."""

    def __init__(self, snowflakes: SnowflakeFactory) -> None:
        self.snowflakes = snowflakes
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.dm_by_user: dict[int, int] = {}

    # permissions -----------------------------------------------------------------------

    def base_permissions(self, guild: Guild, user_id: int) -> int:
        """Guild-level permissions of ``user_id`` (owner and administrators get everything)."""
        if user_id == guild.owner_id:
            return Perm.ALL
        member = guild.members.get(user_id)
        perms = guild.roles[guild.id].permissions
        if member is not None:
            for role_id in member.roles:
                role = guild.roles.get(role_id)
                if role is not None:
                    perms |= role.permissions
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        return perms

    def permissions_in(self, channel: Channel, user_id: int) -> int:
        """Permissions of ``user_id`` in ``channel`` after overwrites (threads use the parent)."""
        if channel.guild_id is None:
            return Perm.EVERYONE_DEFAULT
        guild = self.guilds[channel.guild_id]
        perms = self.base_permissions(guild, user_id)
        if perms == Perm.ALL:
            return perms
        source = channel
        if channel.is_thread and channel.parent_id in self.channels:
            source = self.channels[channel.parent_id]
        member = guild.members.get(user_id)
        role_ids = set(member.roles) if member else set()
        order = [guild.id, *sorted(r for r in source.overwrites if r in role_ids), user_id]
        for target in order:
            if target in source.overwrites:
                _kind, allow, deny = source.overwrites[target]
                perms = (perms & ~deny) | allow
        return perms

    # JSON ------------------------------------------------------------------------------

    def member_json(self, guild: Guild, user_id: int, *, with_user: bool = True) -> Json:
        """Return a guild member object."""
        member = guild.members[user_id]
        data: Json = {
            "roles": [str(r) for r in member.roles],
            "joined_at": member.joined_at,
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "premium_since": None,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.users[user_id].to_json()
        return data

    def channel_json(self, channel: Channel) -> Json:
        """Return the channel object for any channel type."""
        data: Json = {
            "id": str(channel.id),
            "type": channel.type,
            "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
            "flags": 0,
        }
        if channel.type == ChannelType.DM:
            data["recipients"] = [self.users[u].to_json() for u in channel.recipients]
            return data
        data.update(
            {
                "guild_id": str(channel.guild_id),
                "name": channel.name,
                "rate_limit_per_user": 0,
                "nsfw": False,
                "parent_id": str(channel.parent_id) if channel.parent_id else None,
            }
        )
        if channel.is_thread:
            data.update(
                {
                    "owner_id": str(channel.owner_id),
                    "message_count": channel.message_count,
                    "member_count": len(channel.thread_members),
                    "total_message_sent": channel.message_count,
                    "thread_metadata": {
                        "archived": channel.archived,
                        "auto_archive_duration": channel.auto_archive_duration,
                        "archive_timestamp": snowflake_time(channel.id),
                        "locked": channel.locked,
                        "invitable": channel.invitable,
                        "create_timestamp": snowflake_time(channel.id),
                    },
                }
            )
            return data
        data.update(
            {
                "position": channel.position,
                "topic": channel.topic,
                "permission_overwrites": [
                    {"id": str(target), "type": kind, "allow": str(allow), "deny": str(deny)}
                    for target, (kind, allow, deny) in channel.overwrites.items()
                ],
            }
        )
        return data

    def guild_create_json(self, guild: Guild) -> Json:
        """Return the GUILD_CREATE payload: the guild with channels, threads, roles, members."""
        channels = [self.channels[c] for c in guild.channel_ids if not self.channels[c].deleted]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "description": None,
            "home_header": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "owner_id": str(guild.owner_id),
            "application_id": None,
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.to_json() for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "widget_enabled": False,
            "widget_channel_id": None,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_presences": None,
            "max_members": 500_000,
            "max_stage_video_channel_users": 50,
            "max_video_channel_users": 25,
            "vanity_url_code": None,
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "nsfw": False,
            "nsfw_level": 0,
            "incidents_data": None,
            "premium_progress_bar_enabled": False,
            "joined_at": iso_now(),
            "large": False,
            "unavailable": False,
            "member_count": len(guild.members),
            "voice_states": [],
            "members": [self.member_json(guild, uid) for uid in guild.members],
            "channels": [self.channel_json(c) for c in channels if not c.is_thread],
            "threads": [self.channel_json(c) for c in channels if c.is_thread and not c.archived],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
