"""Shared fixtures: the real bundled models load once per test session; data dirs are temporary."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Offline, always: no hub, no telemetry, no progress bars in test output.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
SEED_DECK = ROOT / "knowledge" / "000_75fa53af5a744319.txt"


MODELS_DIR = ROOT / "data" / "models"
"""Where `make models` prepared the model files (the LLM's GGUF, the embedder's ONNX export)."""


@pytest.fixture(scope="session")
def embedder():
    """The real bundled all-MiniLM-L6-v2 on the default runtime, loaded once."""
    from bot.infra.embedder import load_embedder
    from bot.settings import Settings

    default = Settings.model_fields["embedder"].default
    return load_embedder(default, models_dir=MODELS_DIR)


@pytest.fixture(scope="session")
def seed_cards():
    """The 16 cards of the shipped seed deck."""
    from bot.core.decks import load_deck_file

    deck = load_deck_file(SEED_DECK)
    assert not deck.issues
    return deck.cards


@pytest.fixture(scope="session")
def seed_index(embedder, seed_cards, tmp_path_factory):
    """A real on-disk Chroma index holding the seed deck (read-only for tests that share it)."""
    from bot.infra.index import CardIndex

    index = CardIndex(embedder, path=tmp_path_factory.mktemp("chroma"))
    index.sync(seed_cards)
    return index


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Settings with a temporary data dir and no LLM, isolated from any `.env`."""
    from bot.settings import Settings

    monkeypatch.chdir(tmp_path)
    yield Settings(data_dir=tmp_path / "data", llm_model="none")


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """A real PostgreSQL server on 127.0.0.1 for the whole session, in a temporary directory.

    Missing server binaries fail the tests that need it, with how to install them: the
    PostgreSQL half of the suite is never skipped.
    """
    from bot.testing.postgres import PostgresUnavailable, TempPostgres

    try:
        server = TempPostgres().start()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is needed for these tests: {exc}", pytrace=False)
    yield server
    server.stop()
