"""The README is the front door: every setting must be in its table."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [
        name for name in Settings.model_fields if f"`FLASHTUTOR_{name.upper()}`" not in README
    ]
    assert missing == []


def test_the_two_commands_are_there() -> None:
    assert "make run" in README and "make test" in README
