from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bot.core.decks import load_deck_file, parse_deck_bytes
from bot.core.decks.anki import media_key
from tests.core.decks.anki_fixtures import PNG, make_packages


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_packages(tmp_path_factory.mktemp("anki"))


EXPECTED = [
    # (deck, kind, question, answer, tags)
    (
        "Biology::Cells",
        "basic",
        "What is ATP?",
        "The cell's energy currency\nmade in mitochondria",
        ("biology", "cells"),
    ),
    ("Chemistry", "basic", "H2O", "Water", ("chemistry",)),
    ("Chemistry", "basic", "Water", "H2O", ("chemistry",)),
    ("Chemistry", "basic", "Symbol of sodium?", "Na", ()),
    (
        "Biology::Cells",
        "cloze",
        "The [organelle] is the powerhouse of the cell",
        "mitochondria",
        ("biology",),
    ),
    (
        "Biology::Cells",
        "cloze",
        "The mitochondria is the […] of the cell",
        "powerhouse",
        ("biology",),
    ),
    (
        "Chemistry",
        "basic",
        "How do you list files in Python?",
        'Use:\n```\nimport os\nos.listdir(".")\n```\n- one\n- two & three',
        ("code",),
    ),
    ("Chemistry", "basic", "What is the area of a circle?", "\\(\\pi r^2\\)", ("math",)),
]


@pytest.mark.parametrize("kind", ["apkg", "legacy", "colpkg"])
def test_every_card_of_a_real_package_is_read(packages: dict[str, Path], kind: str) -> None:
    deck = load_deck_file(packages[kind])
    assert deck.issues == [] and deck.warnings == []
    got = [(c.deck, c.kind, c.question, c.answer, c.tags) for c in deck.cards]
    assert sorted(got) == sorted(EXPECTED)
    atp = next(c for c in deck.cards if c.question == "What is ATP?")
    # Images are stored by content: the name cannot escape a folder, the same image is kept once.
    assert atp.media == (media_key("cell.png", PNG),) and atp.media[0].endswith(".png")
    assert deck.media == {atp.media[0]: PNG}
    cloze = next(c for c in deck.cards if c.kind == "cloze")
    # The whole sentence, filled in, is the card's context for grading and explanations.
    assert cloze.background == (
        "The mitochondria is the powerhouse of the cell\n\nFound in most eukaryotic cells."
    )
    assert len({c.card_id for c in deck.cards}) == len(deck.cards)


def test_current_and_legacy_packages_give_the_same_cards(packages: dict[str, Path]) -> None:
    new, old = load_deck_file(packages["apkg"]), load_deck_file(packages["legacy"])
    assert [c.to_dict() | {"source": ""} for c in new.cards] == [
        c.to_dict() | {"source": ""} for c in old.cards
    ]


def test_a_package_uploaded_as_bytes(packages: dict[str, Path]) -> None:
    data = packages["apkg"].read_bytes()
    deck = parse_deck_bytes(data, filename="my decks.apkg", scope="42")
    assert deck.name == "my decks" and deck.source == "my decks.apkg"
    assert {c.scope for c in deck.cards} == {"42"}
    assert len(deck.cards) == len(EXPECTED)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not a zip at all", "not a readable Anki package (File is not a zip file)"),
        (
            _zip({"readme.txt": b"hi"}),
            "not an Anki package: it has no collection.anki21b/anki21/anki2",
        ),
        (
            _zip({"collection.anki21": b"garbage"}),
            "not an Anki package: 'collection.anki21' is not an SQLite database",
        ),
        (
            _zip({"collection.anki21b": b"\x28\xb5\x2f\xfdgarbage"}),
            "'collection.anki21b' is not valid zstd data",
        ),
    ],
)
def test_broken_packages_are_reported_not_raised(data: bytes, reason: str) -> None:
    deck = parse_deck_bytes(data, filename="broken.apkg")
    assert deck.cards == []
    assert [i.line for i in deck.issues] == [1]
    assert deck.issues[0].reason.startswith(reason)


def test_a_missing_image_is_a_warning(packages: dict[str, Path], tmp_path: Path) -> None:
    with zipfile.ZipFile(packages["legacy"]) as z:
        members = {n: z.read(n) for n in z.namelist() if n not in ("0",)}
    deck = parse_deck_bytes(_zip(members), filename="no-media.apkg")
    assert len(deck.cards) == len(EXPECTED) and deck.media == {}
    assert all(c.media == () for c in deck.cards)
    assert [str(w) for w in deck.warnings] == [
        "no-media.apkg:1: image 'cell.png' is not in the package; its cards show no image"
    ]
