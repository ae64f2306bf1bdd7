from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.cards import Card, normalize_question
from bot.core.decks import (
    DECK_SUFFIXES,
    MAX_DECK_BYTES,
    ParsedDeck,
    ParseIssue,
    discover_deck_files,
    load_deck_file,
    parse_deck_bytes,
    parse_deck_text,
)

SEED = Path(__file__).resolve().parents[2] / "knowledge" / "000_75fa53af5a744319.txt"


def md(text: str, source: str = "deck.md") -> ParsedDeck:
    return parse_deck_text(text, deck="deck", source=source, fmt="md")


def block(title: str, question: str, answer: str, background: str = "") -> str:
    bg = f"{background}\n" if background else ""
    return f"#### {title}\n{bg}\n:p {question}\n??x\n{answer}\nx??\n"


def issues(deck: ParsedDeck) -> list[str]:
    return [str(i) for i in deck.issues]


# --- the real seed deck -----------------------------------------------------------------------


def test_seed_deck_parses_to_its_16_cards() -> None:
    deck = load_deck_file(SEED)
    assert deck.issues == [] and deck.ok
    assert deck.name == "000_75fa53af5a744319"
    assert deck.title.startswith("High-Quality Flashcards: 2A004---Hands-On-Large-Language")
    assert deck.title.endswith("(Part 6)")
    assert deck.source == str(SEED)
    assert len(deck.cards) == 16
    assert [c.rating for c in deck.cards] == [8] * 6 + [9] * 6 + [8] * 4
    assert deck.cards[0].title == "Tokenization and Token Embeddings Overview"
    assert deck.cards[0].question == "What is tokenization, and why is it important?"
    assert deck.cards[0].answer.startswith("Tokenization involves splitting a sequence")
    assert deck.cards[0].background.startswith("Background context explaining tokenization")
    assert deck.cards[6].title == "Text Embeddings for Sentences and Documents"
    assert deck.cards[-1].title == "Negative Sampling in Word2vec"
    assert deck.cards[-1].question == "What is negative sampling and how does it work?"
    # Each card's line is its title line in the file.
    lines = SEED.read_text(encoding="utf-8").split("\n")
    for card in deck.cards:
        assert lines[card.line - 1] == f"#### {card.title}"
        assert card.deck == deck.name and card.source == str(SEED)
    assert len({c.card_id for c in deck.cards}) == 16


def test_seed_answers_keep_their_code_fences_verbatim() -> None:
    deck = load_deck_file(SEED)
    coded = [c for c in deck.cards if "```" in c.answer]
    assert len(coded) == 8
    gen = next(c for c in deck.cards if c.title == "Generating Contextualized Embeddings with Code")
    assert "\n```python\nfrom transformers import AutoModel, AutoTokenizer\n" in gen.answer
    assert gen.answer.endswith("    print(tokenizer.decode(token))\n```")
    neg = deck.cards[-1]
    # Trailing spaces inside the code are part of the code.
    assert "    input_vector = model[word]\n    \n" in neg.answer
    for card in coded:
        assert card.answer.count("```") % 2 == 0
        assert "x??" not in card.answer and "??x" not in card.answer


# --- format details ---------------------------------------------------------------------------


def test_markers_inside_fenced_code_do_not_break_the_card() -> None:
    answer = (
        "Look:\n```text\n---\n??x\n:p not a question\n#### not a title\nwhat is x??\n```\nDone."
    )
    text = block("One", "First?", answer) + "---\n" + block("Two", "Second?", "Yes.")
    deck = md(text)
    assert issues(deck) == []
    assert [c.question for c in deck.cards] == ["First?", "Second?"]
    assert deck.cards[0].answer == answer
    assert deck.cards[1].line == 16


def test_fence_in_background_and_horizontal_rule_in_answer() -> None:
    background = "Context:\n~~~\n---\n~~~"
    answer = "Part one.\n\n---\n\nPart two."
    text = block("A", "Q1?", answer, background) + "\n---\n" + block("B", "Q2?", "A2.")
    deck = md(text)
    assert issues(deck) == []
    assert deck.cards[0].background == background
    assert deck.cards[0].answer == answer
    assert deck.cards[1].answer == "A2."


