"""`CardIndex.get_cached`: a card from memory only, so buttons can answer on the event loop."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.core.cards import Card
from bot.errors import CardNotFound
from bot.infra.index import GLOBAL_SCOPE, CardIndex


def test_cached_lookup_needs_the_catalogue_and_is_dropped_with_a_resync(
    embedder: Any, seed_cards: list[Card], tmp_path: Path
) -> None:
    index = CardIndex(embedder, path=tmp_path / "chroma")
    index.sync(seed_cards[:4])
    server = [replace(c, scope="42") for c in seed_cards[4:6]]
    index.sync(server, scope="42")
    fresh = CardIndex(embedder, path=tmp_path / "chroma")  # as after a restart: nothing loaded
    first = seed_cards[0]
    assert fresh.get_cached(first.card_id) is None  # not in memory: the caller uses a thread
    assert fresh.get(first.card_id) == first  # loads the global catalogue
    assert fresh.get_cached(first.card_id) == first
    with pytest.raises(CardNotFound):
        fresh.get_cached("no-such-card")
    # A server's card: the global catalogue is loaded, the server's not yet.
    assert fresh.get_cached(server[0].card_id, (GLOBAL_SCOPE, "42")) is None
    fresh.cards((GLOBAL_SCOPE, "42"))
    assert fresh.get_cached(server[0].card_id, (GLOBAL_SCOPE, "42")) == server[0]
    # Another server's scope is not in memory: no answer from memory, and none from disk.
    assert fresh.get_cached(server[0].card_id, (GLOBAL_SCOPE, "7")) is None
    with pytest.raises(CardNotFound):
        fresh.get(server[0].card_id, (GLOBAL_SCOPE, "7"))
    with pytest.raises(CardNotFound):  # now "7" is known to have no cards
        fresh.get_cached(server[0].card_id, (GLOBAL_SCOPE, "7"))
    # Re-syncing a scope drops its catalogue from memory until it is read again.
    fresh.sync(server[:1], scope="42")
    assert fresh.get_cached(server[0].card_id, (GLOBAL_SCOPE, "42")) is None
    assert fresh.get(server[0].card_id, (GLOBAL_SCOPE, "42")) == server[0]
