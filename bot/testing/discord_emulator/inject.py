"""Builds the INTERACTION_CREATE payloads a person's actions produce.

Slash command options are typed from the commands the bot synced, as Discord does; a modal
submit mirrors the modal the bot opened and enforces its required/min/max lengths, because a
person's Discord client cannot submit anything else.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from .gateway import Gateway
from .ids import SnowflakeFactory, new_token
from .messages import Upload
from .records import InteractionRecord, MessageRecord
from .world import Channel, Role, User, World

Json = dict[str, Any]

SUB_COMMAND, SUB_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
)


class InjectorHost(Protocol):
    """What the injector needs of the emulator around it."""

    world: World
    snowflakes: SnowflakeFactory
    gateway: Gateway
    bot: User
    application_id: int
    commands: dict[int | None, list[Json]]
    interactions: dict[int, InteractionRecord]
    interactions_by_token: dict[str, InteractionRecord]

    def upload(self, file: Upload | tuple[str, bytes]) -> Json:
        """Store a person's file; its attachment object."""
        ...


class InjectionError(ValueError):
    """The requested action is impossible for a person in real Discord."""


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, Upload) or (isinstance(value, dict) and "filename" in value):
        return ATTACHMENT
    if isinstance(value, User):
        return USER
    if isinstance(value, Channel):
        return CHANNEL
    if isinstance(value, Role):
        return ROLE
    return STRING


def _check_limits(name: str, value: Any, kind: int, spec: Json) -> None:
    """What Discord's client enforces before sending: choices, ranges, lengths, types."""
    if spec.get("choices") and value not in [c["value"] for c in spec["choices"]]:
        raise InjectionError(f"{value!r} is not one of the choices of option {name!r}")
    if kind in (INTEGER, NUMBER):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InjectionError(f"option {name!r} needs a number, not {value!r}")
        if kind == INTEGER and not isinstance(value, int):
            raise InjectionError(f"option {name!r} needs an integer, not {value!r}")
        low, high = spec.get("min_value"), spec.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise InjectionError(f"option {name!r} must be within [{low}, {high}], not {value}")
    if kind == STRING:
        if not isinstance(value, str):
            raise InjectionError(f"option {name!r} needs a string, not {value!r}")
        low, high = spec.get("min_length", 0), spec.get("max_length", 6000)
        if not low <= len(value) <= high:
            raise InjectionError(f"option {name!r} must be {low}-{high} characters long")
    if kind == BOOLEAN and not isinstance(value, bool):
        raise InjectionError(f"option {name!r} needs true or false, not {value!r}")


