"""The dialogue evaluation, run for real through the scriptable tutor on a tuning deck."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

DECK = Path(__file__).resolve().parents[2] / "bot" / "eval" / "grading" / "decks" / "web_http.md"
HTTP = "adc130449f654d55"


def _cases(path: Path, replies: list[str]) -> Path:
    lines = [
        {"card": HTTP, "point": "A client sends a request", "after": "hint", "reply": r}
        for r in replies
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def test_dialogue_runs_on_another_deck(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    right = _cases(tmp_path / "right.jsonl", ["The client sends a request and the server answers."])
    wrong = _cases(
        tmp_path / "wrong.jsonl",
        ["Bananas are yellow.", "Cookies are made of pure sugar."],
    )
    argv = ["eval", "dialogue", "--deck", str(DECK), "--right", str(right), "--wrong", str(wrong)]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["hints"] == 20  # every point of the deck's 10 cards, none of the seed deck's
    assert report["right_cases"] == 1 and report["right_credited"] == 1.0
    assert report["wrong_cases"] == 2 and report["wrong_not_credited"] == 1.0
