"""FLASHTUTOR_SHARD_COUNT and FLASHTUTOR_SHARD_IDS: what discord.py is given, and bad values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def shards(**values: object) -> tuple[int | None, list[int] | None]:
    return Settings(_env_file=None, **values).shards()  # type: ignore[arg-type]


def test_auto_runs_discords_recommended_count_in_one_process() -> None:
    assert shards() == (None, None)
    assert shards(shard_count=4) == (4, None)


def test_ranges_and_lists() -> None:
    assert shards(shard_count=8, shard_ids="0-3") == (8, [0, 1, 2, 3])
    assert shards(shard_count=8, shard_ids="6, 1-2,2") == (8, [1, 2, 6])
    assert shards(shard_count="3", shard_ids="2") == (3, [2])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"shard_ids": "0-1"}, "needs a numeric FLASHTUTOR_SHARD_COUNT"),
        ({"shard_count": 2, "shard_ids": "2"}, "shard 2 does not exist"),
        ({"shard_count": 2, "shard_ids": "1-0"}, "empty or negative range"),
        ({"shard_count": 2, "shard_ids": "one"}, "is not a shard or a range"),
        ({"shard_count": 0}, "at least 1"),
        ({"shard_count": "many"}, "shard_count"),
    ],
)
def test_bad_shard_settings_say_what_is_wrong(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, **values)  # type: ignore[arg-type]
