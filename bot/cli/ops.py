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
    """Assemble and verify the configured LLM model file."""
    from bot.infra.model_files import prepare_models

    svc = services()
    path = prepare_models(svc.settings)
    print(f"LLM model ready: {path}" if path else "No LLM model file to prepare.")
    embedder = svc.settings.embedder
    if embedder.endswith("-onnx"):
        # Export now rather than on the bot's first query (about 40 s, and it needs torch).
        from bot.infra.onnx_export import export_onnx

        onnx = export_onnx(embedder.removesuffix("-onnx"), svc.settings.models_dir)
        print(f"ONNX embedder ready: {onnx}")
    return 0
