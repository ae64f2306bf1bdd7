"""Contradiction and scrambling: what makes a resembling answer false.

Embedding similarity cannot see "is" versus "is not", "dense" versus "sparse", "A feeds B"
versus "B feeds A", or the card's own words in random order: all of them look like the
reference. These checks compare one key point with the part of the answer that talks about
it, word by word:

- *negation*: a word the point asserts is negated in the answer, or the other way round
  ("not", "never", "no", "cannot", "isn't", "without", "rather than", "instead of");
- *antonym*: the answer has the opposite of one of the point's words (a general-English
  lexicon, `antonyms`; a trained cross-encoder judges the cases no word list has);
- *swap*: the words before and after a shared verb trade places (passives are let through);
- *scramble*: the answer reuses the reference's words but almost none of its word pairs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from bot.core.grading.antonyms import SYMMETRIC, opposites
from bot.core.words import NEGATIONS, STOPWORDS, is_negation, normalize_text, stem, words

# Multi-word negators are folded into one token before the scan.
_PHRASES = (
    (re.compile(r"\brather\s+than\b", re.I), " zzrather "),
    (re.compile(r"\binstead\s+of\b", re.I), " zzinstead "),
    (re.compile(r"\bnot\s+only\b", re.I), " also "),  # "not only X but Y" affirms X
    (re.compile(r"\bno\s+(?:longer|matter)\b", re.I), " "),
    (re.compile(r"\bregardless\s+of\b", re.I), " zzregardless "),
    # "with 0 marbles" says "with no marbles".
    (re.compile(r"\b(with|has|have|had|contains?)\s+(?:0|zero)\s+(?=[^\W\d_])", re.I), r" \1 no "),
    # Sentence-level negation: everything after it is denied.
    (
        re.compile(
            r"\b(?:(?:it\s+is|it's)\s+)?(?:not\s+(?:true|the\s+case)|false|untrue|wrong)"
            r"\s+that\b",
            re.I,
        ),
        " zzdeny ",
    ),
)
# Verbs that deny their object ("skip downloads", "block scripts") count as negators too;
# "unlike" does not: it contrasts two things without denying either.
_NEGATORS = frozenset(
    {"zzrather", "zzinstead", "without", "neither", "nor", "skip", "skips", "avoid", "avoids"}
    | {"prevent", "prevents", "prevented", "preventing", "block", "blocks", "blocked", "blocking"}
    | {"skipped", "skipping", "avoided", "avoiding"}
)
# Pronouns that are only ever subjects ("it" and "you" are objects too: "spend energy on it").
_SUBJECTS = frozenset({"i", "we", "he", "she", "they"})
_SCOPE = 3  # a negator governs the first content word within this many tokens after it
_BREAKS = frozenset({",", ";", ":", ".", "but", "while", "whereas", "although"})
_POSSESSIVE = re.compile(r"'s$")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[,;:.]")

# Function words whose denial is a claim. Not "one" ("one-hot"), nor particles ("up",
# "over"): they are rarely the thing denied.
_POLAR = frozenset(stem(w) for w in ("same", "all", "more", "before", "after", "above", "below"))
_NEGATION_STEMS = frozenset(stem(w) for w in NEGATIONS | _NEGATORS)


_CLAUSE = re.compile(
    r"[;:]\s+|,\s+(?=(?:and|but|while|whereas|so|which)\b)|\s+(?:while|whereas)\s+"
)


def clauses(text: str) -> list[str]:
    """`text` cut at semicolons, colons and clause-joining conjunctions."""
    return [c for c in (p.strip() for p in _CLAUSE.split(text)) if c]


@dataclass(frozen=True, slots=True)
class Claim:
    """One text's words as the checks need them: stems in order, and which are negated."""

    stems: tuple[str, ...]  # content stems in order (duplicates kept)
    negated: frozenset[str]  # stems governed by a negator
    anchors: tuple[tuple[str, str], ...]  # (negated stem, the content stem just before it)
    affirmed: frozenset[str]  # stems that occur at least once un-negated
    passive: bool  # "is ... by": an agent after the verb, so order may flip legitimately
    tokens: tuple[str, ...]  # every word, lower-cased, in order (for the scramble check)
    scopes: tuple[tuple[str, int], ...] = ()  # (negated stem, which negator governs it)
    denied: frozenset[str] = frozenset()  # stems of every word in a negator's scope, stop words too
    order: tuple[str, ...] = ()  # content stems and subject pronouns in order (the swap check)
    word_stems: tuple[str, ...] = ()  # the stem of every word, function words too, in order


