from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from bot.core.cards import Card
from bot.core.history import COLUMNS, history_csv
from bot.infra.store import ProgressStore

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_a_persons_history_round_trips_from_the_store_to_csv() -> None:
    store = ProgressStore.in_memory()
    seen = Card("Maths", "=1+1 in a spreadsheet?", "2")
    hidden = Card("Another server's deck", "Secret question?", "Secret.", scope="99")
    store.record_review(user_id="u", card_id=seen.card_id, score=1.0, verdict="correct", now=NOW)
    store.record_review(
        user_id="u",
        card_id=hidden.card_id,
        score=0.0,
        verdict="incorrect",
        now=NOW + timedelta(minutes=1),
        guild_id="99",
        skipped=True,
    )
    store.record_review(
        user_id="other", card_id=seen.card_id, score=0.5, verdict="partial", now=NOW
    )
    entries = store.review_history("u")
    assert [(e.card_id, e.verdict, e.skipped) for e in entries] == [
        (seen.card_id, "correct", False),
        (hidden.card_id, "skipped", True),
    ]
    rows = list(csv.reader(io.StringIO(history_csv(entries, {seen.card_id: seen}))))
    assert tuple(rows[0]) == COLUMNS
    assert rows[1][:9] == [
        NOW.isoformat(),
        "Maths",
        "'=1+1 in a spreadsheet?",  # never run as a formula
        "1.000",
        "correct",
        "4",
        "0",
        "0",
        "DM",
    ]
    # A card not visible where the export was asked for: when and how well, not what.
    assert rows[2][1:3] == ["", ""] and rows[2][8] == "99" and rows[2][9] == hidden.card_id
