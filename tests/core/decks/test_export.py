"""Exported packages are imported by the official Anki, and read back by our own reader."""

from __future__ import annotations

from pathlib import Path

from bot.core.cards import Card
from bot.core.decks import load_deck_file, parse_deck_text
from bot.core.decks.export import write_package

SEED = Path(__file__).resolve().parents[3] / "knowledge" / "000_75fa53af5a744319.txt"
CLOZE = "#### Cells\n:p The {{c1::nucleus}} holds the {{c2::DNA::molecule}}.\n??x\nExtra.\nx??\n"


def _cards() -> list[Card]:
    seed = load_deck_file(SEED).cards
    cloze = parse_deck_text(CLOZE, deck="Biology::Cells", source="bio.md", fmt="md").cards
    tagged = Card(
        "Biology", "What is ATP?", "Energy <currency> & fuel\nof cells", tags=("bio", "cells")
    )
    return [*seed, *cloze, tagged]


def test_the_official_anki_imports_an_export(tmp_path: Path) -> None:
    from anki.collection import Collection, ImportAnkiPackageRequest

    out = tmp_path / "export.apkg"
    assert write_package(_cards(), out) == 16 + 2 + 1
    col = Collection(str(tmp_path / "target.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(out)))
        names = {d.name for d in col.decks.all_names_and_ids()}
        assert {"000_75fa53af5a744319", "Biology", "Biology::Cells"} <= names
        assert col.note_count() == 19
        atp = col.get_note(col.find_notes('"Front:What is ATP?"')[0])
        assert atp["Back"] == "Energy &lt;currency&gt; &amp; fuel<br>of cells"
        assert sorted(atp.tags) == ["bio", "cells"]
        cloze = col.find_notes('"deck:Biology::Cells"')
        texts = sorted(col.get_note(n)["Text"] for n in cloze)
        assert texts == [
            "The nucleus holds the {{c1::DNA::molecule}}.",
            "The {{c1::nucleus}} holds the DNA.",
        ]
        # Anki made one card per note (one deletion each), as many cards as we had.
        assert col.card_count() == 19
    finally:
        col.close()


def test_an_export_reads_back_as_the_same_cards(tmp_path: Path) -> None:
    out = tmp_path / "export.apkg"
    cards = _cards()
    write_package(cards, out)
    back = load_deck_file(out)
    assert back.issues == [] and back.warnings == []

    def rstripped(text: str) -> str:  # HTML keeps no trailing spaces on a line
        return "\n".join(line.rstrip() for line in text.split("\n"))

    assert sorted((c.deck, c.kind, c.question, c.answer, c.tags) for c in back.cards) == sorted(
        (c.deck, c.kind, c.question, rstripped(c.answer), c.tags) for c in cards
    )


def test_a_second_export_updates_instead_of_duplicating(tmp_path: Path) -> None:
    from anki.collection import Collection, ImportAnkiPackageRequest

    first, second = tmp_path / "a.apkg", tmp_path / "b.apkg"
    cards = _cards()
    write_package(cards, first)
    edited = [*cards[:-1], Card("Biology", "What is ATP?", "The energy currency.", tags=("bio",))]
    write_package(edited, second)
    col = Collection(str(tmp_path / "target.anki2"))
    try:
        for path in (first, second):
            col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path)))
        assert col.note_count() == 19
    finally:
        col.close()