def test_unclosed_fence_in_answer_ends_with_the_answer() -> None:
    text = block("A", "Q1?", "```python\nx = 1") + "---\n" + block("B", "Q2?", "A2.")
    deck = md(text)
    assert issues(deck) == []
    # The fence is closed where the answer ends (Discord would show the backticks as text),
    # and said so as a warning with its line.
    assert deck.cards[0].answer == "```python\nx = 1\n```"
    assert ["code block not closed" in str(w) for w in deck.warnings] == [True]
    assert deck.cards[1].question == "Q2?"


def test_unclosed_fence_in_answer_does_not_pair_with_a_later_card() -> None:
    text = block("A", "Q1?", "```python\nx = 1") + "---\n" + block("B", "Q2?", "```\ny\n```")
    deck = md(text)
    assert issues(deck) == []
    assert [(c.question, c.answer) for c in deck.cards] == [
        ("Q1?", "```python\nx = 1\n```"),
        ("Q2?", "```\ny\n```"),
    ]
    assert ["code block not closed" in str(w) for w in deck.warnings] == [True]


def test_ratings_apply_to_the_cards_that_follow() -> None:
    text = (
        "# My deck\n\n**Rating threshold:** >= 8/10\n\n---\n"
        + block("A", "Q1?", "A1.")
        + "---\n**Rating: 7/10**\n\n"
        + block("B", "Q2?", "A2.")
        + "---\n"
        + block("C", "Q3?", "A3.")
        + "\n**Rating: 3/10**\n---\n"
        + block("D", "Q4?", "A4.")
    )
    deck = md(text)
    assert issues(deck) == []
    assert deck.title == "My deck"
    assert [c.rating for c in deck.cards] == [None, 7, 7, 3]


def test_title_defaults_to_the_deck_name_and_cards_may_omit_title() -> None:
    deck = md(":p Bare question?\n??x\nBare answer.\nx??\n:p Next?\n??x One-liner x??\n")
    assert issues(deck) == []
    assert deck.title == "deck"
    assert [(c.title, c.question, c.answer, c.line) for c in deck.cards] == [
        ("", "Bare question?", "Bare answer.", 1),
        ("", "Next?", "One-liner", 5),
    ]


def test_part_headers_between_cards_are_not_issues() -> None:
    text = block("A", "Q1?", "A1.") + "---\n# Part 7\n\n**Starting Chapter:** X\n---\n"
    text += block("B", "Q2?", "A2.")
    deck = md(text)
    assert issues(deck) == []
    assert len(deck.cards) == 2


def test_odd_unicode_is_cleaned_but_real_text_kept() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    question = "Wha\u200bt is cafe\u0301\u202e? " + family
    text = block("T\u0000itle", question, "Ans\ufeffwer \u4e2d\u6587") + "---\n"
    deck = md(text.replace("\n", "\r\n"))
    assert issues(deck) == []
    card = deck.cards[0]
    assert card.question == "What is caf\u00e9? " + family
    assert card.title == "Title"
    assert card.answer == "Answer \u4e2d\u6587"


# --- stable identity --------------------------------------------------------------------------


def test_card_ids_survive_whitespace_case_edits_and_reordering() -> None:
    blocks = [block(f"T{i}", f"What is thing number {i}?", f"Answer {i}.") for i in range(8)]
    before = md("---\n".join(blocks))
    edited = [b.replace("What is thing", "  what IS   thing") for b in blocks]
    random.Random(7).shuffle(edited)
    after = md("\n\n---\n\n".join(edited))
    assert issues(before) == issues(after) == []
    ids_before = {c.answer: c.card_id for c in before.cards}
    ids_after = {c.answer: c.card_id for c in after.cards}
    assert ids_before == ids_after
    assert len(set(ids_before.values())) == 8
    other = parse_deck_text("---\n".join(blocks), deck="deck", source="x", fmt="md", scope="42")
    assert {c.card_id for c in other.cards}.isdisjoint(ids_before.values())


