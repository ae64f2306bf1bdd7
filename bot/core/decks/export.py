"""Cards out as an Anki package (`.apkg`, written by genanki) that Anki imports.

Each deck becomes an Anki deck of the same name (`Parent::Child` makes the tree), each basic
card a "Basic" note, each cloze card with one blank a "Cloze" note (the deletion put back as
`{{c1::…}}`); tags go with them. Note ids (guids) come from the card ids, so importing a newer
export updates the notes instead of duplicating them. Text is escaped as HTML, line breaks kept.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from pathlib import Path

from bot.core.cards import Card
from bot.core.decks.cloze import BLANK

_HINTED_BLANK = re.compile(r"\[[^\[\]]*\]")


def _anki_id(text: str) -> int:
    """A stable 31-bit id (Anki's model and deck ids are positive 64-bit; genanki likes 31)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big") >> 1 | 1 << 30


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _cloze_text(card: Card) -> str | None:
    """The note text of a one-blank cloze card, or None when it cannot be rebuilt."""
    blanks = card.question.count(BLANK)
    if blanks == 1 and " … " not in card.answer:
        return card.question.replace(BLANK, "{{c1::" + card.answer + "}}")
    hinted = _HINTED_BLANK.findall(card.question)
    if blanks == 0 and len(hinted) == 1:
        hint = hinted[0][1:-1]
        return card.question.replace(hinted[0], "{{c1::" + card.answer + "::" + hint + "}}")
    return None


def write_package(cards: Sequence[Card], out: Path) -> int:
    """Write `cards` to `out` as an .apkg; returns the number of notes written."""
    import genanki

    basic = genanki.Model(
        _anki_id("flashtutor basic"),
        "flashtutor Basic",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Title"}, {"name": "Context"}],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Front}}{{#Title}}<br><small>{{Title}}</small>{{/Title}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Back}}',
            }
        ],
    )
    cloze = genanki.Model(
        _anki_id("flashtutor cloze"),
        "flashtutor Cloze",
        fields=[{"name": "Text"}, {"name": "Back Extra"}],
        templates=[
            {
                "name": "Cloze",
                "qfmt": "{{cloze:Text}}",
                "afmt": "{{cloze:Text}}<br>{{Back Extra}}",
            }
        ],
        model_type=genanki.Model.CLOZE,
    )
    decks: dict[str, genanki.Deck] = {}
    for card in cards:
        deck = decks.get(card.deck)
        if deck is None:
            deck = decks[card.deck] = genanki.Deck(_anki_id("deck " + card.deck), card.deck)
        tags = [re.sub(r"\s+", "_", t) for t in card.tags if t.strip()]
        text = _cloze_text(card) if card.kind == "cloze" else None
        if text is not None:
            fields = [_html(text), ""]
            note = genanki.Note(model=cloze, fields=fields, tags=tags, guid=card.card_id)
        else:
            context = "" if card.kind == "cloze" else _html(card.background)
            note = genanki.Note(
                model=basic,
                fields=[_html(card.question), _html(card.answer), _html(card.title), context],
                tags=tags,
                guid=card.card_id,
            )
        deck.add_note(note)
    out.parent.mkdir(parents=True, exist_ok=True)
    genanki.Package(list(decks.values())).write_to_file(str(out))
    return sum(len(d.notes) for d in decks.values())
