"""The `flashtutor` CLI contract, run in-process and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-data")


@pytest.fixture(autouse=True)
def env(data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("FLASHTUTOR_DATA_DIR", str(data_dir))
    monkeypatch.setenv("FLASHTUTOR_LLM_MODEL", "none")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ingest")
    assert code == 0 and "16 card(s)" in out
    code, out, _ = run(capsys, "ingest")
    assert code == 0 and "0 added, 0 updated, 0 removed, 16 unchanged" in out


def test_ingest_reports_bad_cards_and_keeps_good_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    deck = tmp_path / "broken.md"
    deck.write_text(
        "#### Good\n:p What is a vector?\n??x\nA list of numbers.\nx??\n---\n"
        "#### Bad\n:p What has no answer?\n---\n"
    )
    code, out, err = run(capsys, "ingest", str(deck))
    # Issue 14: a skipped card makes the exit status 1 (it was 0), like `decks check`.
    assert code == 1 and "1 card(s)" in out
    assert f"{deck}:9:" in err or f"{deck}:8:" in err
    code, out, _ = run(capsys, "search", "list of numbers", "--json", "-k", "1")
    assert json.loads(out)[0]["deck"] == "broken"


def test_ingest_of_nothing_loadable_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    binary = tmp_path / "photo.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    code, _, err = run(capsys, "ingest", str(tmp_path / "missing.md"), str(binary))
    assert code == 2
    assert f"{tmp_path / 'missing.md'}:1: cannot read file" in err
    assert f"{binary}:3: binary file (NUL byte at offset 8), not a text deck" in err


def test_decks_check_says_what_would_load_without_the_index(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = tmp_path / "good.md"
    good.write_text("#### A\n:p Q?\n??x\nA.\n???\n")
    code, out, _ = run(capsys, "decks", "check", str(good))
    assert code == 0
    assert f"{good}: 1 card(s) from 1 question(s)" in out
    assert f"warning {good}:5: answer closed by '???' instead of 'x??'" in out
    bad = tmp_path / "bad.md"
    bad.write_text("#### B\n:p No answer?\n---\n#### C\n:p Q2?\n??x\nA2.\nx??\n")
    code, out, _ = run(capsys, "decks", "check", str(tmp_path))
    assert code == 1
    assert f"skipped {bad}:2: card has no answer" in out
    assert "2 deck file(s): 2 card(s) from 3 question(s) (66.7%), 1 skipped" in out
    code, out, _ = run(capsys, "decks", "check", "--json", str(bad))
    assert code == 1
    assert json.loads(out.splitlines()[0])["skipped"] == [
        {"line": 2, "reason": "card has no answer ('??x' ... 'x??' after ':p')"}
    ]
    code, _, _ = run(capsys, "decks", "check", str(tmp_path / "nothing-here"))
    assert code == 2


def test_export_writes_an_anki_package(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import zipfile

    run(capsys, "ingest")
    out = tmp_path / "seed.apkg"
    code, stdout, _ = run(capsys, "export", "000_75fa53af5a744319", "--out", str(out))
    assert code == 0 and "wrote 16 note(s)" in stdout
    assert "collection.anki2" in zipfile.ZipFile(out).namelist()
    code, _, err = run(capsys, "export", "no such deck", "--out", str(out))
    assert code == 2 and "no deck named" in err
    code, _, err = run(capsys, "export", "000_75fa53af5a744319", "--out", str(tmp_path / "x.zip"))
    assert code == 2 and ".apkg" in err


def test_search_json_and_batch_keep_shape_and_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "ingest")
    code, out, _ = run(capsys, "search", "what is negative sampling", "--json", "-k", "2")
    hits = json.loads(out)
    assert code == 0 and len(hits) == 2
    assert set(hits[0]) == {"card_id", "deck", "question", "score"}
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"query": "skip-gram"}\nnot json\n{"query": "tokenization"}\n')
    code, out, _ = run(capsys, "search", "--batch", str(batch), "-k", "1")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 3
    assert "skip-gram" in lines[0][0]["question"].lower()
    assert "error" in lines[1]
    assert "tokeniz" in lines[2][0]["question"].lower()


def test_grade_three_forms(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(capsys, "ingest")
    _, out, _ = run(capsys, "search", "negative sampling", "--json", "-k", "1")
    card_id = json.loads(out)[0]["card_id"]
    code, out, _ = run(capsys, "grade", "--card", card_id, "--answer", "no idea", "--json")
    grade = json.loads(out)
    assert code == 0 and set(grade) == {
        "score",
        "verdict",
        "covered",
        "missed",
        "contradicted",
        "reasons",
    }
    assert grade["verdict"] == "incorrect"

    code, out, _ = run(
        capsys,
        "grade",
        "--question",
        "What is the capital of France?",
        "--reference",
        "Paris is the capital of France.",
        "--answer",
        "The capital is Paris.",
        "--json",
    )
    assert code == 0 and json.loads(out)["verdict"] == "correct"

    batch = tmp_path / "g.jsonl"
    rows = [
        {"question": "What is 2+2?", "reference": "Four.", "answer": "4, four"},
        {
            "question": "Colour of the sky?",
            "reference": "The sky is blue on a clear day.",
            "answer": "",
        },
    ]
    batch.write_text("\n".join(json.dumps(r) for r in rows) + '\n{"question": 1}\n')
    code, out, _ = run(capsys, "grade", "--batch", str(batch))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 3
    assert lines[1]["verdict"] == "incorrect"
    assert "error" in lines[2]


def test_errors_are_one_line_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "grade", "--card", "doesnotexist", "--answer", "x")
    assert code == 2 and err.count("\n") == 1 and "doesnotexist" in err and "Traceback" not in err
    code, _, err = run(capsys, "search", "x", "-k", "0")
    assert code == 2 and "-k" in err
    code, _, err = run(capsys, "grade", "--answer", "x")
    assert code == 2 and "--card" in err
    code, _, err = run(capsys, "search", "--batch", "/no/such/file.jsonl")
    assert code == 2 and "cannot read" in err


def test_terminal_quiz_records_progress(data_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "FLASHTUTOR_DATA_DIR": str(data_dir), "FLASHTUTOR_LLM_MODEL": "none"}
    # The partial answer opens a dialogue on what it missed: an empty line is not graded,
    # "just tell me" states a point, :skip leaves (recording the card); the next is skipped.
    answers = ":hint\n\nTokens are pieces of text.\n\njust tell me\n:skip\n:skip\n:quit\n"
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "quiz", "--topic", "tokenization"],
        input=answers,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Q: " in proc.stdout and "Hint: " in proc.stdout
    assert "Reference answer:" in proc.stdout and "Skipped." in proc.stdout
    assert "Type your answer" in proc.stdout  # an empty line is not graded
    assert "to work through" in proc.stdout and "Type your reply" in proc.stdout
    assert "The card says" in proc.stdout and "Stopped here" in proc.stdout
    assert "Traceback" not in proc.stderr
    from bot.infra.store import ProgressStore

    store = ProgressStore(data_dir / "flashtutor.sqlite3")
    assert len(store.seen_card_ids("local")) == 2


def test_models_prepare_exports_the_default_onnx_embedder(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    code, out, _ = run(capsys, "models", "prepare")
    assert code == 0 and "No LLM model file to prepare." in out
    assert (data_dir / "models" / "embedder-minilm.onnx").is_file()
    assert "ONNX embedder ready" in out
    assert "Cross-encoder ready: crossenc-minilm-l3 (sha256 checked)" in out
