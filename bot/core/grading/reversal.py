"""Replies that turn their key point around: a direction reversed, two actors exchanged.

A short reply to one key point (the tutor's dialogue) often keeps every word of the point and
still says the opposite: "from low to high" for "from high to low", "the server sends a
request and the client answers" for the other way round, or the two halves of a contrast
given to each other's subject. Embedding similarity rates those as the point itself; these
rules compare the order of the words. Each returns the words that were turned around, or
None. (`contradiction.disagreement` holds the denial, opposite and whole-swap rules.)
"""

from __future__ import annotations

from bot.core.grading.antonyms import SYMMETRIC
from bot.core.grading.contradiction import Claim, claim, clauses
from bot.core.words import STOPWORDS, stem, words

# A direction: "from A to B", "A into B", "B from A" / "B out of A" (what is made of what).
_TO = frozenset({"to", "into", "toward", "towards", "onto"})
_INTO = frozenset({"into", "onto"})
_BREAKS = frozenset({"but", "while", "whereas", "so", "which", "that", "using", "with"})
# Words of place that a swap turns around ("smaller before it, larger after it").
_PLACES = frozenset(stem(w) for w in ("before", "after", "above", "below"))
_SPAN = 4  # content words on either side of a direction that name its ends
Ends = tuple[frozenset[str], frozenset[str]]


def _content(tokens: list[str]) -> list[str]:
    return [stem(t) for t in tokens if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]


def _tokens(text: str) -> list[list[str]]:
    """Lower-cased words, cut into stretches at punctuation (a direction stays inside one)."""
    pieces = text.replace(";", ",").replace(":", ",").split(",")
    return [span for span in (words(piece) for piece in pieces) if span]


def directions(text: str) -> list[Ends]:
    """The (source, target) content stems of each direction `text` states."""
    found: list[Ends] = []
    for span in _tokens(text):
        joined = [
            ("out_of" if t == "out" and span[i + 1 : i + 2] == ["of"] else t)
            for i, t in enumerate(span)
        ]
        for i, token in enumerate(joined):
            if token in ("from", "out_of"):
                rest = joined[i + 1 :]
                to = next((j for j, t in enumerate(rest) if t in _TO), None)
                if to is not None and token == "from":
                    source, target = _content(rest[:to])[-_SPAN:], _until_break(rest[to + 1 :])
                else:  # "builds glucose from carbon dioxide": the thing made comes first
                    source, target = _until_break(rest), _back_to_break(joined[:i])
                found.append(_ends(source, target))
            elif token in _INTO and "from" not in joined[:i]:
                found.append(_ends(_back_to_break(joined[:i]), _until_break(joined[i + 1 :])))
    return [(s, t) for s, t in found if s and t]


def _until_break(tokens: list[str]) -> list[str]:
    cut = next((j for j, t in enumerate(tokens) if t in _BREAKS), len(tokens))
    return _content(tokens[:cut])[:_SPAN]


def _back_to_break(tokens: list[str]) -> list[str]:
    cut = max((j + 1 for j, t in enumerate(tokens) if t in _BREAKS), default=0)
    return _content(tokens[cut:])[-_SPAN:]


def _ends(source: list[str], target: list[str]) -> Ends:
    # A word on both ends ("from a dilute solution to a concentrated solution") names neither.
    s, t = set(source), set(target)
    return frozenset(s - t), frozenset(t - s)


def reversed_direction(point: str, reply: str) -> str | None:
    """The reply's direction runs the other way from the point's (and none runs the same way).

    A direction is turned when more of its ends' words crossed over than stayed. A word at
    the source of both and at neither target is the frame, not an end: the span before
    "into" takes in the subject and the verb ("yeast turns sugar into alcohol")."""
    turned: str | None = None
    for source, target in directions(point):
        for r_source, r_target in directions(reply):
            frame = (source & r_source) - target - r_target
            straight = len((r_source & source) - frame) + len(r_target & target)
            crossed = len(r_source & target) + len(r_target & source)
            if straight > crossed:
                return None
            if crossed > straight and r_source & target and r_target & source:
                turned = turned or min(r_source & target)
    return turned


def exchanged(point: Claim, reply: Claim) -> str | None:
    """Two of the point's content words trade sides of a third that stays ("the client sends
    a request to the server" / "the server sends a request to the client"), while every other
    shared word keeps its place: a close restatement only, passives let through."""
    if point.passive or reply.passive:
        return None
    mine, theirs = _sequence(point), _sequence(reply)
    p = {s: i for i, s in reversed(list(enumerate(mine)))}  # first use of each word
    r = {s: i for i, s in reversed(list(enumerate(theirs)))}
    shared = sorted(set(p) & set(r), key=p.__getitem__)
    if len(shared) < 4 or len(shared) < 0.6 * len(r):
        return None
    for pivot in shared:
        if pivot in SYMMETRIC:  # "A fits B" says "B fits A"
            continue
        before = [s for s in shared if p[s] < p[pivot]]
        after = [s for s in shared if p[s] > p[pivot]]
        went_after = [s for s in before if r[s] > r[pivot]]
        went_before = [s for s in after if r[s] < r[pivot]]
        if len(went_after) == 1 and len(went_before) == 1:
            a, b = went_after[0], went_before[0]
            # Put back, the two leave the rest in the point's order (give or take one pair):
            # clauses given in the other order move their words with their subjects.
            back = {**r, a: r[b], b: r[a]}
            if _inversions([back[s] for s in shared]) <= 1:
                return f"{a}/{b}"
    return None


def _inversions(places: list[int]) -> int:
    return sum(1 for i, x in enumerate(places) for y in places[i + 1 :] if y < x)


def _sequence(claim_: Claim) -> list[str]:
    """Content stems and words of place, in order."""
    content = set(claim_.stems)
    return [w for w in claim_.word_stems if w in content or w in _PLACES]


def _subject(claim_: Claim) -> str:
    return claim_.stems[0] if claim_.stems else ""


def traded_predicates(point: str, reply: str) -> str | None:
    """Two clauses of the point with different subjects, and a clause of the reply that gives
    one subject what the point says only of the other ("Respiration happens in every cell;
    photosynthesis only in green ones" / "Photosynthesis happens in every cell")."""
    mine = [claim(c) for c in clauses(point)]
    theirs = [claim(c) for c in clauses(reply)]
    subjects = {_subject(c) for c in theirs}
    for a in mine:
        for b in mine:
            sa, sb = _subject(a), _subject(b)
            if not sa or not sb or sa == sb or sb not in subjects:
                continue
            only_a = set(a.stems) - set(b.stems) - {sa, sb}
            only_b = set(b.stems) - set(a.stems) - {sa, sb}
            for c in theirs:
                if _subject(c) != sa or sb in c.stems:
                    continue
                said = set(c.stems[1:])
                if len(said & only_b) > len(said & only_a) and said & only_b:
                    return sa
    return None
