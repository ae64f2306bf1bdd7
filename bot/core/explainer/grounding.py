"""The grounding check: which sentences of model output may reach a person.

A sentence is kept when it rests on the card (embedding cosine to some card sentence), does
not restate the learner's answer, and brings in no content word that only the learner's
answer used. A sentence may *quote* the learner, in quotation marks, to confirm or correct
them: the quote is then checked as the learner's own words (never as a fact), and the rest
of the sentence must carry the card's fact. A quote of a claim the card does not support is
kept only inside a correction (a sentence that says "not", "but", "instead", ... and states
the card's fact); a bare "You wrote '...'." frame is kept only when the next sentence is such
a correction. Nothing the model writes can call a wrong claim right: sentences that endorse
("correct", "you're right", ...) are kept only for quotes that match a point the grader
credited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from bot.core.grading import content_words, stem, words
from bot.core.ports import Embedder

SUPPORT_THRESHOLD = 0.65
"""Cosine (MiniLM) a generated sentence needs with some card sentence to count as grounded.

Calibrated on the default model's explanations of the seed-deck answer replay: every
sentence that came from the card scored 0.66 or more; those below 0.65 were outside
knowledge or the student's own claim (0.43-0.62).
"""
ECHO_MARGIN = 0.05
"""A sentence this much closer to the student's answer than to the card is an echo: dropped."""
RIGHT_THRESHOLD = 0.6
"""Cosine a quote needs with a credited key point to count as what the learner got right."""
MAX_QUOTE_CHARS = 160

_MARKER = re.compile(r"\[\s*card\s*:\s*([0-9a-fA-F]{4,16})\s*\]")
_MARKDOWN = re.compile(r"(\*\*|(?<!_)__(?!_)|`|^#+\s*)", re.MULTILINE)
# Double quotes of any style; single quotes only when they are not apostrophes.
_QUOTE = re.compile(r"[\"“”«»]([^\"“”«»]{2,400})[\"“”«»]|(?<!\w)['‘’]([^'‘’\n]{2,400}?)['‘’](?!\w)")
# Words addressed to the tutor rather than claims about the card: never quoted back.
_ADDRESSED = re.compile(
    r"\b(?:ignore|instructions?|prompt|system|admin|mode|pretend|repeat|grade|mark|score|"
    r"correct answer|you are|you're|tutor|bot)\b|[@<>#]",
    re.IGNORECASE,
)
_CONTRAST = frozenset(
    "not no never but however instead rather actually although though whereas while "
    "wrong incorrect mistaken mistake misconception confuses confused confusing "
    "isn't aren't doesn't don't didn't wasn't won't can't cannot nor neither".split()
)
_ENDORSE = re.compile(
    r"\b(?:correct(?:ly)?|right|true|accurate|exactly|spot on|well done|good job|great job|"
    r"nice work|good point|you got it|yes)\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(
    r"\b(?:not|n't|never|isn't|aren't|wasn't|hardly|quite)\s+(?:\w+\s+){0,2}$", re.IGNORECASE
)
_FRAME = frozenset(
    "said say says wrote write writes answered answer answers claimed claim claims "
    "mentioned mention stated state think thought suggested suggest described describe "
    "believe believed called call put told".split()
)

# A quote presented as the learner's ("you wrote", "your answer") must be their words.
_ATTRIBUTED = re.compile(
    r"\byou(?:'ve| have)?\s+(?:\w+\s+)?(?:wrote|said|answered|claimed|mentioned|stated|"
    r"suggested|described|called|put)\b|\byour answer\b",
    re.IGNORECASE,
)
_QUOTE_MARK = re.compile(r"[\"“”«»]")
# Plain corrections that name the card instead of a contrast word.
_CARD_SAYS = re.compile(
    r"\b(?:the card|the key point)s?\s+(?:says|states|explains|gives)\b|\bin fact\b", re.I
)
# Calling a quote wrong: never done to a quote of a point the grader credited.
_DENIES = re.compile(
    r"\bnot (?:what the card|right|correct|true|accurate|quite)|\b(?:wrong|incorrect|mistaken)\b|"
    r"\b(?:isn't|is not|aren't|are not|wasn't) (?:right|correct|true|accurate|what)\b",
    re.IGNORECASE,
)

_PRAISE = frozenset(
    "correct correctly right rightly true accurate accurately exactly good well great "
    "nice point got".split()
)

Why = Literal[
    "grounded",
    "quoted right",
    "correction",
    "frame",
    "ungrounded",
    "echo",
    "imported",
    "endorses",
    "empty",
    "misquoted",
    "denies credit",
    "unfinished",
]


def root(word: str) -> str:
    """Stem, then keep six letters: "contextual" and "contextualized" share a root."""
    return stem(word)[:6]


def roots(text: str) -> set[str]:
    """The content-word roots of `text`."""
    return {root(w) for w in content_words(text)}


def clean_output(sentence: str) -> str:
    """A model sentence without markdown emphasis or headings."""
    return _MARKDOWN.sub("", sentence).strip()


