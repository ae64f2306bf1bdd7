"""Guards: what an answer's text alone rules out, before any model looks at it.

Empty and "I don't know" answers score 0; instructions aimed at the grader cap below
`partial`; mentions, links and keyword bags cap below `correct`; each says why in `reasons`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.grading.injection import injection_found
from bot.core.grading.params import GraderParams
from bot.core.grading.points import dedupe_by_stem
from bot.core.limits import MAX_ANSWER_CHARS
from bot.core.words import (
    NEGATIONS,
    STOPWORDS,
    answer_sentences,
    content_words,
    is_negation,
    normalize_text,
    stem,
    words,
)

# An answer made only of the question's words is a copy when it also means the same thing;
# SemEval questions often spell out the options, so word overlap alone is not enough.
COPY_COSINE = 0.7
# Words that talk about the question rather than answer it.
_META_STEMS = frozenset({"question", "ask", "asks", "asked", "asking", "wonder"})
_MENTION = re.compile(r"@(?:everyone|here)\b|<@[!&]?\d+>|<#\d+>", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+|\b\S+\.(?:com|org|net|io|gg|ly|xyz)(?:/\S*)?\b", re.I)
_IDK = re.compile(
    r"^\W*(?:i\s+(?:really\s+)?(?:do\s*n[o']?t|dont|don’t)\s+know|idk|dunno|no\s+idea|not\s+sure|"
    r"i\s+have\s+no\s+(?:idea|clue)|no\s+clue|pass|skip|\?+|n/?a|nothing|i\s+forgot|"
    r"i\s+(?:can'?not|can’t|cant)\s+remember)\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Answer:
    """A cleaned answer and what the guards found in it."""

    text: str
    units: tuple[str, ...]
    stems: frozenset[str]
    content: tuple[str, ...]
    novel: tuple[str, ...]
    demoted: str
    negated: bool
    reasons: tuple[str, ...]
    cap: float  # the highest score the guards allow
    repeats_question: bool = False  # no word beyond the question's (confirmed by embedding)


def _stuffed(tokens: Sequence[str], raw: str) -> bool:
    """A bag of keywords rather than an explanation.

    Real answers may be terse lists of phrases ("constant pointer to constant data, ..."),
    so only three shapes count: words with next to no function words and no phrase breaks,
    a comma list of single words, or the same few words repeated over and over.
    """
    if len(tokens) < 5:
        return False
    share = sum(1 for t in tokens if t in STOPWORDS or t in NEGATIONS) / len(tokens)
    items = [words(part) for part in re.split(r"[,;\n]+", raw)]
    items = [item for item in items if item]
    bag = share < 0.08 and len(items) <= 2
    single_words = len(items) >= 5 and sum(len(i) for i in items) / len(items) <= 1.5
    content = [t for t in tokens if t not in STOPWORDS]
    grams = [tuple(content[k : k + 3]) for k in range(len(content) - 2)]
    looped = (
        bool(grams)
        and max(grams.count(g) for g in set(grams)) >= 3
        and len(set(content)) < 0.5 * len(content)
    )
    return bag or single_words or looped


def analyse_answer(question: str, answer: str, params: GraderParams, reference: str = "") -> Answer:
    """Clean an answer and apply the text-only guards (caps and reasons).

    A link the card itself names (in `question` or `reference`: "domain names such as
    example.com") is part of the answer, not a link to strip.
    """
    reasons: list[str] = []
    cap = 1.0
    below_correct = max(0.0, params.correct_at - 0.01)
    below_partial = max(0.0, params.partial_at - 0.01)
    text = normalize_text(answer)
    if len(text) > MAX_ANSWER_CHARS:
        text = text[:MAX_ANSWER_CHARS]
        reasons.append(f"only the first {MAX_ANSWER_CHARS} characters were graded")
    if injection_found(text):
        reasons.append("the answer contains instructions aimed at the grader; they were ignored")
        cap = min(cap, below_partial)
    if _MENTION.search(text):
        text = _MENTION.sub(" ", text)
        reasons.append("mentions (@everyone, @here, <@…>) are not part of an answer")
        cap = min(cap, below_correct)
    card = f"{question} {reference}".casefold()

    def named(link: re.Match[str]) -> bool:
        return link[0].casefold().rstrip(".,;:!?)") in card

    if not all(named(link) for link in _URL.finditer(text)):
        text = _URL.sub(lambda link: link[0] if named(link) else " ", text)
        reasons.append("links were removed: explain in your own words")
        cap = min(cap, below_correct)
    text = " ".join(text.split(" ")).strip()
    tokens = words(text)
    if not tokens:
        reasons.append("the answer is empty")
        return Answer("", (), frozenset(), (), (), "", False, tuple(reasons), 0.0)
    if _IDK.match(text):
        reasons.append("the answer says you don't know")
        return Answer("", (), frozenset(), (), (), "", False, tuple(reasons), 0.0)
    question_stems = frozenset(stem(w) for w in content_words(normalize_text(question)))
    content = tuple(t for t in tokens if t not in STOPWORDS and (len(t) > 1 or t.isdigit()))
    novel = dedupe_by_stem(content, question_stems)
    distinct = {stem(t) for t in content}
    # Only a near-total copy is ruled out here: real answers often reuse the question's words
    # ("Is X harder than Y?" "X is harder."); partial copies are left to the model's features.
    # A copy says nothing beyond the question and takes up most of it; an answer that restates
    # one of the options a long question spells out is not a copy.
    repeats_question = (
        len(distinct) >= 2
        and not [w for w in novel if stem(w) not in _META_STEMS]
        and len(distinct & question_stems) >= 0.6 * len(question_stems)
    )
    if _stuffed(tokens, text):
        reasons.append("the answer reads like a list of keywords, not an explanation")
        cap = min(cap, below_correct)
    units = tuple(answer_sentences(text))
    return Answer(
        text=text,
        units=units if len(units) > 1 else (),
        stems=frozenset(distinct),
        content=content,
        novel=novel,
        demoted=" ".join(t for t in tokens if stem(t) not in question_stems),
        negated=any(is_negation(t) for t in tokens),
        reasons=tuple(reasons),
        cap=cap,
        repeats_question=repeats_question,
    )
