"""Cloze deletions (`{{c1::text}}`, `{{c1::text::hint}}`): one card per deletion number.

The question is the text with that number's deletions blanked (`[…]`, or `[hint]`) and the
others filled in; the answer is the deleted text; the whole text, filled in, is the card's
context, so grading and explanations see the sentence and not just the missing words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BLANK = "[…]"
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)


@dataclass(frozen=True, slots=True)
class Cloze:
    """One cloze card: the blanked question, the deleted text, the text filled in."""

    ordinal: int
    question: str
    answer: str
    context: str


def has_cloze(text: str) -> bool:
    """Does `text` contain a cloze deletion?"""
    return _CLOZE.search(text) is not None


def fill(text: str) -> str:
    """The text with every deletion filled in (what the note says)."""
    return _CLOZE.sub(lambda m: m.group(2), text)


def cloze_cards(text: str, *, extra: str = "") -> list[Cloze]:
    """One card per deletion number, in number order; [] when a number deletes only blanks."""
    ordinals = sorted({int(m.group(1)) for m in _CLOZE.finditer(text)})
    filled = fill(text).strip()
    context = "\n\n".join(p for p in (filled, extra.strip()) if p)
    out = []
    for n in ordinals:
        deleted: list[str] = []

        def blank(m: re.Match[str], n: int = n, deleted: list[str] = deleted) -> str:
            if int(m.group(1)) != n:
                return m.group(2)
            deleted.append(m.group(2).strip())
            hint = (m.group(3) or "").strip()
            return f"[{hint}]" if hint else BLANK

        question = _CLOZE.sub(blank, text).strip()
        answer = " … ".join(d for d in deleted if d)
        if answer:
            out.append(Cloze(n, question, answer, context))
    return out
