"""The second seed-format corpus (tests/data/decks/realistic): seven book decks written the way
generated decks go wrong in practice, committed before it was measured (docs/QUALITY.md § Deck
files). Every question becomes a card or is reported with its line and a reason, and no card
carries a piece of another card or of the markup."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.decks import load_deck_file

REALISTIC = Path(__file__).resolve().parents[2] / "data" / "decks" / "realistic"
_QUESTION_LINE = re.compile(r"^:p\b", re.M)
_MARKUP_LINE = re.compile(r"^\s*(?::p\b|#{4}\s|\?\?x|x\?+|\?{3,}|---\s*$)", re.M)
_FENCE_LINE = re.compile(r"^\s*```", re.M)


def test_every_question_is_a_card_or_has_a_line_and_a_reason() -> None:
    asked = made = 0
    reasons: list[str] = []
    for path in sorted(REALISTIC.glob("*.md")):
        deck = load_deck_file(path)
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert deck.questions == len(_QUESTION_LINE.findall(text)), path.name
        asked += deck.questions
        made += len(deck.cards)
        assert len(deck.issues) == deck.skipped, path.name
        for issue in deck.issues:
            assert issue.line >= 1 and issue.source == str(path)
            reasons.append(issue.reason.split(":")[0])
    # Only the cards with a byte that is not UTF-8 (or a NUL) are lost, as issue 14 asks.
    assert (asked, made) == (100, 97)
    assert sorted(reasons) == ["NUL byte at offset 2816", "not UTF-8 text", "not UTF-8 text"]


def test_no_card_holds_markup_or_another_card() -> None:
    for path in sorted(REALISTIC.glob("*.md")):
        for card in load_deck_file(path).cards:
            prose = re.sub(r"```.*?```", "", card.answer, flags=re.S)  # YAML's --- is code
            assert not _MARKUP_LINE.search(prose), (path.name, card.line, card.answer)
            assert card.question and card.answer.strip(), (path.name, card.line)
            assert "\n" not in card.question, (path.name, card.line)
            assert len(_FENCE_LINE.findall(card.answer)) % 2 == 0, (path.name, card.line)
            assert "\r" not in card.answer + card.question + card.background


def test_yaml_document_separators_stay_inside_their_code_block() -> None:
    deck = load_deck_file(REALISTIC / "kubernetes_deployments_part4.md")
    card = next(c for c in deck.cards if c.title == "Several Objects in One File")
    assert "\n---\napiVersion: apps/v1\n" in card.answer
    assert card.answer.endswith("`kubectl apply -f web.yaml` creates both.")
