"""What reading a deck produces: its cards, what was skipped and why, what was read leniently.

`DeckBuilder` is shared by every format: it validates a card's fields, skips duplicates and
cards on lines with undecodable bytes, and expands cloze deletions into one card each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.cards import GLOBAL_SCOPE, Card, CardKind
from bot.core.decks.cloze import cloze_cards, has_cloze
from bot.core.limits import MAX_CARD_ANSWER_CHARS, MAX_CARD_QUESTION_CHARS, MAX_CARD_TITLE_CHARS

MAX_DECK_BYTES = 10 * 1024 * 1024
"""Largest deck file we read; checked before the file is read into memory."""
MAX_BACKGROUND_CHARS = 8000


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """One problem found while reading a deck, located by 1-based line."""

    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass(slots=True)
class ParsedDeck:
    """The cards of one deck file plus everything that was wrong with it.

    `issues` lost something (a card skipped, a setting ignored); `warnings` are leniencies:
    the card was kept, read in a way its author may not have meant.
    `media` holds the images the cards show (file name -> bytes), from Anki packages.
    """

    name: str
    title: str
    source: str
    scope: str
    cards: list[Card] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)
    warnings: list[ParseIssue] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)
    questions: int = 0
    """Questions the file asked (cards made plus questions skipped), for `decks check`."""

    @property
    def ok(self) -> bool:
        """True when the file loaded without a single issue."""
        return not self.issues

    @property
    def deck_names(self) -> list[str]:
        """The decks this file fills: its own name, and an Anki package's deck paths."""
        return sorted({self.name, *(c.deck for c in self.cards)})

    @property
    def skipped(self) -> int:
        """Questions that did not become cards."""
        return max(0, self.questions - len(self.cards))


def failed(name: str, source: str, scope: str, line: int, reason: str) -> ParsedDeck:
    """A deck that could not be read at all: no cards, one issue."""
    return ParsedDeck(name, name, source, scope, [], [ParseIssue(source, line, reason)])


class DeckBuilder:
    """Collects cards and issues for one deck; validates fields and skips duplicate questions."""

    def __init__(
        self, *, deck: str, source: str, scope: str = GLOBAL_SCOPE, bad_lines: dict[int, str]
    ) -> None:
        self.deck = ParsedDeck(deck, deck, source, scope)
        self._lines: dict[str, int] = {}
        self._bad = bad_lines
        self._bad_used: set[int] = set()

    def issue(self, line: int, reason: str) -> None:
        """Record something that was lost."""
        self.deck.issues.append(ParseIssue(self.deck.source, max(line, 1), reason))

    def warn(self, line: int, reason: str) -> None:
        """Record a leniency (the card was kept)."""
        self.deck.warnings.append(ParseIssue(self.deck.source, max(line, 1), reason))

    def skip_question(self, line: int, reason: str) -> None:
        """A question that cannot become a card."""
        self.deck.questions += 1
        self.issue(line, reason)

    def card(
        self,
        line: int,
        question: str,
        answer: str,
        *,
        title: str = "",
        background: str = "",
        rating: int | None = None,
        end: int | None = None,
        deck: str | None = None,
        tags: tuple[str, ...] = (),
        media: tuple[str, ...] = (),
    ) -> None:
        """Add one card (several for a cloze text), or record why it cannot be used.

        `line`..`end` are the card's lines; a bad byte on one of them costs the card.
        """
        self.deck.questions += 1
        bad = next((n for n in range(line, (end or line) + 1) if n in self._bad), None)
        if bad is not None:
            self._bad_used.add(bad)
            self.issue(bad, self._bad[bad])
            return
        question, answer = question.strip(), answer.strip()
        title, background = title.strip(), background.strip()
        if has_cloze(question):
            made = cloze_cards(question, extra=answer)
            if not made:
                self.issue(line, "cloze text has no deletion to ask ('{{c1::...}}')")
                return
            self.deck.questions += len(made) - 1
            for cloze in made:
                self._add(
                    line,
                    cloze.question,
                    cloze.answer,
                    title=title,
                    background="\n\n".join(p for p in (background, cloze.context) if p),
                    rating=rating,
                    kind="cloze",
                    deck=deck,
                    tags=tags,
                    media=media,
                )
            return
        self._add(
            line,
            question,
            answer,
            title=title,
            background=background,
            rating=rating,
            deck=deck,
            tags=tags,
            media=media,
        )

    def _add(
        self,
        line: int,
        question: str,
        answer: str,
        *,
        title: str,
        background: str,
        rating: int | None,
        kind: CardKind = "basic",
        deck: str | None = None,
        tags: tuple[str, ...] = (),
        media: tuple[str, ...] = (),
    ) -> None:
        problem = field_problem(question, answer, title, background)
        if problem:
            self.issue(line, problem)
            return
        d = self.deck
        card = Card(
            deck or d.name,
            question,
            answer,
            title,
            background,
            rating,
            d.scope,
            d.source,
            line,
            kind=kind,
            tags=tags,
            media=media,
        )
        first = self._lines.get(card.card_id)
        if first is not None:
            self.issue(line, f"duplicate question (same card as line {first}); skipped")
        else:
            self._lines[card.card_id] = line
            d.cards.append(card)

    def unused_bad_lines(self) -> list[int]:
        """Lines with bad bytes outside every card (nothing was lost because of them)."""
        return sorted(set(self._bad) - self._bad_used)


def field_problem(question: str, answer: str, title: str, background: str) -> str:
    """Why these fields cannot make a card, or "" when they can."""
    if not question:
        return "empty question"
    if not answer:
        return "empty answer"
    for what, value, limit in (
        ("question", question, MAX_CARD_QUESTION_CHARS),
        ("answer", answer, MAX_CARD_ANSWER_CHARS),
        ("title", title, MAX_CARD_TITLE_CHARS),
        ("background", background, MAX_BACKGROUND_CHARS),
    ):
        if len(value) > limit:
            return f"{what} too long ({len(value)} chars, max {limit})"
    return ""
