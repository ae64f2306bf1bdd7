"""Key points: a reference answer split into the statements an answer is graded on.

Also what grading needs from one (question, reference) pair before anything is embedded:
the reference's content words that the question does not already give away, per point.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.words import (
    FENCE,
    content_words,
    is_negation,
    normalize_text,
    reference_sentences,
    stem,
    words,
)

_CLAUSE = re.compile(r";\s+|,\s+(?=(?:while|whereas|but)\b)")
# Examples illustrate the point before them rather than making one of their own.
_EXAMPLE = re.compile(r"^(?:for\s+(?:example|instance)|e\.g\.|so,\s+for|such\s+as)\b", re.I)
# "Here is an example:" just before a code block introduces the code; it is not a point.
_FENCE_INTRO = re.compile(r"[^\n]*:[ \t]*\n(?=[ \t]*```)")


def reference_prose(reference: str) -> str:
    """The reference without its fenced code (and the line that introduces the code)."""
    return FENCE.sub("\n\n", _FENCE_INTRO.sub("\n", reference))


def split_key_points(reference: str) -> list[str]:
    """Split a reference answer into key points: sentences, long ones into clauses.

    Fenced code blocks are left out when the reference also has prose (a typed answer
    rarely reproduces code); a code-only reference is one key point.
    """
    text = normalize_text(reference)
    prose = reference_prose(text).strip()
    if not content_words(prose):
        return [text] if text else []
    points: list[str] = []
    for sentence in reference_sentences(prose):
        parts = _CLAUSE.split(sentence) if len(sentence.split()) > 22 else [sentence]
        for part in parts:
            part = part.strip(" ,;")
            # A fragment too small to grade on its own joins the point before it.
            if points and (len(content_words(part)) < 2 or _EXAMPLE.match(part)):
                points[-1] = f"{points[-1]} {part}".strip()
            elif part:
                points.append(part)
    return points


@dataclass(frozen=True, slots=True)
class Reference:
    """What grading needs from one (question, reference) pair, before embedding."""

    question: str
    reference: str
    points: tuple[str, ...]
    question_stems: frozenset[str]
    stems: frozenset[str]
    novel: tuple[str, ...]  # reference content words the question does not give away
    point_words: tuple[tuple[int, ...], ...]  # per key point: indices into `novel`
    demoted: str
    negated: bool


def dedupe_by_stem(tokens: Iterable[str], drop: frozenset[str]) -> tuple[str, ...]:
    """Tokens in order, one per stem, leaving out the stems in `drop`."""
    seen: set[str] = set()
    out: list[str] = []
    for token in tokens:
        key = stem(token)
        if key not in drop and key not in seen:
            seen.add(key)
            out.append(token)
    return tuple(out)


def prepare_reference(question: str, reference: str) -> Reference:
    """Normalise a (question, reference) pair and find its key points and novel words."""
    q = normalize_text(question)
    r = normalize_text(reference)
    points = tuple(split_key_points(r))
    question_stems = frozenset(stem(w) for w in content_words(q))
    prose = FENCE.sub(" ", _FENCE_INTRO.sub("\n", r))
    ref_content = content_words(prose)
    novel = dedupe_by_stem(ref_content, question_stems) or dedupe_by_stem(ref_content, frozenset())
    demoted = " ".join(w for w in words(prose) if stem(w) not in question_stems)
    point_words = tuple(
        tuple(i for i, w in enumerate(novel) if stem(w) in {stem(t) for t in content_words(p)})
        for p in points
    )
    return Reference(
        question=q,
        reference=r,
        points=points,
        question_stems=question_stems,
        stems=frozenset(stem(w) for w in ref_content),
        novel=novel,
        point_words=point_words,
        demoted=demoted,
        negated=any(is_negation(w) for w in words(prose)),
    )