# --- malformed cards: reported with path:line, the rest still loads ---------------------------


GOOD_BEFORE = block("Good one", "Good first?", "Fine.")  # lines 1-6
GOOD_AFTER = block("Good two", "Good last?", "Also fine.")


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (
            "#### No answer\n:p Where is it?\n",
            "10: card has no answer ('??x' ... 'x??' after ':p')",
        ),
        ("#### Empty q\n:p\n??x\nSomething.\nx??\n", "9: empty question"),
        ("#### Blank q\n:p    \n??x\nSomething.\nx??\n", "9: empty question"),
        (
            "#### No p\nSome text\n??x\nAnswer.\nx??\n",
            "11: card has no ':p' question before its '??x' answer",
        ),
        ("#### Title only\nJust background.\n", "9: card has no ':p' question"),
        ("#### Empty answer\n:p Has no answer text?\n??x\n\n   \nx??\n", "9: empty answer"),
        (
            "#### Long q\n:p " + "q" * 1001 + "?\n??x\nA.\nx??\n",
            "9: question too long (1002 chars, max 1000)",
        ),
        (
            "#### Long a\n:p Long answer?\n??x\n" + "a" * 8001 + "\nx??\n",
            "9: answer too long (8001 chars, max 8000)",
        ),
        (
            "#### Dup\n:p   GOOD   first?\n??x\nDuplicate.\nx??\n",
            "9: duplicate question (same card as line 1); skipped",
        ),
        ("#### Half\n:p Where is the start?\nx??\n", "11: 'x??' without an opening '??x'"),
        ("Loose text after the cards.\n", "9: text outside any card (no ':p' question)"),
        ("x??\n", "9: stray 'x??' outside any card"),
    ],
)
def test_malformed_card_is_reported_and_skipped(bad: str, expected: str) -> None:
    text = GOOD_BEFORE + "\n---\n" + bad + "\n---\n" + GOOD_AFTER
    deck = parse_deck_text(text, deck="d", source="decks/d.md", fmt="md")
    assert issues(deck) == [f"decks/d.md:{expected}"]
    assert [c.question for c in deck.cards] == ["Good first?", "Good last?"]


def test_unterminated_answer_without_separator_stops_at_next_question() -> None:
    # Issue 14 made this lenient: the first card is kept, with a warning (it was skipped).
    text = ":p First?\n??x\nnot closed\n:p Second?\n??x\nok\nx??\n"
    deck = md(text)
    assert issues(deck) == []
    assert [str(w) for w in deck.warnings] == [
        "deck.md:2: answer not closed with 'x??'; it ends before the next ':p' on line 4"
    ]
    assert [(c.question, c.answer, c.line) for c in deck.cards] == [
        ("First?", "not closed", 1),
        ("Second?", "ok", 4),
    ]


def test_rating_out_of_range_is_reported() -> None:
    deck = md("**Rating: 12/10**\n" + block("A", "Q?", "A."))
    assert issues(deck) == ["deck.md:1: rating out of range (12/10); ignored"]
    assert deck.cards[0].rating is None


# --- CSV / TSV / Anki -------------------------------------------------------------------------


def test_csv_with_header_quoted_multiline_fields_and_titles() -> None:
    text = (
        "Question,Answer,Title\n"
        '"What is 1,2?","A list,\nwith a newline",Numbers\n'
        'Plain?,"He said ""hi"""\n'
        "\n"
        "Only one column\n"
        "a,b,c,d\n"
        "Last?,Yes\n"
    )
    deck = parse_deck_text(text, deck="quiz", source="quiz.csv", fmt="csv")
    assert issues(deck) == [
        "quiz.csv:6: expected 2 or 3 columns (question, answer[, title]), got 1",
        "quiz.csv:7: expected 2 or 3 columns (question, answer[, title]), got 4"
        " (quote fields that contain the separator)",
    ]
    got = [(c.question, c.answer, c.title, c.line) for c in deck.cards]
    assert got == [
        ("What is 1,2?", "A list,\nwith a newline", "Numbers", 2),
        ("Plain?", 'He said "hi"', "", 4),
        ("Last?", "Yes", "", 8),
    ]
    assert all(c.deck == "quiz" and c.rating is None for c in deck.cards)


