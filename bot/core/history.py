"""A person's own review history as CSV (what `/stats export:true` sends them).

Deck and question are filled in only for cards visible where the export is asked for, so an
export in one server never shows another server's cards; the review itself (when, how well)
is the person's own and is always there. Cells that a spreadsheet would run as a formula are
quoted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from bot.core.cards import Card
from bot.core.records import ReviewEntry

COLUMNS = (
    "reviewed_at",
    "deck",
    "question",
    "score",
    "verdict",
    "rating",
    "hints_used",
    "skipped",
    "server",
    "card_id",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text


def history_csv(entries: Sequence[ReviewEntry], cards: Mapping[str, Card]) -> str:
    """The reviews as CSV, oldest first, one row each, with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in entries:
        card = cards.get(e.card_id)
        writer.writerow(
            [
                e.reviewed_at.isoformat(),
                _cell(card.deck) if card else "",
                _cell(card.question) if card else "",
                f"{e.score:.3f}",
                e.verdict,
                e.rating,
                e.hints_used,
                int(e.skipped),
                e.guild_id or "DM",
                e.card_id,
            ]
        )
    return out.getvalue()
