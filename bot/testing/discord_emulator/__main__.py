"""Run the emulator standalone: ``python -m bot.testing.discord_emulator --port 8765``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging

from .emulator import Emulator


async def _serve(args: argparse.Namespace) -> None:
    emu = Emulator(
        port=args.port,
        heartbeat_interval_ms=args.heartbeat_ms,
        ack_deadline=None if args.no_ack_deadline else 3.0,
        token=args.token,
    )
    await emu.start()
    if args.demo:
        guild = await emu.create_guild("demo", channels=("general", "quiz"))
        person = emu.create_user("alice")
        await emu.add_member(guild, person)
    info = {
        "api_base": emu.api_base,
        "gateway_url": emu.gateway_url,
        "control": f"{emu.base_url}/_control/state",
        "application_id": str(emu.application_id),
    }
    print(json.dumps(info), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def main() -> None:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(description="Loopback Discord API v10 emulator")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 = any)")
    parser.add_argument("--heartbeat-ms", type=int, default=41_250)
    parser.add_argument("--token", default=None, help="accept only this bot token")
    parser.add_argument("--no-ack-deadline", action="store_true", help="no 3 s callback rule")
    parser.add_argument("--demo", action="store_true", help="create a guild and a user")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
