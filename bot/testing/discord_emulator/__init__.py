"""A loopback Discord API v10 emulator for end-to-end tests of the real discord.py client.

See README.md beside this file for the control API and how to point discord.py at it.
"""

from .client import EmulatorClient
from .emulator import Emulator
from .inject import InjectionError
from .messages import Upload
from .readback import EmulatorTimeout
from .records import CallbackRecord, InteractionRecord, MessageRecord, MessageVersion
from .world import Channel, ChannelType, Guild, Perm, Role, User

__all__ = [
    "CallbackRecord",
    "Channel",
    "ChannelType",
    "Emulator",
    "EmulatorClient",
    "EmulatorTimeout",
    "Guild",
    "InjectionError",
    "InteractionRecord",
    "MessageRecord",
    "MessageVersion",
    "Perm",
    "Role",
    "Upload",
    "User",
]
