"""A ready-made cast for bot tests: two servers, a manager and learners in each."""

from __future__ import annotations

from dataclasses import dataclass

from .emulator import Emulator
from .world import Channel, Guild, User


@dataclass
class Server:
    """One guild with its channels and people."""

    guild: Guild
    general: Channel
    quiz: Channel
    manager: User
    learner: User


@dataclass
class Scene:
    """Two servers that must not see each other's data, plus someone in both."""

    a: Server
    b: Server
    both: User


async def build_scene(emu: Emulator) -> Scene:
    """Create servers A and B (channels ``general`` and ``quiz``), each with a manager
    (Manage Server) and a learner (no special permissions), and a user in both."""
    servers = []
    both = emu.create_user("sam", "Sam")
    for tag in ("a", "b"):
        owner = emu.create_user(f"owner-{tag}")
        guild = await emu.create_guild(f"server-{tag}", owner, ("general", "quiz"))
        manager = emu.create_user(f"manager-{tag}")
        learner = emu.create_user(f"learner-{tag}")
        await emu.add_member(guild, manager, manage_guild=True)
        await emu.add_member(guild, learner)
        await emu.add_member(guild, both)
        servers.append(
            Server(
                guild,
                emu.channel_named(guild, "general"),
                emu.channel_named(guild, "quiz"),
                manager,
                learner,
            )
        )
    return Scene(servers[0], servers[1], both)
