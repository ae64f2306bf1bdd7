"""`flashtutor tutor --script`: one JSON line per tutor turn, the same tutor and store as Discord."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.decks import load_deck_file
from bot.infra.store import ProgressStore
from tests.conftest import SEED_DECK

EMBEDDINGS = next(
    c for c in load_deck_file(SEED_DECK).cards if c.question.startswith("How do token embeddings")
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("script") / "data"


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Path:
    monkeypatch.chdir(Path(__file__).resolve().parents[2])  # knowledge/ is indexed on first use
    monkeypatch.setenv("FLASHTUTOR_DATA_DIR", str(data_dir))
    monkeypatch.setenv("FLASHTUTOR_LLM_MODEL", "none")
    return data_dir


def script(tmp_path: Path, *lines: object) -> str:
    path = tmp_path / "script.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], path: str) -> tuple[int, list[dict[str, object]]]:
    code = main(["tutor", "--script", path])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def test_a_partial_answer_is_worked_through_and_recorded_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, env: Path
) -> None:
    path = script(
        tmp_path,
        {"start": {"card": EMBEDDINGS.card_id}},
        {"say": "Token embeddings turn each token into a vector of numbers."},
        {"say": "no idea"},
        {"say": "understanding"},
        {"start": {"topic": "negative sampling"}},
        {"say": "I don't know"},
        {"say": "just tell me"},
        {"say": "stop"},
        {"say": "one more"},
    )
    code, turns = run(capsys, path)
    assert code == 1  # the last line was refused
    assert all(set(t) == {"text", "card", "point", "step", "verdict"} for t in turns[:-1])
    steps = [t["step"] for t in turns[:-1]]
    assert steps[:7] == ["question", "feedback", "hint", "feedback", "prompt", "feedback", "done"]
    assert turns[1]["verdict"] == "partial" and turns[2]["point"] == 1
    assert turns[5]["verdict"] == "covered" and turns[6]["verdict"] == "correct"
    assert steps[7:] == ["question", "feedback", "hint", "assertion", "hint", "done"]
    assert "Stopped" in str(turns[12]["text"])
    assert turns[-1] == {"error": 'this card is done: "start" another'}
    store = ProgressStore(env / "flashtutor.sqlite3")
    assert store.stats("local", datetime.now(UTC)).reviews == 2, "one review per card, at its end"


def test_bad_lines_get_an_error_line_and_the_rest_still_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        'not json\n{"say": "x"}\n{"start": {"card": "0000000000000000"}}\n'
        + json.dumps({"start": {"card": EMBEDDINGS.card_id}})
        + "\n",
        encoding="utf-8",
    )
    code, turns = run(capsys, str(path))
    assert code == 1
    assert [("error" in t) for t in turns] == [True, True, True, False]
    assert "not JSON" in str(turns[0]["error"]) and "before any" in str(turns[1]["error"])
    assert turns[3]["step"] == "question" and turns[3]["card"] == EMBEDDINGS.card_id
