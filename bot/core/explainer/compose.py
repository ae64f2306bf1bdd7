"""An explanation's sentences, built from the grader's verdicts; the model only finishes them.

`plan` turns the parts of the learner's answer (`learner.analyse`) into sentences in the
order the learner reads them: what was right, what was wrong, what was missing. The tutor
writes the start of each one, and that start carries the verdict, so the model can neither
call a wrong claim right nor skip the learner's words:

- right: the whole sentence is the tutor's (`You are right that "..."`): the grader
  credited it, there is nothing for a model to add;
- wrong: the tutor writes `You wrote "...", but the card says:` (or `; the card says:` for a
  claim the grader did not credit without finding it wrong) and the first words of the
  point that corrects it, and the model finishes the sentence with the card's fact (without
  those words a small model "corrects" a claim with any sentence of the card, even one that
  never names the subject);
- missing: the tutor writes `You left out this:` and the first words of the point, and the
  model finishes it (without those words a small model repeats a point it already gave, or
  stops at once).

What the model writes is checked like any model text (`grounding`); a sentence the check
refuses is replaced by its `template`, the same start finished with the card's own point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.core.explainer.learner import AnswerParts
from bot.core.text import clip

MAX_MODEL_SENTENCES = 3
"""Sentences the model finishes per explanation (each is one short request)."""
MAX_MISSING = 1
"""Missing points an explanation names (the result shown beside it lists every one)."""
MAX_POINT_CHARS = 300
PINNED_WORDS = 3
"""First words of a missing point the tutor writes, so the model finishes *that* point."""

Kind = Literal["right", "wrong", "missing"]

_END = re.compile(r"[.!?]$")


@dataclass(frozen=True, slots=True)
class Planned:
    """One sentence of an explanation: the tutor's start, and the sentence without a model."""

    kind: Kind
    lead: str
    """What the tutor writes; the model continues it (empty for a right part: nothing to add)."""
    template: str
    """The whole sentence when the model is not used or its ending fails the check."""
    point: str


def quote(text: str) -> str:
    """`text` in double quotes (its own double quotes made single), on one line."""
    return '"' + " ".join(text.replace('"', "'").split()) + '"'


def in_sentence(clause: str) -> str:
    """A clause as it reads inside a sentence: "Tokenization splits" -> "tokenization splits".

    A first word that is a name or an acronym ("DeBERTa", "CBOW", "I") keeps its capital.
    """
    text = clause.strip().rstrip(".")
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


def full_stop(sentence: str) -> str:
    """`sentence` ending with a full stop unless it already ends a sentence."""
    s = sentence.strip()
    return s if _END.search(s) else s + "."


def plan(parts: AnswerParts, *, max_model: int = MAX_MODEL_SENTENCES) -> list[Planned]:
    """The explanation's sentences: right (the tutor's), then wrong and missing (finished)."""
    out = [
        Planned(
            "right",
            "",
            f"You are right that {quote(in_sentence(c.quote))}.",
            c.point,
        )
        for c in parts.right
    ]
    model: list[Planned] = []
    for c in parts.wrong:
        joint = ", but" if c.refuted else ";"
        start = f"You wrote {quote(c.quote)}{joint} the card says:"
        model.append(_finished("wrong", start, c.point))
    for point in parts.missing[:MAX_MISSING]:
        model.append(_finished("missing", "You left out this:", point))
    return out + model[:max_model]


def pinned(point: str) -> list[str]:
    """The first words of `point` the tutor writes itself (none of a short point)."""
    words = point.split()
    return words[:PINNED_WORDS] if len(words) > 2 * PINNED_WORDS else []


def _finished(kind: Kind, start: str, point: str) -> Planned:
    """`start` and the first words of `point` (the model's part follows), or all of it."""
    lead = " ".join([start, *pinned(point)])
    return Planned(kind, lead, full_stop(f"{start} {clip(point, MAX_POINT_CHARS)}"), point)
