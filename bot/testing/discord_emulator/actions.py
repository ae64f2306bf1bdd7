"""A person's actions in the emulated Discord (a mixin of ``Emulator``): slash commands,
autocomplete, button clicks and selects, modal submits and plain messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .inject import InjectionError, Injector
from .messages import MessageStore, Upload
from .records import InteractionRecord, MessageRecord
from .world import Channel, User, World

Json = dict[str, Any]


class PersonActions:
    """What a person can do; each returns its record at once (the bot answers later)."""

    world: World
    injector: Injector
    messages: MessageStore
    interaction: Callable[[InteractionRecord | int], InteractionRecord]

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