def test_csv_without_header_and_bad_quoting() -> None:
    text = 'q1,a1\n"q2"x,a2\nq3,a3\n"q4,a4\n'
    deck = parse_deck_text(text, deck="d", source="d.csv", fmt="csv")
    assert issues(deck) == [
        "d.csv:2: malformed CSV row: ',' expected after '\"'",
        "d.csv:4: malformed CSV row: unexpected end of data",
    ]
    assert [c.question for c in deck.cards] == ["q1", "q3"]


def test_anki_plain_text_export() -> None:
    text = (
        "#separator:tab\n"
        "#html:true\n"
        "#tags column:3\n"
        "What is <b>HTML</b>?\tLine one<br>Line two<div>Line &amp; three</div>\ttag1 tag2\n"
        '"Multi\nline?"\tx &lt; y&nbsp;[sound:a.mp3]<img src="a.png">\t\n'
        "What is <b>html</b>?\tDuplicate\ttag\n"
    )
    deck = parse_deck_bytes(text.encode("utf-8"), filename="anki export.txt.tsv")
    assert deck.name == "anki export.txt"
    assert issues(deck) == [
        "anki export.txt.tsv:7: duplicate question (same card as line 4); skipped"
    ]
    got = [(c.question, c.answer, c.title, c.line) for c in deck.cards]
    assert got == [
        ("What is HTML?", "Line one\nLine two\nLine & three", "", 4),
        ("Multi\nline?", "x < y", "", 5),
    ]


def test_anki_export_saved_as_txt_is_read_as_a_table(tmp_path: Path) -> None:
    path = tmp_path / "Basic.txt"
    path.write_text("#separator:tab\n#html:false\nCapital of France?\tParis\n", encoding="utf-8")
    deck = load_deck_file(path)
    assert deck.ok
    assert [(c.question, c.answer, c.line, c.deck) for c in deck.cards] == [
        ("Capital of France?", "Paris", 3, "Basic")
    ]


def test_tsv_keeps_html_without_the_directive_and_skips_comments() -> None:
    text = "# exported by hand\nfront\tback\n<b>tag</b> name?\t<br> is a line break\n"
    deck = parse_deck_text(text, deck="t", source="t.tab", fmt="tsv")
    assert issues(deck) == []
    assert [(c.question, c.answer, c.line) for c in deck.cards] == [
        ("<b>tag</b> name?", "<br> is a line break", 3)
    ]


# --- whole-file problems ----------------------------------------------------------------------


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "photo.md"
    path.write_bytes(b"#### t\n:p q\n\x89PNG\x00\x00\x01")
    deck = load_deck_file(path)
    assert issues(deck) == [f"{path}:3: binary file (NUL byte at offset 16), not a text deck"]
    assert deck.cards == [] and deck.name == "photo"


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes(block("Café", "Qué?", "Sí.").encode("latin-1"))
    deck = load_deck_file(path)
    assert issues(deck) == [
        f"{path}:1: not UTF-8 text: invalid byte 0xe9 at offset 8 (save the deck as UTF-8)"
    ]
    assert deck.cards == []
    bad = parse_deck_bytes(b"\xef\xbb\xbfq,a\nq2,\xff\n", filename="x.csv")
    assert issues(bad) == [
        "x.csv:2: not UTF-8 text: invalid byte 0xff at offset 10 (save the deck as UTF-8)"
    ]


