from __future__ import annotations

from bot.core.decks import parse_deck_text
from bot.core.decks.cloze import BLANK, cloze_cards, fill


def test_one_card_per_deletion_number() -> None:
    made = cloze_cards(
        "{{c1::Paris}} is the capital of {{c2::France::a country}}; {{c1::it}} is big"
    )
    assert [(c.ordinal, c.question, c.answer) for c in made] == [
        (1, f"{BLANK} is the capital of France; {BLANK} is big", "Paris … it"),
        (2, "Paris is the capital of [a country]; it is big", "France"),
    ]
    assert {c.context for c in made} == {"Paris is the capital of France; it is big"}
    assert fill("a {{c3::b::hint}} c") == "a b c"


def test_cloze_in_a_markdown_deck() -> None:
    text = "#### Cells\n:p The {{c1::nucleus}} holds the {{c2::DNA}}.\n??x\nIn eukaryotes.\nx??\n"
    deck = parse_deck_text(text, deck="bio", source="bio.md", fmt="md")
    assert deck.issues == []
    assert [(c.kind, c.question, c.answer) for c in deck.cards] == [
        ("cloze", f"The {BLANK} holds the DNA.", "nucleus"),
        ("cloze", f"The nucleus holds the {BLANK}.", "DNA"),
    ]
    assert deck.cards[0].background == "The nucleus holds the DNA.\n\nIn eukaryotes."
    assert deck.cards[0].title == "Cells" and deck.questions == 2


def test_cloze_rows_in_a_csv_deck_need_no_answer_column() -> None:
    text = 'Text,Extra\n{{c1::Ottawa}} is the capital of Canada\n"{{c1::H}}, {{c2::He}}",first two\nq,a\n'
    deck = parse_deck_text(text, deck="t", source="t.csv", fmt="csv")
    assert deck.issues == []
    assert [(c.kind, c.question, c.answer, c.line) for c in deck.cards] == [
        ("cloze", f"{BLANK} is the capital of Canada", "Ottawa", 2),
        ("cloze", f"{BLANK}, He", "H", 3),
        ("cloze", f"H, {BLANK}", "He", 3),
        ("basic", "q", "a", 4),
    ]


def test_an_empty_deletion_is_reported() -> None:
    deck = parse_deck_text("{{c1::}} nothing\n", deck="t", source="t.csv", fmt="csv")
    assert [str(i) for i in deck.issues] == [
        "t.csv:1: cloze text has no deletion to ask ('{{c1::...}}')"
    ]
