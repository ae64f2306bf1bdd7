"""Measurement-only attacks on a card's reference: what issue 12 found passing as correct.

Written apart from the training rules in `perturb` (fixed, deterministic edits, other word
lists), and applied only to the seed deck, which no training or tuning step reads:

- `negation`: one negation per prose sentence ("is" → "is not", "can" → "cannot", a verb
  → "does not" + verb, "always" → "never"...), one variant per sentence it applies to;
- `reversal`: the whole reference, words in reverse order;
- `noun_swap`: the reference with its distinctive nouns (words the question does not give
  away) replaced by another card's distinctive words;
- `zero_width`: the negation and noun-swap variants with a zero-width space inside every
  longer word;
- `salad`: about 4,000 characters of the reference's and question's content words.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(`])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_STOP = frozenset(
    """the a an and or of to in on for with by from as at is are was were be been it its this
    that these those which who what how why when do does did can could will would should
    into than then there their they them each such not no also both you your we our using
    used use uses like more most other some any all very""".split()
)
_AUX = (
    (r"\bis\b", "is not"),
    (r"\bare\b", "are not"),
    (r"\bcan\b", "cannot"),
    (r"\bwill\b", "will not"),
    (r"\bdoes\b", "does not"),
    (r"\bhas\b", "does not have"),
    (r"\balways\b", "never"),
    (r"\ballows\b", "prevents"),
    (r"\ballow\b", "prevent"),
)
# Verbs that definitions and how-to answers use: "X involves Y", "vectors enable Y".
_VERB = re.compile(
    r"(?<![Tt]o )\b(involve|transform|create|process|capture|produce|generate|represent|contain|change|"
    r"remain|learn|predict|use|require|provide|enable|reveal|depend|work|aim|train|help|"
    r"compute|obtain|load|encode|reflect|allow|make)(s?)\b"
)
_YOU = re.compile(r"\byou (?:first )?(?:need to )?")
ZERO_WIDTH = "\u200b"


def prose(reference: str) -> str:
    """The reference without fenced code, whitespace folded."""
    return " ".join(_FENCE.sub(" ", reference).split())


def sentences(reference: str) -> list[str]:
    """Prose sentences of at least four words."""
    return [s for s in _SENTENCE.split(prose(reference)) if len(_WORD.findall(s)) >= 4]


def _negate_sentence(sentence: str) -> str | None:
    for pattern, replacement in _AUX:
        m = re.search(pattern, sentence)
        if m:
            return sentence[: m.start()] + replacement + sentence[m.end() :]
    m = _VERB.search(sentence)
    if m:
        aux = "does not" if m.group(2) else "do not"
        return sentence[: m.start()] + f"{aux} {m.group(1)}" + sentence[m.end() :]
    m = _YOU.search(sentence)
    if m:
        return sentence[: m.start()] + "you never " + sentence[m.end() :]
    return None


def negation(reference: str) -> list[str]:
    """One variant per sentence that can be negated: that sentence negated, the rest as is."""
    parts = sentences(reference)
    out = []
    for i, s in enumerate(parts):
        negated = _negate_sentence(s)
        if negated:
            out.append(" ".join([*parts[:i], negated, *parts[i + 1 :]]))
    return out


def reversal(reference: str) -> str:
    """The words of the reference's prose in reverse order."""
    return " ".join(reversed(prose(reference).split()))


def distinctive(question: str, reference: str) -> list[str]:
    """Content words of the reference the question does not contain, in order, once each."""
    asked = {w.lower() for w in _WORD.findall(question)}
    seen: dict[str, str] = {}
    for w in _WORD.findall(prose(reference)):
        key = w.lower()
        if key not in _STOP and key not in asked and len(key) > 3:
            seen.setdefault(key, w)
    return list(seen.values())


def noun_swap(question: str, reference: str, donor: str, count: int = 3) -> str | None:
    """Up to `count` distinctive words replaced by the donor card's distinctive words."""
    mine = distinctive(question, reference)[:count]
    theirs = [w for w in distinctive(question, donor) if w.lower() not in {m.lower() for m in mine}]
    if not mine or not theirs:
        return None
    text = prose(reference)
    for old, new in zip(mine, theirs, strict=False):
        text = re.sub(rf"\b{re.escape(old)}\b", new, text)
    return text


def zero_width(text: str) -> str:
    """A zero-width space after the second letter of every word of five letters or more."""
    return _WORD.sub(
        lambda m: (
            m.group(0)[:2] + ZERO_WIDTH + m.group(0)[2:] if len(m.group(0)) >= 5 else m.group(0)
        ),
        text,
    )


def salad(question: str, reference: str, chars: int = 4000, seed: int = 0) -> str:
    """Content words of reference and question, shuffled and repeated to about `chars`."""
    bag = [w for w in _WORD.findall(f"{prose(reference)} {question}") if w.lower() not in _STOP]
    rng = random.Random(seed)
    out: list[str] = []
    while bag and sum(len(w) + 1 for w in out) < chars:
        out.append(rng.choice(bag))
    return " ".join(out)


def families(cards: Sequence[tuple[str, str]]) -> dict[str, list[tuple[int, str]]]:
    """(card index, attack) per family, for (question, reference) cards."""
    out: dict[str, list[tuple[int, str]]] = {
        "negation": [],
        "reversal": [],
        "noun_swap": [],
        "zero_width": [],
        "salad": [],
    }
    for i, (q, ref) in enumerate(cards):
        for text in negation(ref):
            out["negation"].append((i, text))
            out["zero_width"].append((i, zero_width(text)))
        out["reversal"].append((i, reversal(ref)))
        donor = cards[(i + 1) % len(cards)][1]
        swapped = noun_swap(q, ref, donor)
        if swapped:
            out["noun_swap"].append((i, swapped))
            out["zero_width"].append((i, zero_width(swapped)))
        out["salad"].append((i, salad(q, ref, seed=i)))
    return out
