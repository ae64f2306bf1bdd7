"""Where the evaluation tests find the public ASAG datasets (kept outside the repository).

The `FLASHTUTOR_ASAG_DATA` setting when it is set; otherwise a `shared/data/asag` folder
beside the checkout or above it (where this project's test machines keep shared data).
The product itself never guesses: `bot.eval.asag.data_folder` takes `--data` or the setting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def find_asag_data() -> Path | None:
    """The datasets' folder for the tests, or None when there is none to be found."""
    configured = Settings(_env_file=None).asag_data
    if configured is not None:
        return configured
    for folder in ROOT.parents:
        candidate = folder / "shared" / "data" / "asag"
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def asag_data() -> Path:
    """The ASAG data folder (a clear failure when it cannot be found)."""
    folder = find_asag_data()
    if folder is None:
        pytest.fail(
            "the ASAG datasets are needed: set FLASHTUTOR_ASAG_DATA to their folder "
            "(Mohler 2011 and SemEval-2013 Task 7, see docs/QUALITY.md)"
        )
    return folder