def endorses(text: str) -> bool:
    """Whether `text` calls something right ("correct", "you're right") without negating it."""
    return any(not _NEGATED.search(text[: m.start()]) for m in _ENDORSE.finditer(text))


def addressed(text: str) -> bool:
    """Whether `text` speaks to the tutor (instructions, mentions) rather than about the card."""
    return bool(_ADDRESSED.search(text))


def contrasts(text: str) -> bool:
    """Whether `text` marks a contrast or a negation (what a correction needs)."""
    return bool(_CONTRAST & set(words(text)))


@dataclass(frozen=True, slots=True)
class Verdict:
    """The check's decision about one sentence."""

    sentence: str
    kept: bool
    why: Why
    best: int = -1
    """Index of the support sentence it rests on (-1 when none)."""
    needs_next: bool = False
    """A quote frame: kept only if the next sentence is a correction (see `Checker.decide`)."""


@dataclass(slots=True)
class Support:
    """The card side of a check, embedded once per explanation."""

    sentences: list[str]
    vectors: npt.NDArray[np.float32]
    card_roots: set[str]
    learner: str = ""
    learner_vector: npt.NDArray[np.float32] | None = None
    learner_roots: set[str] = field(default_factory=set)
    right: list[str] = field(default_factory=list)
    right_vectors: npt.NDArray[np.float32] | None = None
    forbidden: set[str] = field(default_factory=set)
    """Roots that may not appear at all (a hint must not give its point away)."""
    threshold: float = SUPPORT_THRESHOLD

    @property
    def foreign(self) -> set[str]:
        """Roots only the learner's answer brought in."""
        return self.learner_roots - self.card_roots


class Checker:
    """Decides sentence by sentence; one `Support` per card and answer."""

    def __init__(self, embedder: Embedder, *, threshold: float = SUPPORT_THRESHOLD) -> None:
        self.embedder = embedder
        self.threshold = threshold

    def support(
        self,
        sentences: Sequence[str],
        learner: str = "",
        *,
        right: Sequence[str] = (),
        forbidden: set[str] | None = None,
        threshold: float | None = None,
    ) -> Support:
        """Embed the card sentences, the learner's answer and the credited points, once."""
        pieces = [s.strip() for s in sentences if s and s.strip()]
        extra = [learner] if learner.strip() else []
        rights = [r for r in right if r.strip()]
        vectors = self.embedder.embed([*pieces, *extra, *rights])
        n = len(pieces)
        card_roots = set().union(*(roots(p) for p in pieces)) if pieces else set()
        return Support(
            sentences=pieces,
            vectors=vectors[:n],
            card_roots=card_roots,
            learner=learner if extra else "",
            learner_vector=vectors[n] if extra else None,
            learner_roots=roots(learner) if extra else set(),
            right=rights,
            right_vectors=vectors[n + len(extra) :] if rights else None,
            forbidden=forbidden or set(),
            threshold=self.threshold if threshold is None else threshold,
        )

    # -- quotes ------------------------------------------------------------------------------

    @staticmethod
    def learner_quotes(sentence: str, support: Support) -> list[tuple[int, int, str]]:
        """Quoted spans of `sentence` that are the learner's own words: (start, end, text)."""
        if not support.learner:
            return []
        found: list[tuple[int, int, str]] = []
        for m in _QUOTE.finditer(sentence):
            text = (m.group(1) or m.group(2) or "").strip()
            own = roots(text)
            if (
                own
                and own <= support.learner_roots
                and len(text) <= MAX_QUOTE_CHARS
                and not addressed(text)
            ):
                found.append((m.start(), m.end(), text))
        return found

    def decide(
        self, sentences: Sequence[str], support: Support, *, final: bool = True
    ) -> list[Verdict]:
        """Check `sentences` in order (a frame's fate depends on the sentence after it)."""
        if not sentences:
            return []
        bare = [_MARKER.sub("", s).strip() or s for s in sentences]
        quotes = [self.learner_quotes(s, support) for s in bare]
        rests = [_without(s, q) for s, q in zip(bare, quotes, strict=True)]
        # The rest is embedded without its "you wrote that, but" frame: only the fact counts.
        texts = [*bare, *(_tail(r) for r in rests), *(t for q in quotes for _, _, t in q)]
        vectors = self.embedder.embed(texts) if support.sentences else None
        n = len(bare)
        verdicts: list[Verdict] = []
        offset = 2 * n
        for i, sentence in enumerate(sentences):
            qv = None
            if vectors is not None and quotes[i]:
                qv = vectors[offset : offset + len(quotes[i])]
            offset += len(quotes[i])
            if vectors is None:
                verdicts.append(Verdict(sentence, False, "ungrounded"))
                continue
            verdicts.append(
                self._one(
                    sentence, bare[i], rests[i], quotes[i], vectors[i], vectors[n + i], qv, support
                )
            )
        return resolve_frames(verdicts, final=final)

    def _one(
        self,
        sentence: str,
        bare: str,
        rest: str,
        quotes: list[tuple[int, int, str]],
        vector: npt.NDArray[np.float32],
        rest_vector: npt.NDArray[np.float32],
        quote_vectors: npt.NDArray[np.float32] | None,
        support: Support,
    ) -> Verdict:
        if not content_words(bare):
            return Verdict(sentence, False, "empty")
        if support.forbidden & roots(bare):
            return Verdict(sentence, False, "imported")
        sims = support.vectors @ vector
        j = int(np.argmax(sims))
        if not quotes:
            if _ATTRIBUTED.search(bare) and _QUOTE_MARK.search(bare):
                return Verdict(sentence, False, "misquoted", j)  # not their words
            grounded = float(sims[j])
            echo = (
                float(support.learner_vector @ vector)
                if support.learner_vector is not None
                else -1.0
            )
            if grounded < support.threshold:
                return Verdict(sentence, False, "ungrounded", j)
            if echo > grounded + ECHO_MARGIN:
                return Verdict(sentence, False, "echo", j)
            if support.foreign & roots(bare):
                return Verdict(sentence, False, "imported", j)
            if endorses(bare) and not support.right:
                return Verdict(sentence, False, "endorses", j)
            return Verdict(sentence, True, "grounded", j)
        # The sentence quotes the learner: the quotes are their words, the rest is ours.
        assert quote_vectors is not None
        right = all(self._is_right(v, support) for v in quote_vectors)
        rest_sims = support.vectors @ rest_vector
        k = int(np.argmax(rest_sims))
        if support.foreign & roots(rest):
            return Verdict(sentence, False, "imported", k)
        if right:
            # Confirming what they got right: the rest is a frame ("you rightly said ...")
            # or carries a card fact of its own; it never calls the credited quote wrong.
            if _DENIES.search(rest):
                return Verdict(sentence, False, "denies credit", k)
            if _is_frame(rest, allow_praise=True) or float(rest_sims[k]) >= support.threshold:
                return Verdict(sentence, True, "quoted right", j)
            return Verdict(sentence, False, "ungrounded", k)
        if endorses(rest):
            return Verdict(sentence, False, "endorses", k)
        if _is_frame(rest):
            return Verdict(sentence, False, "frame", k, needs_next=True)
        if float(rest_sims[k]) >= support.threshold and (
            contrasts(rest) or _CARD_SAYS.search(rest)
        ):
            return Verdict(sentence, True, "correction", k)
        return Verdict(sentence, False, "ungrounded", k)

    @staticmethod
    def _is_right(quote_vector: npt.NDArray[np.float32], support: Support) -> bool:
        if support.right_vectors is None:
            return False
        return float(np.max(support.right_vectors @ quote_vector)) >= RIGHT_THRESHOLD

    def check(
        self, text: str, sentences: Sequence[str], learner: str = ""
    ) -> tuple[list[str], list[str], list[int]]:
        """Split `text` into sentences; return (kept, dropped, index of best support per kept)."""
        from bot.core.text import split_sentences

        parts = [s for s in (clean_output(x) for x in split_sentences(text)) if s]
        if not parts:
            return [], [], []
        verdicts = self.decide(parts, self.support(sentences, learner))
        kept = [v.sentence for v in verdicts if v.kept]
        dropped = [v.sentence for v in verdicts if not v.kept]
        return kept, dropped, [v.best for v in verdicts if v.kept]