def claim(text: str) -> Claim:
    """Analyse one sentence-sized text."""
    folded = normalize_text(text)
    for pattern, replacement in _PHRASES:
        folded = pattern.sub(replacement, folded)
    # A possessive is its noun: "each client's state" speaks of the client.
    raw = [_POSSESSIVE.sub("", t.casefold().replace("’", "'")) for t in _TOKEN.findall(folded)]
    # "No Fruity Cream cookies are not pure sugar": an opening "no" that is followed by
    # another negation answers a yes/no question (the comma after it is often left out).
    if raw[:1] == ["no"] and any(t in _NEGATORS or is_negation(t) for t in raw[1:]):
        raw = raw[1:]
    stems: list[str] = []
    scopes: list[tuple[str, int]] = []
    denied: set[str] = set()
    negators = 0
    negated: set[str] = set()
    affirmed: set[str] = set()
    anchors: list[tuple[str, str]] = []
    pending = 0  # tokens left in the current negator's scope
    for token in raw:
        if token in _BREAKS:
            pending = pending if pending > _SCOPE and token != "." else 0
            continue
        if token == "zzdeny":
            pending, negators = 10_000, negators + 1
            continue
        if token in _NEGATORS or is_negation(token):
            pending, negators = _SCOPE, negators + 1
            continue
        if pending:
            denied.add(stem(token))
        if token in STOPWORDS or (len(token) < 2 and not token.isdigit()):
            pending = max(0, pending - 1)
            continue
        s = stem(token)
        stems.append(s)
        if pending and not token.endswith("ly"):
            negated.add(s)
            scopes.append((s, negators))
            anchors.append((s, stems[-2] if len(stems) > 1 else ""))
            pending = pending if pending > _SCOPE else 0
        else:
            affirmed.add(s)
            pending = max(0, pending - 1)
    lowered = [t for t in raw if t not in _BREAKS]
    # Subject pronouns hold the subject's place: "They contain chlorophyll" is swapped by
    # "Chlorophyll … contain they" though no content word moved past the verb.
    order = [
        t if t in _SUBJECTS else stem(t)
        for t in lowered
        if t in _SUBJECTS
        or (
            not (t in STOPWORDS or t in _NEGATORS or is_negation(t) or t.startswith("zz"))
            and (len(t) > 1 or t.isdigit())
        )
    ]
    passive = any(
        a in ("is", "are", "was", "were", "be", "been", "being") and "by" in lowered[i + 1 : i + 5]
        for i, a in enumerate(lowered)
    )
    return Claim(
        tuple(stems),
        frozenset(negated),
        tuple(anchors),
        frozenset(affirmed),
        passive,
        tuple(lowered),
        tuple(scopes),
        frozenset(denied),
        tuple(order),
        tuple(stem(t) for t in lowered),
    )


def _anchored(negating: Claim, other: Claim, s: str) -> bool:
    """Whether `s` is said of the same thing on both sides: the content word just before the
    negated `s` also comes before `s` in the other text ("cookies are not pure sugar"
    does not deny "pure sugar is higher", where "pure" follows nothing about cookies)."""
    anchor = next((a for stem_, a in negating.anchors if stem_ == s), "")
    if not anchor:
        return True
    positions = [i for i, t in enumerate(other.stems) if t == s]
    return any(anchor in other.stems[:i] for i in positions)


def negation_conflicts(point: Claim, answer: Claim) -> list[str]:
    """Stems one side negates and the other asserts (and never negates), one per negator.

    Two negated statements about the same thing usually agree ("needs no energy" / "without
    spending energy"): then only a side that keeps all the other's negations and adds one
    conflicts. Either way the stem must be said of the same thing (`_anchored`). Stems
    governed by one negator ("it is not true that …") count once.
    """
    found: dict[tuple[bool, int], str] = {}

    def deny(negating: Claim, other: Claim, extra: frozenset[str], in_point: bool) -> None:
        scope = dict(negating.scopes)
        for s in other.stems:
            if s in extra and s in other.affirmed and _anchored(negating, other, s):
                found.setdefault((in_point, scope.get(s, 0)), s)

    if point.negated and answer.negated:
        if point.negated <= answer.negated:
            deny(answer, point, answer.negated - point.negated, False)
        elif answer.negated <= point.negated:
            deny(point, answer, point.negated - answer.negated, True)
        return list(found.values())
    deny(answer, point, answer.negated - point.negated, False)
    deny(point, answer, point.negated - answer.negated, True)
    return list(found.values())


