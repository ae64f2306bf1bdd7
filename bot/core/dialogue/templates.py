"""What the tutor says in a dialogue, built from the key point itself (no LLM needed).

Three turns per point, each giving away more (AutoTutor's hint → prompt → assertion):

- a **hint** points at the idea without its distinguishing words: the words of the point that
  the question and the card's title do not already give away. It quotes the opening words of
  the point up to its first distinguishing word, or names the part of the question the point
  is about; a hint that would contain a distinguishing word is never produced.
- a **prompt** is the point as a sentence with its key term blanked: the most specific
  distinguishing word (unique to this point, not a generic verb, the longest).
- an **assertion** states the point and cites the card.

A contradicted point opens with the learner's own words ("you said …"), the sentence of
their answer closest to the point.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.cards import Card
from bot.core.grading import content_words, stem, words
from bot.core.text import clip

BLANK = "_____"
MAX_PROMPT_WORDS = 32
"""A longer point is cut to the words around its blank, so the prompt stays one short line."""
MAX_LEAD_WORDS = 8
_GENERIC = frozenset(
    """allow allows allowing enable enables help helps helping make makes making use used
    using uses involve involves involving provide provides get gets like based mean means
    need needs first also well way ways thing things example examples instance""".split()
)
"""Distinguishing but unspecific words: poor blanks (a person cannot guess them)."""
_CONTRACTION = re.compile(r"['’](?:s|re|ve|ll|d|t|m)$")
_TOKEN = re.compile(r"\S+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD_RUN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def _stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}


def _content(word: str) -> bool:
    """A word that carries content; "it's" and "don't" are function words too."""
    bare = _CONTRACTION.sub("", word)
    return bool(content_words(bare))


def given_away(card: Card) -> set[str]:
    """Stems the person already sees: the question's and the title's content words."""
    return _stems(f"{card.question} {card.title}")


def distinguishing(point: str, card: Card) -> list[str]:
    """The point's content words the question and title do not give away, first use first."""
    seen = given_away(card)
    out: list[str] = []
    for word in content_words(point):
        if not _content(word):
            continue
        key = stem(word)
        if key not in seen:
            seen.add(key)
            out.append(word)
    return out


def key_term(point: str, card: Card, others: Sequence[str] = ()) -> str | None:
    """The word to blank in a prompt: specific to this point, not generic, the longest."""
    candidates = distinguishing(point, card)
    if not candidates:
        return None
    elsewhere = set().union(*(_stems(o) for o in others)) if others else set()

    def rank(item: tuple[int, str]) -> tuple[bool, bool, bool, int, int]:
        index, word = item
        return (
            not any(c.isalpha() for c in word),  # a number or code is a last resort
            word in _GENERIC,
            stem(word) in elsewhere,
            -len(word),
            index,
        )

    return min(enumerate(candidates), key=rank)[1]


def _lead(point: str, card: Card) -> str:
    """The opening words of the point, up to (not including) its first distinguishing word."""
    hidden = {stem(w) for w in distinguishing(point, card)}
    lead: list[str] = []
    for token in _TOKEN.findall(point):
        if any(stem(w) in hidden for w in words(token) if _content(w)):
            break
        lead.append(token)
        if len(lead) >= MAX_LEAD_WORDS:
            break
    text = " ".join(lead).rstrip(",;:")
    # A lead of function words alone ("In both …") still helps when it has two of them.
    return text if len(lead) >= 2 or any(_content(w) for w in words(text)) else ""


_ASPECTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:because|since|so that|in order to)\b", re.I), "Why is that so?"),
    (
        re.compile(r"\b(?:instead|rather than|whereas|unlike|than)\b", re.I),
        "What is it compared with?",
    ),
    (re.compile(r"\b(?:then|after|before|first)\b", re.I), "What happens, in order?"),
    (re.compile(r"\bby\s+\w+ing\b", re.I), "How is it done?"),
    (re.compile(r"\b(?:if|when|whenever|unless)\b", re.I), "When does it apply?"),
    (re.compile(r"\d"), "There is a number in it."),
    (
        re.compile(r"\b(?:for example|for instance|such as|e\.g\.)", re.I),
        "Can you give the example?",
    ),
)
"""What kind of idea a point is, told by its function words (never a distinguishing word)."""


