"""What a set of deck files would load, and why anything would not: `flashtutor decks check`
and the exit status `flashtutor ingest` shares with it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.decks.model import ParsedDeck

ALL_LOADED, SOME_SKIPPED, NOTHING_LOADED = 0, 1, 2
"""Exit statuses: everything loaded; some cards (or files) were skipped; nothing loaded."""


@dataclass(frozen=True, slots=True)
class CheckSummary:
    """Totals over the files read."""

    files: int
    cards: int
    questions: int
    skipped: int
    issues: int
    warnings: int

    @property
    def exit_code(self) -> int:
        """0 when everything loaded, 1 when something was skipped, 2 when nothing loaded."""
        if self.cards == 0:
            return NOTHING_LOADED
        return SOME_SKIPPED if self.issues else ALL_LOADED

    @property
    def share_loaded(self) -> float:
        """Questions that became cards, 0..1 (1 when no question was asked)."""
        return 1.0 if self.questions == 0 else min(1.0, self.cards / self.questions)

    def line(self) -> str:
        """One line for a person."""
        share = f" ({self.share_loaded:.1%})" if self.questions else ""
        return (
            f"{self.files} deck file(s): {self.cards} card(s) from {self.questions} question(s)"
            f"{share}, {self.skipped} skipped, {self.issues} problem(s), {self.warnings} warning(s)"
        )


def summarize(decks: Sequence[ParsedDeck]) -> CheckSummary:
    """Totals of what `decks` loaded."""
    return CheckSummary(
        files=len(decks),
        cards=sum(len(d.cards) for d in decks),
        questions=sum(max(d.questions, len(d.cards)) for d in decks),
        skipped=sum(d.skipped for d in decks),
        issues=sum(len(d.issues) for d in decks),
        warnings=sum(len(d.warnings) for d in decks),
    )


def report_lines(deck: ParsedDeck) -> list[str]:
    """What went wrong in one file, `path:line: reason` each, problems before warnings."""
    return [f"skipped {i}" for i in deck.issues] + [f"warning {w}" for w in deck.warnings]
