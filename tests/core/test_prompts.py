from pathlib import Path

import pytest

from bot.core.prompts import TEMPLATES, Prompts
from bot.errors import ConfigError
from bot.settings import PROJECT_ROOT


def _copy_prompts(tmp_path: Path) -> Path:
    for name in TEMPLATES:
        (tmp_path / name).write_text((PROJECT_ROOT / "prompts" / name).read_text())
    return tmp_path


def test_shipped_prompts_load() -> None:
    prompts = Prompts.load(PROJECT_ROOT / "prompts")
    text = prompts.render_explain(
        question="Q?",
        reference="R.",
        background="B.",
        answer="{x}",
        right="r",
        wrong="w",
        missing="m",
    )
    # Values are inserted verbatim: braces in an answer are not re-parsed.
    assert "{x}" in text and text.index("R.") < text.index("{x}")


def test_missing_placeholder_names_file_and_field(tmp_path: Path) -> None:
    d = _copy_prompts(tmp_path)
    (d / "explain.txt").write_text((d / "explain.txt").read_text().replace("{missing}", "gaps"))
    with pytest.raises(ConfigError, match=r"explain\.txt.*missing placeholder \{missing\}"):
        Prompts.load(d)


def test_unknown_placeholder_names_file_and_field(tmp_path: Path) -> None:
    d = _copy_prompts(tmp_path)
    (d / "ask.txt").write_text((d / "ask.txt").read_text() + "\n{student_name}")
    with pytest.raises(ConfigError, match=r"ask\.txt.*unknown placeholder \{student_name\}"):
        Prompts.load(d)


def test_malformed_and_missing_files(tmp_path: Path) -> None:
    d = _copy_prompts(tmp_path)
    (d / "system.txt").write_text("Reply in JSON like {")
    with pytest.raises(ConfigError, match=r"system\.txt"):
        Prompts.load(d)
    (d / "system.txt").unlink()
    with pytest.raises(ConfigError, match=r"missing: .*system\.txt"):
        Prompts.load(d)


def test_positional_placeholder_rejected(tmp_path: Path) -> None:
    d = _copy_prompts(tmp_path)
    (d / "ask.txt").write_text((d / "ask.txt").read_text() + " {0}")
    with pytest.raises(ConfigError, match=r"ask\.txt.*\{0\}"):
        Prompts.load(d)