def test_utf8_bom_and_utf16_are_decoded() -> None:
    text = block("T", "Q?", "A.")
    for data in (b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16")):
        deck = parse_deck_bytes(data, filename="uploads/bom.md")
        assert issues(deck) == [] and deck.cards[0].question == "Q?"
        assert deck.source == "bom.md" and deck.name == "bom"


def test_oversize_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:
        fh.truncate(MAX_DECK_BYTES + 1)  # sparse: no real disk or memory used
    deck = load_deck_file(path)
    expected = f"{path}:1: file too large ({MAX_DECK_BYTES + 1:,} bytes, max {MAX_DECK_BYTES:,})"
    assert issues(deck) == [expected]
    upload = parse_deck_bytes(b"q,a\n" * (MAX_DECK_BYTES // 4 + 1), filename="big.csv")
    assert [i.reason.split(" (")[0] for i in upload.issues] == ["file too large"]
    assert upload.cards == []


def test_empty_and_cardless_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.csv"
    blank.write_text(" \n\t\n")
    notes = tmp_path / "notes.md"
    notes.write_text("# Just notes\n\nNothing to quiz here.\n")
    assert issues(load_deck_file(empty)) == [f"{empty}:1: empty file"]
    assert issues(load_deck_file(blank)) == [f"{blank}:1: empty file"]
    assert issues(load_deck_file(notes)) == [
        f"{notes}:1: no cards found (expected ':p' question and '??x' ... 'x??' answer)"
    ]


def test_unknown_extension_and_unreadable_paths(tmp_path: Path) -> None:
    pdf = tmp_path / "slides.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    reason = (
        "unsupported deck file type '.pdf'"
        " (use .apkg, .colpkg, .csv, .markdown, .md, .tab, .tsv, .txt)"
    )
    assert issues(load_deck_file(pdf)) == [f"{pdf}:1: {reason}"]
    upload = parse_deck_bytes(b"x", filename="README")
    assert upload.issues[0].reason.startswith("unsupported deck file type '(none)'")
    missing = tmp_path / "gone.md"
    assert issues(load_deck_file(missing)) == [
        f"{missing}:1: cannot read file: No such file or directory"
    ]
    folder = tmp_path / "folder.md"
    folder.mkdir()
    assert issues(load_deck_file(folder)) == [f"{folder}:1: not a regular file"]
    assert issues(parse_deck_text("x", deck="d", source="s", fmt="pdf")) == [
        "s:1: unknown deck format 'pdf' (expected md, csv or tsv)"
    ]


def test_discover_deck_files(tmp_path: Path) -> None:
    for rel in [
        "b.md",
        "a.csv",
        "sub/deep/c.tsv",
        "sub/d.TXT",
        "sub/README.md",
        "readme.txt",
        ".DS_Store",
        ".hidden.md",
        ".git/e.md",
        "notes.pdf",
        "f.markdown",
        "g.tab",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    (tmp_path / "dir.md").mkdir()
    explicit = tmp_path / "notes.pdf"
    found = discover_deck_files([tmp_path, explicit, tmp_path / "b.md"])
    names = [p.relative_to(tmp_path).as_posix() for p in found]
    assert names == [
        "a.csv",
        "b.md",
        "f.markdown",
        "g.tab",
        "sub/d.TXT",
        "sub/deep/c.tsv",
        "notes.pdf",
    ]
    assert {".md", ".markdown", ".txt", ".csv", ".tsv", ".tab", ".apkg", ".colpkg"} == DECK_SUFFIXES


# --- properties -------------------------------------------------------------------------------

MARKERS = [
    "---",
    "??x",
    "x??",
    ":p",
    ":p Question?",
    "#### Title",
    "# Deck",
    "```",
    "```python",
    "~~~",
    "**Rating: 5/10**",
    "**Rating: 99/10**",
    "",
    "answer x??",
    '"quoted,field',
    "a,b,c",
    "q\ta",
    "#separator:tab",
    "#html:true",
    '#separator:"',
    "<br>&amp;",
]
soup = st.lists(st.one_of(st.sampled_from(MARKERS), st.text(max_size=12)), max_size=40).map(
    "\n".join
)


def assert_well_formed(deck: ParsedDeck) -> None:
    assert isinstance(deck, ParsedDeck)
    assert all(isinstance(c, Card) for c in deck.cards)
    assert all(isinstance(i, ParseIssue) and i.line >= 1 and i.reason for i in deck.issues)
    assert len({c.card_id for c in deck.cards}) == len(deck.cards)
    for card in deck.cards:
        assert card.question and len(card.question) <= 1000
        assert card.answer and len(card.answer) <= 8000
    assert deck.cards or deck.issues


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(), soup), fmt=st.sampled_from(["md", "csv", "tsv"]))
def test_any_text_parses_without_raising(text: str, fmt: str) -> None:
    assert_well_formed(parse_deck_text(text, deck="d", source="d", fmt=fmt))


@settings(max_examples=200, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.tuples(soup, st.sampled_from(["utf-8", "utf-16", "latin-1", "utf-8-sig"])).map(
            lambda t: t[0].encode(t[1], errors="replace")
        ),
    ),
    filename=st.sampled_from(["d.md", "d.csv", "d.tsv", "d.txt", "d.bin", ".csv", "a/b\\c.tab"]),
)
def test_any_bytes_parse_without_raising(data: bytes, filename: str) -> None:
    assert_well_formed(parse_deck_bytes(data, filename=filename))


