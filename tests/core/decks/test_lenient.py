"""Seed-format decks as people write them: every question kept that can be, each leniency a
warning with its line, each skipped question a line and a reason (tests/data/decks/sloppy)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.decks import ParsedDeck, load_deck_file, parse_deck_bytes, parse_deck_text

SLOPPY = Path(__file__).resolve().parents[2] / "data" / "decks" / "sloppy"
_QUESTION_LINE = re.compile(r"^:p\b", re.M)


def md(text: str) -> ParsedDeck:
    return parse_deck_text(text, deck="d", source="d.md", fmt="md")


def test_the_sloppy_corpus_loads_every_question_it_can() -> None:
    asked = made = 0
    for path in sorted(SLOPPY.glob("*.md")):
        deck = load_deck_file(path)
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert deck.questions == len(_QUESTION_LINE.findall(text)), path.name
        asked += deck.questions
        made += len(deck.cards)
        # Every question that did not become a card has a line and a reason.
        assert len(deck.issues) == deck.skipped, path.name
        for issue in deck.issues:
            assert issue.line >= 1 and issue.reason and issue.source == str(path)
    # The corpus is written to hold every way of breaking a card; four cannot be saved:
    # two questions with no answer at all, and two cards with a bad byte in them.
    assert (asked, made) == (32, 28)


def test_closers_real_files_use() -> None:
    deck = load_deck_file(SLOPPY / "closers.md")
    assert deck.issues == []
    assert len(deck.cards) == 10
    assert all(not re.search(r"\?\?x|x\?\?|\?\?\?|^x\?$", c.answer, re.M) for c in deck.cards)
    assert [str(w).split(": ", 1)[1] for w in deck.warnings] == [
        "answer closed by '??x' instead of 'x??'",
        "answer closed by '???' instead of 'x??'",
        "answer closed by '???' instead of 'x??'",
        "answer closed by 'x?' instead of 'x??'",
        "answer not closed with 'x??'; it ends before the '---' on line 50",
        "answer not closed with 'x??'; it ends before the heading on line 56",
        "answer not closed with 'x??'; it ends before the end of the file",
    ]
    inline = next(c for c in deck.cards if c.title == "Closed on the answer line")
    assert (inline.question, inline.answer) == (
        "What does cosine similarity measure?",
        "The angle between two vectors, not their length.",
    )


def test_several_questions_in_one_card_share_title_and_background() -> None:
    deck = load_deck_file(SLOPPY / "several_questions.md")
    w2v = [c for c in deck.cards if c.title == "Word2vec"]
    assert [c.question for c in w2v] == [
        "What does the skip-gram model predict?",
        "What does CBOW predict?",
        "Which of the two is better for rare words?",
    ]
    assert len({c.background for c in w2v}) == 1 and w2v[0].background.startswith("Background")
    assert [c.line for c in w2v] == [3, 12, 17]
    negative = [c for c in deck.cards if c.title == "Negative sampling"]
    assert [c.answer for c in negative] == [
        'Training each positive pair against a few random "negative" words instead of the whole'
        " vocabulary.",
        "Each update touches only a handful of output vectors.",
    ]
    assert [str(i) for i in deck.issues] == [
        f"{SLOPPY / 'several_questions.md'}:37: card has no answer ('??x' ... 'x??' after ':p')"
    ]


def test_unclosed_fences_and_math_load() -> None:
    deck = load_deck_file(SLOPPY / "fences_and_math.md")
    assert deck.issues == [] and len(deck.cards) == 7
    loader = next(c for c in deck.cards if c.title == "An unclosed fence")
    assert loader.answer.startswith("```python\nfrom transformers")
    rule = next(c for c in deck.cards if c.title.startswith("A horizontal rule"))
    assert rule.answer == "Pre-training on a large corpus.\n\n---\n\nFine-tuning on a task."


def test_answer_without_its_opener() -> None:
    deck = load_deck_file(SLOPPY / "no_openers.md")
    assert [(c.question, c.answer[:20]) for c in deck.cards] == [
        ("What is perplexity?", "The exponential of t"),
        ("What is a language model?", "A model that gives t"),
        ("What is self-attention?", "Attention in which t"),
    ]


def test_a_bad_byte_costs_only_its_card() -> None:
    path = SLOPPY / "bad_bytes.md"
    deck = load_deck_file(path)
    assert [c.question for c in deck.cards] == ["What is UTF-8?", "What is a BOM?"]
    assert [str(i) for i in deck.issues] == [
        f"{path}:4: not UTF-8 text: invalid byte 0xe9 at offset 59 (save the deck as UTF-8)",
        f"{path}:22: NUL byte at offset 294",
    ]


def test_a_bad_byte_outside_any_card_is_a_warning() -> None:
    data = b"# Deck \xff\n\n#### A\n:p Q?\n??x\nA.\nx??\n"
    deck = parse_deck_bytes(data, filename="d.md")
    assert deck.issues == [] and [c.question for c in deck.cards] == ["Q?"]
    assert [str(w) for w in deck.warnings] == [
        "d.md:1: not UTF-8 text: invalid byte 0xff at offset 7 (save the deck as UTF-8);"
        " replaced (no card was on this line)"
    ]


@pytest.mark.parametrize("closer", ["??x", "???", "x?", "x??"])
def test_each_closer_ends_the_answer(closer: str) -> None:
    deck = md(f":p Q1?\n??x\nA1.\n{closer}\n:p Q2?\n??x\nA2.\nx??\n")
    assert [(c.question, c.answer) for c in deck.cards] == [("Q1?", "A1."), ("Q2?", "A2.")]
    assert deck.issues == []
    assert len(deck.warnings) == (0 if closer == "x??" else 1)


def test_a_closer_inside_a_code_block_is_code() -> None:
    deck = md(":p Q?\n??x\n```\n???\nx?\n```\nDone.\nx??\n")
    assert deck.issues == [] and deck.warnings == []
    assert deck.cards[0].answer == "```\n???\nx?\n```\nDone."


@pytest.mark.parametrize("closer", ["x???", "????", "x? "])
def test_more_closers_real_files_use(closer: str) -> None:
    deck = md(f":p Q1?\n??x\nA1.\n{closer}\n\n---\n:p Q2?\n??x\nA2.\nx??\n")
    assert [(c.question, c.answer) for c in deck.cards] == [("Q1?", "A1."), ("Q2?", "A2.")]
    assert [str(w).split(": ", 1)[1] for w in deck.warnings] == [
        f"answer closed by {closer.strip()!r} instead of 'x??'"
    ]


def test_an_unclosed_code_block_is_closed_at_the_end_of_its_answer() -> None:
    deck = md(":p Q?\n??x\nLike this:\n```python\nprint(1)\n\nx??\n\n---\n:p R?\n??x\nB.\nx??\n")
    assert [c.answer for c in deck.cards] == ["Like this:\n```python\nprint(1)\n```", "B."]
    assert [str(w) for w in deck.warnings] == [
        "d.md:4: code block not closed; closed with ``` after it"
    ]
