"""An upload is listed if and only if its cards are served, whatever moment a kill -9 hits.

A real `DeckLibrary` in a child process uploads, replaces and removes decks in a loop and is
killed with SIGKILL at several points (between and inside operations); then the start-up
resync runs on what it left, and the list and the index must agree deck for deck.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot.core.decks.library import UPLOAD_SUFFIXES, DeckLibrary
from bot.infra.index import CardIndex
from bot.infra.media import MediaFiles
from bot.infra.store import ProgressStore
from bot.infra.uploads import UploadFiles
from tests.conftest import MODELS_DIR, ROOT

pytestmark = pytest.mark.slow

CHILD = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from bot.services import Services
    from bot.settings import Settings

    library = Services(Settings()).decks
    library.index.cards(("42",))  # open the index before saying we are ready
    print("ready", flush=True)
    for i in range(10_000):
        n = i % 4
        body = "---\\n".join(
            f":p Question {k} of deck {n}, version {i}?\\n??x\\nAnswer {k}.\\nx??\\n"
            for k in range(3 + i % 3)
        )
        library.upload("42", f"deck {n}.md", body.encode(), now=datetime.now(UTC))
        print("uploaded", i, flush=True)
        gone = f"deck {(n + 1) % 4}"
        if i % 3 == 2 and any(r.name == gone for r in library.listed("42")):
            library.remove("42", gone)
            print("removed", i, flush=True)
    """
)


def _kill_after(data_dir: Path, lines: int, delay: float) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASHTUTOR_")}
    env |= {
        "FLASHTUTOR_DATA_DIR": str(data_dir),
        "FLASHTUTOR_MODELS_DIR": str(MODELS_DIR),
        "FLASHTUTOR_KNOWLEDGE_DIR": str(data_dir / "knowledge"),
        "FLASHTUTOR_LLM_MODEL": "none",
        "PYTHONPATH": str(ROOT),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert child.stdout is not None
    try:
        seen = 0
        assert child.stdout.readline().strip() == "ready"
        while seen < lines:
            line = child.stdout.readline()
            assert line, "the child ended before it was killed"
            seen += 1
        time.sleep(delay)  # lands inside the next operation
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=60)


@pytest.mark.parametrize(
    ("lines", "delay"), [(0, 0.0), (1, 0.02), (2, 0.05), (4, 0.0), (5, 0.12), (7, 0.3)]
)
def test_listed_if_and_only_if_served_after_a_kill(
    embedder, tmp_path: Path, lines: int, delay: float
) -> None:
    (tmp_path / "knowledge").mkdir()
    _kill_after(tmp_path, lines, delay)
    library = DeckLibrary(
        index=CardIndex(embedder, path=tmp_path / "chroma"),
        registry=ProgressStore(tmp_path / "flashtutor.sqlite3"),
        uploads=UploadFiles(tmp_path / "decks", UPLOAD_SUFFIXES),
        media=MediaFiles(tmp_path / "media"),
        knowledge_dir=tmp_path / "knowledge",
    )
    library.resync()
    listed = {r.name: r.cards for r in library.listed("42")}
    served: dict[str, int] = {}
    for card in library.index.cards(("42",)):
        served[card.deck] = served.get(card.deck, 0) + 1
    assert listed == served
    files = {u.name for u in library.uploads.entries("42")}
    assert files == set(listed)
    if lines > 0:
        assert listed  # something was committed before the kill
