"""Simulated people quizzing through the emulator's control API, in their own process.

Discord's users are on other machines: driving them from the bot's own process would put
their HTTP and JSON work on the bot's event loop and inflate the very stalls the Discord
group measures. `python -m bot.bench.crowd --control URL --channel ID --users ID,ID,...`
prints one JSON line: the interaction ids it caused and any person's failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from bot.bench.emulator import Control

ANSWERS = (
    "Splitting text into tokens, small units such as words or subwords, mapped to ids.",
    "Vectors of numbers that represent tokens so the model can compute with meaning.",
    "I am not sure, something about the model learning from data.",
)
_POLL_S = 0.05
_WAIT_S = 120.0


def custom_ids(message: dict[str, Any]) -> list[str]:
    """Every component custom id on a message record's current version."""
    found: list[str] = []

    def walk(items: Any) -> None:
        for item in items or []:
            if isinstance(item, dict):
                if item.get("custom_id"):
                    found.append(str(item["custom_id"]))
                walk(item.get("components"))

    current = message.get("current") or {}
    walk(current.get("components") if isinstance(current, dict) else None)
    return found


class _Person:
    """One simulated person driving the quiz over the control API."""

    def __init__(self, client: Control, user_id: str, channel_id: str, index: int) -> None:
        self.client, self.user_id, self.channel_id, self.index = client, user_id, channel_id, index
        self.interactions: list[str] = []

    async def _reply(self, interaction_id: str) -> dict[str, Any]:
        """The bot's message answering an interaction, once it has buttons."""
        deadline = time.monotonic() + _WAIT_S
        while time.monotonic() < deadline:
            record = await self.client.call("GET", f"/interactions/{interaction_id}")
            ids = list(record.get("followup_ids") or [])
            if record.get("original_message_id"):
                ids.insert(0, record["original_message_id"])
            for mid in ids:
                message = await self.client.call("GET", f"/messages/{mid}")
                if custom_ids(message):
                    return dict(message)
            await asyncio.sleep(_POLL_S)
        raise TimeoutError(f"no reply with buttons to interaction {interaction_id}")

    async def _click(self, message: dict[str, Any], action: str) -> dict[str, Any] | None:
        wanted = [c for c in custom_ids(message) if c.startswith(f"ft:{action}:")]
        if not wanted:
            return None
        body = {"message_id": message["id"], "custom_id": wanted[0], "user_id": self.user_id}
        record = await self.client.call("POST", "/interactions/click", body)
        self.interactions.append(record["id"])
        return dict(record)

    async def quiz(self, rounds: int) -> None:
        """Start a quiz and answer `rounds` cards."""
        body = {"name": "quiz", "user_id": self.user_id, "channel_id": self.channel_id}
        record = await self.client.call("POST", "/interactions/slash", body)
        self.interactions.append(record["id"])
        question = await self._reply(record["id"])
        for n in range(rounds):
            opened = await self._click(question, "ans")
            if opened is None:
                return
            wait = f"/interactions/{opened['id']}/wait"
            await self.client.call("GET", wait, query={"timeout": _WAIT_S}, wait_s=_WAIT_S)
            answer = ANSWERS[(self.index + n) % len(ANSWERS)]
            submitted = await self.client.call(
                "POST",
                f"/interactions/{opened['id']}/modal-submit",
                {"values": {"Your answer": answer}},
            )
            self.interactions.append(submitted["id"])
            result = await self._reply(submitted["id"])
            if (self.index + n) % 5 == 0:
                await self._click(result, "exp")
            nxt = await self._click(result, "next")
            if nxt is None:
                return
            question = await self._reply(nxt["id"])


async def run_crowd(
    control_base: str, channel_id: str, user_ids: list[str], rounds: int
) -> dict[str, Any]:
    """Every person quizzes at once; returns their interaction ids and failures."""
    client = Control(control_base)
    try:
        crowd = [_Person(client, uid, channel_id, i) for i, uid in enumerate(user_ids)]
        outcomes = await asyncio.gather(*(p.quiz(rounds) for p in crowd), return_exceptions=True)
    finally:
        await client.close()
    return {
        "interactions": [iid for p in crowd for iid in p.interactions],
        "failures": [repr(o)[:300] for o in outcomes if isinstance(o, BaseException)],
    }


def main() -> None:
    """Run a crowd from the command line and print the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--control", required=True)
    parser.add_argument("--channel", required=True)
    parser.add_argument("--users", required=True, help="comma-separated user ids")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    users = [u for u in args.users.split(",") if u]
    print(json.dumps(asyncio.run(run_crowd(args.control, args.channel, users, args.rounds))))


if __name__ == "__main__":
    main()