def antonym_flips(point: Claim, answer: Claim) -> list[str]:
    """Opposites the answer uses in place of the point's words, unless the swap says the same.

    "not the same" is "different", so a flip where one side is negated agrees; so does a
    mirrored comparison ("particles too big for the holes" / "holes smaller than the
    particles": the words on either side of the opposite trade places).
    """
    # Every word counts here, function words too ("more" / "less", "all" / "none").
    ans = Counter(answer.word_stems)
    own = Counter(point.word_stems)
    flips: list[str] = []
    for s in own:
        if s in ans or s in _NEGATION_STEMS:
            continue
        for opposite in opposites(s):
            if ans[opposite] <= own[opposite] or opposite in _NEGATION_STEMS:
                continue  # "always" / "never" is a denial: `negation_conflicts` counts it
            if own[opposite] and not _in_place_of(point, answer, s, opposite):
                continue  # "dark absorbs heat" leaves out "lighter" of "darker than lighter"
            if (s in point.denied) != (opposite in answer.denied):
                continue
            if not _mirrored(point, answer, s, opposite):
                flips.append(opposite)
            break
    return flips


def _in_place_of(point: Claim, answer: Claim, s: str, opposite: str) -> bool:
    """Whether `opposite` follows, in the answer, every shared word that precedes `s` in
    the point: it stands where `s` stood (the point has `opposite` elsewhere too)."""
    if s not in point.stems:
        return True
    preceding = {t for t in point.stems[: point.stems.index(s)] if t != opposite}
    wanted = preceding & set(answer.stems)
    return any(wanted <= set(answer.stems[:i]) for i, t in enumerate(answer.stems) if t == opposite)


def _mirrored(point: Claim, answer: Claim, s: str, opposite: str) -> bool:
    """Whether the content words before and after `s` in the point come after and before
    `opposite` in the answer (at least one of each)."""
    if s not in point.stems or opposite not in answer.stems:
        return False
    at, there = point.stems.index(s), answer.stems.index(opposite)
    first: dict[str, int] = {}
    for i, t in enumerate(answer.stems):
        first.setdefault(t, i)
    before = [first[t] for t in point.stems[:at] if t in first and t != opposite]
    after = [first[t] for t in point.stems[at + 1 :] if t in first and t != opposite]
    return bool(before and after) and min(before) > there > max(after)


def disagreement(point: Claim, answer: Claim) -> str | None:
    """The word on which `answer` contradicts `point`, if it does.

    Denials and opposites are counted together: an odd number contradicts, an even number
    says the same thing again ("not the same" / "different"; "the longer the string, the
    lower the pitch" / "the shorter, the higher"). With neither, a swap of subject and object
    contradicts.
    """
    denials = negation_conflicts(point, answer)
    if not denials:
        # Function words with an opposite ("same", "all", "more") are not content words,
        # but denying one on one side only ("not the same" / "the same") is a denial too
        # (when the negator denied no content word: that denial is already counted).
        shared = _POLAR & set(point.word_stems) & set(answer.word_stems)
        denials = [w for w in shared if (w in point.denied) != (w in answer.denied)]
    flips = denials + antonym_flips(point, answer)
    if flips:
        return flips[0] if len(flips) % 2 else None
    return swap_conflict(point, answer)


def swap_conflict(point: Claim, answer: Claim) -> str | None:
    """A shared stem whose neighbours before and after it trade sides in the answer.

    Words the answer repeats are placed at their first and at their last use, and the swap
    must show both ways: "black absorbs heat and white reflects the heat" keeps "white
    reflects … heat" in order at the second "heat". Content words are compared, then content
    words with subject pronouns ("They contain chlorophyll" / "Chlorophyll … contain they").
    """
    if answer.passive or point.passive:
        return None
    return _swapped(point.stems, answer.stems) or _swapped(point.order, answer.order)