def _without(sentence: str, quotes: Sequence[tuple[int, int, str]]) -> str:
    """The sentence with each learner quote replaced by "that" (the part that must be ours)."""
    out: list[str] = []
    last = 0
    for start, end, _ in quotes:
        out.append(sentence[last:start])
        out.append("that")
        last = end
    out.append(sentence[last:])
    return " ".join("".join(out).split())


_TAIL = re.compile(r"[:;—]|\s-\s|,?\s+(?:but|however|instead|rather|whereas|actually)\b,?", re.I)


def _tail(rest: str) -> str:
    """What follows the last contrast or colon of a sentence that quoted the learner."""
    cuts = [m.end() for m in _TAIL.finditer(rest)]
    tail = rest[cuts[-1] :].strip() if cuts else ""
    return tail if len(content_words(tail)) >= 2 else rest


def _is_frame(rest: str, *, allow_praise: bool = False) -> bool:
    """Only "you said that" around the quote: no content of its own."""
    allowed = _FRAME | _PRAISE if allow_praise else _FRAME
    return set(content_words(rest)) <= allowed


def resolve_frames(verdicts: Sequence[Verdict], *, final: bool = True) -> list[Verdict]:
    """Keep a quote frame only when a correction follows it.

    With `final=False` a frame at the end stays undecided (`needs_next`): the caller holds it
    until the next sentence has been checked.
    """
    out = list(verdicts)
    for i, v in enumerate(out):
        if not v.needs_next:
            continue
        nxt = out[i + 1] if i + 1 < len(out) else None
        if nxt is None and not final:
            continue
        ok = nxt is not None and nxt.kept and contrasts(nxt.sentence) and not endorses(nxt.sentence)
        out[i] = Verdict(v.sentence, ok, "frame", v.best)
    return out
