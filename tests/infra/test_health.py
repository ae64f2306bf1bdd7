"""Health checks against a real SQLite database, a real Chroma index and real model files."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.cli import main
from bot.infra.health import (
    HEARTBEAT_MAX_AGE_S,
    all_ok,
    check_database,
    check_heartbeat,
    check_index,
    check_model,
    heartbeat_path,
    run_checks,
)
from bot.infra.index import CardIndex
from bot.infra.model_files import BUNDLED, package_file, sha256_of
from bot.settings import Settings

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"data_dir": tmp_path / "data", "llm_model": "none"}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def fill_index(settings: Settings, embedder: object, cards: list[object]) -> None:
    CardIndex(embedder, path=settings.chroma_dir).sync(cards)  # type: ignore[arg-type]


# --- database ---------------------------------------------------------------------------


def test_database_is_created_migrated_and_answers(tmp_path: Path) -> None:
    db = tmp_path / "data" / "progress.sqlite3"
    result = check_database(db)
    assert result.ok, result.detail
    assert "migrations applied" in result.detail
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM migrations").fetchone()[0] > 0


def test_a_corrupt_database_fails(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    settings.data_dir.mkdir(parents=True)
    settings.db_path.write_bytes(b"this is not a database" * 100)
    (result,) = [r for r in run_checks(settings, NOW, gateway=False) if r.name == "database"]
    assert not result.ok
    assert str(settings.db_path) in result.detail


def test_a_database_path_that_is_a_directory_fails(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    settings.db_path.mkdir(parents=True)
    (result,) = [r for r in run_checks(settings, NOW, gateway=False) if r.name == "database"]
    assert not result.ok


# --- index ------------------------------------------------------------------------------


def test_missing_index_says_to_ingest_and_creates_nothing(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    result = check_index(settings)
    assert not result.ok
    assert "flashtutor ingest" in result.detail
    assert not settings.chroma_dir.exists()


def test_an_empty_index_fails(tmp_path: Path, embedder: object) -> None:
    settings = make_settings(tmp_path)
    fill_index(settings, embedder, [])
    result = check_index(settings)
    assert not result.ok
    assert "no cards" in result.detail


def test_a_filled_index_counts_its_cards(
    tmp_path: Path, embedder: object, seed_cards: list[object]
) -> None:
    settings = make_settings(tmp_path)
    fill_index(settings, embedder, seed_cards)
    result = check_index(settings)
    assert result.ok, result.detail
    assert f"({len(seed_cards)} cards," in result.detail


def test_the_onnx_backend_reads_the_same_index(
    tmp_path: Path, embedder: object, seed_cards: list[object]
) -> None:
    fill_index(make_settings(tmp_path), embedder, seed_cards)
    result = check_index(make_settings(tmp_path, embedder="minilm-onnx"))
    assert result.ok, result.detail
    assert f"({len(seed_cards)} cards," in result.detail


def test_an_unreachable_chroma_server_fails(tmp_path: Path) -> None:
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    settings = make_settings(tmp_path, chroma_url="http://127.0.0.1:9")
    (result,) = [r for r in run_checks(settings, NOW, gateway=False) if r.name == "index"]
    assert not result.ok


# --- model ------------------------------------------------------------------------------


def test_disabled_llm_and_llm_server_pass_without_a_file(tmp_path: Path) -> None:
    assert check_model(make_settings(tmp_path)).ok
    served = check_model(make_settings(tmp_path, llm_url="http://127.0.0.1:9/v1"))
    assert served.ok and "127.0.0.1:9" in served.detail


def test_missing_default_model_fails_without_assembling(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, llm_model="qwen2.5-coder-0.5b")
    result = check_model(settings)
    assert not result.ok
    assert "flashtutor models prepare" in result.detail
    assert not settings.models_dir.exists()


def test_a_corrupt_default_model_fails(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, llm_model="qwen2.5-coder-0.5b")
    settings.models_dir.mkdir(parents=True)
    (settings.models_dir / BUNDLED["qwen2.5-coder-0.5b"].filename).write_bytes(b"GGUF" + b"\0" * 64)
    result = check_model(settings)
    assert not result.ok
    assert "corrupt" in result.detail


def test_a_bundled_model_is_verified_once_then_trusted(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, llm_model="smollm2-135m")
    first = check_model(settings)
    assert first.ok, first.detail
    sidecars = list(settings.models_dir.glob("*.verified.json"))
    assert len(sidecars) == 1
    record = json.loads(sidecars[0].read_text())
    model = BUNDLED["smollm2-135m"]
    assert record["sha256"] == model.sha256 == sha256_of(package_file(*model.parts[0]))
    assert check_model(settings).ok


def test_a_custom_gguf_path_is_checked_for_its_magic(tmp_path: Path) -> None:
    good = tmp_path / "mine.gguf"
    good.write_bytes(b"GGUF" + b"\0" * 16)
    bad = tmp_path / "notmine.gguf"
    bad.write_bytes(b"PK\x03\x04" + b"\0" * 16)
    assert check_model(make_settings(tmp_path, llm_model=str(good))).ok
    failed = [r for r in run_checks(make_settings(tmp_path, llm_model=str(bad)), NOW) if not r.ok]
    assert any(r.name == "model" and "not a GGUF" in r.detail for r in failed)


# --- gateway heartbeat ------------------------------------------------------------------


def write_beat(tmp_path: Path, text: str) -> Path:
    path = heartbeat_path(tmp_path)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def test_no_heartbeat_file_means_not_started(tmp_path: Path) -> None:
    result = check_heartbeat(heartbeat_path(tmp_path), NOW)
    assert not result.ok
    assert "bot not started" in result.detail


@pytest.mark.parametrize(
    ("age_s", "ok"),
    [
        (0, True),
        (30, True),
        (HEARTBEAT_MAX_AGE_S, True),
        (HEARTBEAT_MAX_AGE_S + 1, False),
        (3600, False),
    ],
)
def test_heartbeat_freshness(tmp_path: Path, age_s: float, ok: bool) -> None:
    path = write_beat(tmp_path, (NOW - timedelta(seconds=age_s)).isoformat())
    assert check_heartbeat(path, NOW).ok is ok


def test_heartbeat_limit_is_a_parameter(tmp_path: Path) -> None:
    path = write_beat(tmp_path, (NOW - timedelta(seconds=300)).isoformat())
    assert not check_heartbeat(path, NOW).ok
    assert check_heartbeat(path, NOW, max_age_s=600).ok


def test_heartbeat_in_another_zone_or_without_zone(tmp_path: Path) -> None:
    plus_two = NOW.astimezone(timezone(timedelta(hours=2))) - timedelta(seconds=5)
    assert check_heartbeat(write_beat(tmp_path, plus_two.isoformat()), NOW).ok
    naive_utc = (NOW - timedelta(seconds=5)).replace(tzinfo=None)
    assert check_heartbeat(write_beat(tmp_path, naive_utc.isoformat()), NOW).ok


@pytest.mark.parametrize("text", ["", "yesterday", "\x00\x01"])
def test_unreadable_heartbeat_fails(tmp_path: Path, text: str) -> None:
    result = check_heartbeat(write_beat(tmp_path, text), NOW)
    assert not result.ok
    assert "unreadable" in result.detail


def test_heartbeat_far_in_the_future_fails(tmp_path: Path) -> None:
    path = write_beat(tmp_path, (NOW + timedelta(hours=1)).isoformat())
    result = check_heartbeat(path, NOW)
    assert not result.ok
    assert "future" in result.detail


# --- all together -----------------------------------------------------------------------


def test_run_checks_order_and_gateway_switch(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert [r.name for r in run_checks(settings, NOW)] == ["database", "index", "model", "gateway"]
    assert [r.name for r in run_checks(settings, NOW, gateway=False)] == [
        "database",
        "index",
        "model",
    ]


def test_healthy_after_ingest_and_heartbeat(
    tmp_path: Path, embedder: object, seed_cards: list[object]
) -> None:
    settings = make_settings(tmp_path)
    fill_index(settings, embedder, seed_cards)
    write_beat(settings.data_dir, (NOW - timedelta(seconds=10)).isoformat())
    results = run_checks(settings, NOW)
    assert all_ok(results), results
    assert not all_ok(run_checks(settings, NOW + timedelta(minutes=10)))


# --- the command ------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("FLASHTUTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FLASHTUTOR_LLM_MODEL", "none")
    return Settings()


def test_command_prints_one_line_per_check_and_fails(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["health"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["ok", "database"],
        ["FAIL", "index"],
        ["ok", "model"],
        ["FAIL", "gateway"],
    ]
    assert "bot not started" in lines[3]


def test_command_json_passes_without_gateway_once_ingested(
    cli_env: Settings,
    embedder: object,
    seed_cards: list[object],
    capsys: pytest.CaptureFixture[str],
) -> None:
    fill_index(cli_env, embedder, seed_cards)
    assert main(["health", "--no-gateway", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert [c["name"] for c in report["checks"]] == ["database", "index", "model"]
    assert main(["health", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["checks"][-1]["name"] == "gateway"


def test_command_reports_a_bad_setting_in_one_line(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLASHTUTOR_LLM_THREADS", "zero")
    assert main(["health"]) == 2
    err = capsys.readouterr().err
    assert "FLASHTUTOR_LLM_THREADS" in err and "Traceback" not in err