def _swapped(point_order: tuple[str, ...], answer_order: tuple[str, ...]) -> str | None:
    """The pivot of a swap between two word sequences, if there is one."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for i, s in enumerate(answer_order):
        first.setdefault(s, i)
        last[s] = i
    shared = [s for s in dict.fromkeys(point_order) if s in first]
    # Only a close restatement of the point can swap it; a paraphrase reorders freely.
    if len(shared) < 3 or len(shared) < 0.6 * len(set(point_order)):
        return None
    for k, pivot in enumerate(shared[1:-1], start=1):
        if pivot in SYMMETRIC:
            continue
        before, after = shared[:k], shared[k + 1 :]
        if all(
            all(place[t] > place[pivot] for t in before)
            and all(place[t] < place[pivot] for t in after)
            for place in (first, last)
        ):
            return pivot
    return None


def rotated(point: Claim, answer: Claim) -> bool:
    """The point's opening words (its subject and verb: up to four content words or subject
    pronouns, in any order) moved to the end of the answer, the rest in order ("Merge sort
    splits the list into halves" / "The list into halves splits merge sort"). Passives are
    let through ("The list is split into halves by merge sort")."""
    p, a = point.order, answer.order
    if point.passive or answer.passive or len(p) < 4 or len(a) != len(p):
        return False
    # At least two words stay in front (moving all of them is no move).
    # A symmetric verb among the moved words reads as a swap around it, and says the same.
    return a != p and any(
        sorted(a[-k:]) == sorted(p[:k]) and a[:-k] == p[k:] and not SYMMETRIC & set(p[:k])
        for k in range(1, min(5, len(p) - 1))
    )


def scrambled(reference: str, answer: str) -> bool:
    """The reference's words out of order, or a long salad of keywords strung together.

    Out of order: nearly every content word of the answer is the reference's, and nearly
    all of the reference's are there, yet few of the answer's word pairs are. (A short right
    answer reorders the card's clauses — "If it is iron it will stick" for "If the key
    sticks, the key is iron" — but leaves some of its words out.) A salad:
    several times the reference's length, with next to none of its word pairs.
    """
    ref_tokens = words(normalize_text(reference))
    ans_tokens = words(normalize_text(answer))
    if len(ans_tokens) < 6 or len(ref_tokens) < 6:
        return False
    ref_content = {t for t in ref_tokens if t not in STOPWORDS}
    content = [t for t in ans_tokens if t not in STOPWORDS]
    shared = sum(1 for t in content if t in ref_content) / max(1, len(content))
    ref_pairs = set(pairwise(ref_tokens))
    pairs = list(pairwise(ans_tokens))
    kept = sum(1 for p in pairs if p in ref_pairs) / len(pairs)
    recall = len(ref_content & set(content)) / max(1, len(ref_content))
    if shared >= 0.9 and recall >= 0.9 and kept < 0.3:
        return True
    return len(ans_tokens) >= max(60, 2.5 * len(ref_tokens)) and kept < 0.05


def conflicting_unit(
    index: int,
    point: str,
    units: Sequence[str],
    sims: npt.NDArray[np.float64],
    about_at: float,
    claim_of: Callable[[str], Claim] = claim,
) -> str | None:
    """The answer unit that contradicts key point `index`, if one talks about it and disagrees.

    A sentence of the answer speaks for the point it matches best, and for any point whose
    words it mostly repeats; the whole answer (unit 0) speaks for every point only when it
    is one sentence. Within them, clauses are compared with the clauses they share most
    words with, so "GET changes nothing; POST changes something" contradicts neither.
    """
    pc = claim_of(point)
    own = set(pc.stems)
    candidates = range(len(units)) if len(units) == 1 else range(1, len(units))
    for u in candidates:
        uc = claim_of(units[u])
        shared = len(own & set(uc.stems))
        restates = shared >= max(2.0, 0.6 * len(own))
        if len(units) > 1 and int(sims[:, u].argmax()) != index and not restates:
            continue
        if sims[index, u] < about_at and shared < max(2.0, 0.5 * len(own)):
            continue
        if rotated(pc, uc):
            return units[u]
        for p_clause in clauses(point):
            pcl = claim_of(p_clause)
            for u_clause in clauses(units[u]):
                ucl = claim_of(u_clause)
                common = len(set(pcl.stems) & set(ucl.stems))
                if common < max(2.0, 0.5 * min(len(set(pcl.stems)), len(set(ucl.stems)))):
                    continue
                if disagreement(pcl, ucl):
                    return units[u]
    return None
