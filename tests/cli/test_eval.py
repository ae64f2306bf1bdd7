"""`flashtutor eval`: one front door over the quality evaluations of bot/eval/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("FLASHTUTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FLASHTUTOR_LLM_MODEL", "none")
    monkeypatch.delenv("FLASHTUTOR_ASAG_DATA", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_evaluation_is_a_sub_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["eval", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert all(kind in out for kind in ("grading", "search", "explain", "dialogue"))


def test_grading_without_data_says_where_to_point_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "eval", "grading")
    assert code == 2
    assert "--data DIR" in err and "FLASHTUTOR_ASAG_DATA" in err
    assert "Traceback" not in err


def test_grading_with_a_missing_folder_names_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-such-data"
    code, _, err = run(capsys, "eval", "grading", "--data", str(missing))
    assert code == 2 and f"{missing} does not exist" in err
    monkeypatch.setenv("FLASHTUTOR_ASAG_DATA", str(missing))
    code, _, err = run(capsys, "eval", "grading")
    assert code == 2 and f"{missing} does not exist" in err


def test_search_prints_hybrid_and_naive_hit_rates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    queries = tmp_path / "queries.jsonl"
    lines = [
        {
            "query": "how does word2vec learn from negative examples",
            "title": "Negative Sampling in Word2vec",
        },
        {"query": "what is a tokenizer", "title": "Tokenization and Token Embeddings Overview"},
    ]
    queries.write_text("".join(json.dumps(q) + "\n" for q in lines), encoding="utf-8")
    code, out, _ = run(capsys, "eval", "search", str(queries))
    assert code == 0
    assert out.startswith("queries.jsonl: 2 queries | hybrid hit@1 ")
    assert "| naive dense hit@1 " in out


def test_explain_with_the_llm_off_reports_that(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", "explain")
    assert code == 0 and json.loads(out) == {"llm_model": "none"}