class Injector:
    """Creates interactions and user messages and dispatches them over the gateway."""

    def __init__(self, emulator: InjectorHost) -> None:
        self.emu = emulator

    # shared envelope ---------------------------------------------------------------------

    def envelope(self, kind: int, user: User, channel: Channel, data: Json) -> Json:
        """The fields every interaction carries, for a guild channel, thread or DM."""
        emu = self.emu
        world = emu.world
        payload: Json = {
            "id": str(emu.snowflakes.next()),
            "application_id": str(emu.application_id),
            "type": kind,
            "token": new_token("i"),
            "version": 1,
            "channel_id": str(channel.id),
            "channel": world.channel_json(channel),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "data": data,
        }
        if channel.guild_id is None:
            payload["user"] = user.to_json()
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": "0"}
            payload["app_permissions"] = str(world.permissions_in(channel, emu.bot.id))
            return payload
        guild = world.guilds[channel.guild_id]
        if guild.bot_removed:
            raise InjectionError(f"the bot is not in guild {guild.id} any more")
        if user.id not in guild.members:
            raise InjectionError(f"user {user.id} is not a member of guild {guild.id}")
        member = world.member_json(guild, user.id)
        member["permissions"] = str(world.permissions_in(channel, user.id))
        payload.update(
            {
                "guild_id": str(guild.id),
                "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
                "guild_locale": "en-US",
                "member": member,
                "context": 0,
                "authorizing_integration_owners": {"0": str(guild.id)},
                "app_permissions": str(world.permissions_in(channel, emu.bot.id)),
            }
        )
        return payload

    async def send(
        self,
        payload: Json,
        user: User,
        channel: Channel,
        message: MessageRecord | None,
        *,
        opened_by: int | None = None,
    ) -> InteractionRecord:
        """Record the interaction and dispatch it (refused when no bot session exists).

        A session whose socket is down still counts: the event is replayed on RESUME.
        """
        if not any(s.wants(channel.guild_id) for s in self.emu.gateway.live_sessions()):
            raise InjectionError("no bot session is connected to receive the interaction")
        record = InteractionRecord(
            id=int(payload["id"]),
            token=payload["token"],
            type=payload["type"],
            payload=payload,
            injected_t=time.monotonic(),
            user_id=user.id,
            channel_id=channel.id,
            guild_id=channel.guild_id,
            message_id=None if message is None else message.id,
            opened_by=opened_by,
        )
        self.emu.interactions[record.id] = record
        self.emu.interactions_by_token[record.token] = record
        await self.emu.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=channel.guild_id)
        return record

    # application commands ----------------------------------------------------------------

    def find_command(self, name: str, guild_id: int | None) -> Json | None:
        """The synced command ``name``: the guild's own first, then the global one."""
        if guild_id is not None:
            for cmd in self.emu.commands.get(guild_id, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd
        for cmd in self.emu.commands.get(None, []):
            if cmd["name"] == name and cmd.get("type", 1) == 1:
                return cmd
        return None

    def command_data(
        self,
        path: str,
        options: dict[str, Any],
        channel: Channel,
        *,
        focused: str | None,
        require_synced: bool,
        user: User,
        override_permissions: bool = False,
    ) -> Json:
        """Build ``data`` for a slash command; ``path`` is "name" or "group sub" words."""
        words = path.split()
        command = self.find_command(words[0], channel.guild_id)
        if command is None and require_synced:
            raise InjectionError(f"/{words[0]} is not synced for this channel's guild or globally")
        if command is not None:
            self._check_usable(command, channel, user, override_permissions)
        schema: list[Json] = list(command.get("options", [])) if command else []
        data: Json = {
            "id": command["id"] if command else str(self.emu.snowflakes.next()),
            "name": words[0],
            "type": 1,
        }
        if command and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        resolved: Json = {}
        container = data
        for word in words[1:]:
            sub = next((o for o in schema if o["name"] == word), None)
            if sub is None and require_synced:
                raise InjectionError(f"/{path}: no subcommand {word!r}")
            kind = sub["type"] if sub else SUB_COMMAND
            nested: Json = {"name": word, "type": kind, "options": []}
            container.setdefault("options", []).append(nested)
            container = nested
            schema = list(sub.get("options", [])) if sub else []
        built = [
            self._option(name, value, schema, channel, resolved, name == focused, require_synced)
            for name, value in options.items()
        ]
        if require_synced:
            missing = [o["name"] for o in schema if o.get("required") and o["name"] not in options]
            if missing:
                raise InjectionError(f"/{path}: required options missing: {missing}")
        container.setdefault("options", []).extend(built)
        if resolved:
            data["resolved"] = resolved
        return data

    def _check_usable(
        self, command: Json, channel: Channel, user: User, override_permissions: bool
    ) -> None:
        """Discord hides a command where its contexts or default permissions exclude it."""
        name = command["name"]
        if channel.guild_id is None:
            contexts = command.get("contexts")
            if command.get("dm_permission") is False or (
                contexts is not None and 1 not in contexts
            ):
                raise InjectionError(f"/{name} is not available in DMs")
            return
        if user.id not in self.emu.world.guilds[channel.guild_id].members:
            raise InjectionError(f"user {user.id} is not a member of guild {channel.guild_id}")
        needed = command.get("default_member_permissions")
        if needed is None or override_permissions:
            return
        have = self.emu.world.permissions_in(channel, user.id)
        if have & int(needed) != int(needed):
            raise InjectionError(
                f"/{name} needs permissions {needed} that {user.username} lacks (Discord hides it;"
                " pass override_permissions=True to emulate a server's permission override)"
            )

    def _option(
        self,
        name: str,
        value: Any,
        schema: list[Json],
        channel: Channel,
        resolved: Json,
        focused: bool,
        require_synced: bool,
    ) -> Json:
        spec = next((o for o in schema if o["name"] == name), None)
        if spec is None and require_synced:
            raise InjectionError(f"unknown option {name!r}; the synced command has {schema}")
        kind = int(spec["type"]) if spec else _infer_type(value)
        option: Json = {"name": name, "type": kind}
        if focused:
            option["focused"] = True
            option["value"] = str(value)
            return option
        if spec:
            _check_limits(name, value, kind, spec)
        world = self.emu.world
        if kind == ATTACHMENT:
            attachment = value if isinstance(value, dict) else self.emu.upload(value)
            resolved.setdefault("attachments", {})[attachment["id"]] = attachment
            option["value"] = attachment["id"]
        elif kind in (USER, MENTIONABLE) and not isinstance(value, Role):
            user = world.users[value.id if isinstance(value, User) else int(value)]
            resolved.setdefault("users", {})[str(user.id)] = user.to_json()
            guild = world.guilds.get(channel.guild_id or 0)
            if guild is not None and user.id in guild.members:
                member = world.member_json(guild, user.id, with_user=False)
                member["permissions"] = str(world.permissions_in(channel, user.id))
                resolved.setdefault("members", {})[str(user.id)] = member
            option["value"] = str(user.id)
        elif kind == CHANNEL:
            target = world.channels[value.id if isinstance(value, Channel) else int(value)]
            entry = world.channel_json(target)
            entry["permissions"] = str(world.permissions_in(target, self.emu.bot.id))
            resolved.setdefault("channels", {})[str(target.id)] = entry
            option["value"] = str(target.id)
        elif kind in (ROLE, MENTIONABLE):
            guild = world.guilds[channel.guild_id or 0]
            role = guild.roles[value.id if isinstance(value, Role) else int(value)]
            resolved.setdefault("roles", {})[str(role.id)] = role.to_json()
            option["value"] = str(role.id)
        else:
            option["value"] = value
        return option

    # components and modals ---------------------------------------------------------------

    @staticmethod
    def find_component(components: list[Json], custom_id: str) -> Json | None:
        """The component with ``custom_id`` anywhere in ``components``."""
        for item in components:
            if item.get("custom_id") == custom_id:
                return item
            for key in ("components",):
                found = Injector.find_component(list(item.get(key) or []), custom_id)
                if found is not None:
                    return found
            for key in ("accessory", "component"):
                if isinstance(item.get(key), dict):
                    found = Injector.find_component([item[key]], custom_id)
                    if found is not None:
                        return found
        return None

    def modal_components(self, modal: Json, values: dict[str, Any]) -> list[Json]:
        """The submitted components for ``modal`` filled with ``values``, validated.

        Keys of ``values`` are input custom_ids or labels (discord.py makes random ids).
        """
        by_label = self._inputs(modal.get("components", []), None)
        ids = set(by_label.values())
        resolved: dict[str, Any] = {}
        for key, value in values.items():
            if key in ids:
                resolved[key] = value
            elif key in by_label:
                resolved[by_label[key]] = value
            else:
                known = sorted(by_label)
                raise InjectionError(
                    f"modal {modal.get('custom_id')!r} has no input {key!r}: {known}"
                )
        return [self._submitted(c, resolved) for c in modal.get("components", [])]

    def _inputs(self, components: list[Json], label: str | None) -> dict[str, str]:
        """Label (or custom_id when unlabelled) -> custom_id for every input in a modal."""
        found: dict[str, str] = {}
        for c in components:
            own = c.get("label") or label
            if "custom_id" in c:
                found[str(own or c["custom_id"])] = str(c["custom_id"])
            found.update(self._inputs(list(c.get("components") or []), None))
            if isinstance(c.get("component"), dict):
                found.update(self._inputs([c["component"]], own))
        return found

    def _submitted(self, component: Json, values: dict[str, Any]) -> Json:
        kind = component.get("type")
        if kind == 1:
            return {
                "type": 1,
                "components": [self._submitted(c, values) for c in component["components"]],
            }
        if kind == 18:
            return {"type": 18, "component": self._submitted(component["component"], values)}
        custom_id = str(component.get("custom_id"))
        if kind == 4:
            value = str(values.get(custom_id, component.get("value") or ""))
            if component.get("required", True) and not value:
                raise InjectionError(f"text input {custom_id!r} is required")
            if len(value) > int(component.get("max_length", 4000)):
                raise InjectionError(
                    f"text input {custom_id!r} allows {component.get('max_length')} characters"
                )
            if value and len(value) < int(component.get("min_length", 0)):
                raise InjectionError(
                    f"text input {custom_id!r} needs {component.get('min_length')} characters"
                )
            return {"type": 4, "custom_id": custom_id, "value": value}
        if component.get("custom_id") is not None:
            chosen = values.get(custom_id, [])
            return {"type": kind, "custom_id": custom_id, "values": list(chosen)}
        return {"type": kind}