def _nfc_stable(word: str) -> bool:
    return unicodedata.normalize("NFC", word) == word


letters = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=8).filter(_nfc_stable)
punct = st.sampled_from([".", ",", "?", "!", "(", ")", "'", '"', "#", "-", ":", "*", "`"])


def phrase(max_words: int) -> st.SearchStrategy[str]:
    """A line that starts with a letter, so it can never be read as a marker."""
    rest = st.lists(st.one_of(letters, punct), max_size=max_words)
    return st.tuples(letters, rest).map(lambda t: " ".join([t[0], *t[1]]))


def paragraph(max_lines: int) -> st.SearchStrategy[str]:
    return st.lists(phrase(6), min_size=1, max_size=max_lines).map("\n".join)


code_line = st.sampled_from(
    ["---", "??x", ":p inside code", "#### not a title", "**Rating: 1/10**", "# what is x??", ""]
)
code_block = st.lists(st.one_of(code_line, phrase(4)), max_size=5).map(
    lambda lines: "```python\n" + "\n".join(lines) + "\n```"
)
answers = st.tuples(
    paragraph(3), st.one_of(st.none(), code_block), st.one_of(st.none(), paragraph(2))
).map(lambda t: "\n\n".join(part for part in t if part is not None))
cards = st.fixed_dictionaries(
    {
        "title": st.lists(letters, min_size=1, max_size=5).map(" ".join),
        "background": st.one_of(st.just(""), paragraph(3)),
        "question": phrase(10),
        "answer": answers,
        "rating": st.integers(0, 10),
    }
)


def render(items: list[dict[str, object]]) -> str:
    out = ["# Generated deck\n\n**Rating threshold:** >= 8/10\n"]
    rating = None
    for item in items:
        head = ""
        if item["rating"] != rating:
            rating = item["rating"]
            head = f"\n**Rating: {rating}/10**\n\n"
        out.append(
            head
            + block(
                str(item["title"]),
                str(item["question"]),
                str(item["answer"]),
                str(item["background"]),
            )
        )
    return "---\n".join(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(
        cards, min_size=1, max_size=6, unique_by=lambda c: normalize_question(str(c["question"]))
    )
)
def test_rendered_cards_round_trip(items: list[dict[str, object]]) -> None:
    text = render(items)
    deck = md(text)
    assert issues(deck) == []
    assert deck.title == "Generated deck"
    got = [
        {
            "title": c.title,
            "background": c.background,
            "question": c.question,
            "answer": c.answer,
            "rating": c.rating,
        }
        for c in deck.cards
    ]
    assert got == items
    lines = text.split("\n")
    assert [lines[c.line - 1] for c in deck.cards] == [f"#### {i['title']}" for i in items]
