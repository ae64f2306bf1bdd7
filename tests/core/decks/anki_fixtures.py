"""Real Anki packages for the tests, made by the official `anki` package (a dev dependency
only: it is AGPL and heavy, so flashtutor itself never imports it)."""

from __future__ import annotations

from pathlib import Path

# A 1x1 red PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


def make_packages(folder: Path) -> dict[str, Path]:
    """A collection with every supported note type, exported as current and legacy packages.

    Returns {"apkg": ..., "legacy": ..., "colpkg": ...}.
    """
    from anki.collection import Collection, ExportAnkiPackageOptions
    from anki.decks import DeckId

    folder.mkdir(parents=True, exist_ok=True)
    col = Collection(str(folder / "collection.anki2"))
    try:
        cells = DeckId(col.decks.id("Biology::Cells") or 0)
        chem = DeckId(col.decks.id("Chemistry") or 0)
        (folder / "cell.png").write_bytes(PNG)
        image = col.media.add_file(str(folder / "cell.png"))

        def add(kind: str, deck: DeckId, tags: list[str], **fields: str) -> None:
            note = col.new_note(col.models.by_name(kind) or {})
            for name, value in fields.items():
                note[name.replace("_", " ")] = value
            note.tags = tags
            col.add_note(note, deck)

        add(
            "Basic",
            cells,
            ["biology", "cells"],
            Front="What is <b>ATP</b>?",
            Back=f'The cell&#39;s energy&nbsp;currency<br>made in mitochondria<img src="{image}">',
        )
        add(
            "Basic (and reversed card)",
            chem,
            ["chemistry"],
            Front="H<sub>2</sub>O",
            Back="Water",
        )
        add(
            "Basic (type in the answer)",
            chem,
            [],
            Front="Symbol of sodium?",
            Back="Na",
        )
        add(
            "Cloze",
            cells,
            ["biology"],
            Text="The {{c1::mitochondria::organelle}} is the {{c2::powerhouse}} of the cell",
            Back_Extra="Found in most eukaryotic cells.",
        )
        add(
            "Basic",
            chem,
            ["code"],
            Front="How do you list files in Python?",
            Back='<div>Use:</div><pre><code>import os\nos.listdir(".")</code></pre>'
            "<ul><li>one</li><li>two &amp; three</li></ul>",
        )
        add(
            "Basic",
            chem,
            ["math"],
            Front="What is the area of a circle?",
            Back="[$]\\pi r^2[/$]",
        )
        paths = {
            "apkg": folder / "decks.apkg",
            "legacy": folder / "decks-legacy.apkg",
            "colpkg": folder / "collection.colpkg",
        }
        for key, legacy in (("apkg", False), ("legacy", True)):
            col.export_anki_package(
                out_path=str(paths[key]),
                options=ExportAnkiPackageOptions(
                    with_scheduling=False, with_deck_configs=False, with_media=True, legacy=legacy
                ),
                limit=None,
            )
        col.export_collection_package(str(paths["colpkg"]), include_media=True, legacy=False)
    finally:
        col.close()
    return paths