def _aspect(point: str) -> str:
    for pattern, question in _ASPECTS:
        if pattern.search(point):
            return question
    return "What else does the card say?"


def hint(point: str, card: Card, *, quote: str | None = None, more: bool = True) -> str:
    """A nudge towards the point that does not contain its distinguishing words."""
    opener = (
        f"You said “{clip(quote, 160)}”, but that is not what the card says."
        if quote
        else ("There is more to it." if more else "Let's look at this one.")
    )
    lead = _lead(point, card)
    if lead:
        nudge = f"How does the card go on from “{lead} …”?"
    else:
        nudge = f"Think about the question again. {_aspect(point)}"
    hidden = {stem(w) for w in distinguishing(point, card)}
    # A quote of the learner may repeat the point's words: that is theirs, not a give-away.
    if _stems(nudge) & hidden:
        nudge = "Think about the question again. What else does the card say?"
    return f"{opener} {nudge}"


def prompt(point: str, card: Card, others: Sequence[str] = ()) -> tuple[str, str | None]:
    """(the prompt text, the blanked key term), or the point as a question when nothing can be blanked."""
    key = key_term(point, card, others)
    if key is None:
        return f"Complete the idea in your own words: “{point}” — what does it mean?", None
    target = stem(key)
    tokens = _TOKEN.findall(point)
    marked = [
        _WORD_RUN.sub(lambda m: BLANK if stem(m[0].casefold()) == target else m[0], t)
        for t in tokens
    ]
    first = next((i for i, t in enumerate(marked) if BLANK in t), None)
    if first is None:  # the term is written differently in the text: nothing to blank
        return f"Complete the idea in your own words: “{point}” — what does it mean?", None
    if len(marked) > MAX_PROMPT_WORDS:
        lo = max(0, first - MAX_PROMPT_WORDS // 2)
        hi = min(len(marked), lo + MAX_PROMPT_WORDS)
        lo = max(0, hi - MAX_PROMPT_WORDS)
        marked = (["…"] if lo else []) + marked[lo:hi] + (["…"] if hi < len(tokens) else [])
    sentence = " ".join(marked)
    return f"Fill in the blank: “{sentence}”", key


MAX_FILL_WORDS = 3
"""A reply of at most this many content words is a fill-in; a longer one is a statement."""
_NEGATION = frozenset("no not never none nothing without cannot isn't aren't doesn't don't".split())


def fills_blank(reply: str, key: str | None) -> bool:
    """Whether a reply to a prompt is a fill-in naming the blanked term (any form of the word).

    Only a short reply counts this way: a sentence that happens to use the term is a claim,
    judged against the point by the grader like any other reply.
    """
    if not key:
        return False
    said = words(reply)
    if len(content_words(reply)) > MAX_FILL_WORDS or _NEGATION & set(said):
        return False
    target = stem(key.casefold())
    return any(stem(w) == target for w in said)


def assertion(point: str, card: Card) -> str:
    """The point stated, with the card cited."""
    return f"Here it is. The card says: “{point}” [card:{card.card_id[:8]}]"


def confirmation(point: str) -> str:
    """What the tutor says when a reply covers the point."""
    return "Yes, that's it."


def not_yet(contradicted: bool) -> str:
    """What the tutor says when a reply does not cover the point."""
    return "That goes against the card." if contradicted else "Not quite."


def quote_of(answer: str, point: str) -> str:
    """The sentence of the learner's answer that shares most content with the point."""
    sentences = [s.strip() for s in _SENTENCE.split(answer.strip()) if s.strip()]
    if not sentences:
        return ""
    target = _stems(point)
    best = max(sentences, key=lambda s: (len(_stems(s) & target), -len(s)))
    return clip(" ".join(best.split()), 160)
