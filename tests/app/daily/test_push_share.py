"""A process's share of the bot-wide push budget follows the shards it runs."""

from __future__ import annotations

import pytest

from bot.app.daily._cog import push_share
from bot.settings import Settings


@pytest.mark.parametrize(
    ("values", "share"),
    [
        ({}, 1.0),
        ({"shard_count": 4}, 1.0),
        ({"shard_count": 2, "shard_ids": "1"}, 0.5),
        ({"shard_count": 4, "shard_ids": "0-2"}, 0.75),
    ],
)
def test_share_of_the_push_rate(values: dict[str, object], share: float) -> None:
    assert push_share(Settings(_env_file=None, **values)) == share  # type: ignore[arg-type]
