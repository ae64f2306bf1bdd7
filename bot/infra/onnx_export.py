"""A reproducible ONNX export of a bundled sentence-transformers model.

Short queries pay torch's per-call overhead (about 22 ms for MiniLM on 2 cores, against about
6 ms for the same weights in onnxruntime; see docs/MODELS.md). The export is built from the
bundled weights, never downloaded: `export_onnx` runs `torch.onnx.export` (the legacy
TorchScript exporter, opset 17) over the transformer alone; pooling and normalisation stay in
NumPy, so the exported graph is the part both backends share. `flashtutor models prepare`
calls it; `OnnxEmbedder` also calls it on first use when the file is missing.

The file is written atomically with a sidecar naming the source weights' size and mtime, so a
changed model package is exported again rather than silently mismatched.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.infra.bundled_models import bundled_model_path

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_lock = threading.Lock()


def onnx_path(name: str, models_dir: Path) -> Path:
    """Where the export of bundled model `name` lives."""
    return models_dir / f"embedder-{name}.onnx"


def _source_stamp(model_dir: Path) -> dict[str, Any]:
    weights = sorted(model_dir.glob("*.safetensors")) or sorted(model_dir.glob("*.bin"))
    if not weights:
        raise ConfigError(f"no model weights in {model_dir}")
    return {
        "opset": OPSET,
        "weights": [{"file": w.name, "size": w.stat().st_size} for w in weights],
    }


def _stamp_path(path: Path) -> Path:
    return path.with_suffix(".json")


def is_current(name: str, models_dir: Path) -> bool:
    """True when the export exists and was built from the installed weights."""
    path = onnx_path(name, models_dir)
    stamp = _stamp_path(path)
    if not path.is_file() or not stamp.is_file():
        return False
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(recorded == _source_stamp(bundled_model_path(name)))


def export_onnx(name: str, models_dir: Path, *, force: bool = False) -> Path:
    """Export bundled model `name` to ONNX under `models_dir` (no-op when already current)."""
    with _lock:
        path = onnx_path(name, models_dir)
        if not force and is_current(name, models_dir):
            return path
        model_dir = bundled_model_path(name)
        models_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=models_dir, prefix=path.name, suffix=".tmp")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            _export(model_dir, tmp)
            tmp.chmod(0o644)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        _stamp_path(path).write_text(json.dumps(_source_stamp(model_dir)), encoding="utf-8")
        return path


def _export(model_dir: Path, dest: Path) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
    model.eval()

    class _Wrapper(torch.nn.Module):
        # The exporter passes inputs positionally; BERT's forward wants them by name.
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    example = torch.ones((2, 8), dtype=torch.long)
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about Python-level branches in BERT that are fixed for our inputs.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Wrapper(model),
            (example, example, torch.zeros_like(example)),
            str(dest),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes={
                **{n: {0: "batch", 1: "tokens"} for n in INPUTS},
                "last_hidden_state": {0: "batch", 1: "tokens"},
            },
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
