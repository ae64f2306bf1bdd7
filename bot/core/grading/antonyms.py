"""Word lists for the contradiction rules: a general-English lexicon of antonym pairs, and
the symmetric predicates, stemmed.

A word list sees "dense" / "sparse" and "increase" / "decrease"; it cannot see opposites it
does not list (the trained cross-encoder was measured for those, docs/QUALITY.md).
"""

from __future__ import annotations

import re

from bot.core.words import stem

_ANTONYM_PAIRS = """increase decrease|increases decreases|increased decreased|increasing decreasing
    more less|larger smaller|large small|bigger smaller|big small|high low|higher lower
    first last|before after|earlier later|single multiple|one many|dense sparse|same different
    constant changing|fixed variable|static dynamic|positive negative|correct incorrect
    right wrong|true false|better worse|best worst|input output|inside outside|internal external
    add remove|adds removes|always never|entire partial|whole partial|easier harder|easy hard
    faster slower|fast slow|expensive cheap|cheaper costlier|random deterministic
    central peripheral|reduce increase|reduces increases|similar dissimilar|all none
    strong weak|hot cold|warm cold|absorb release|absorbs releases|gain lose|gains loses
    upper lower|maximum minimum|max min|enter leave|enters leaves|import export|open closed
    start end|begin end|beginning end|top bottom|left right|push pull|send receive
    sends receives|client server|encrypt decrypt|encrypted unencrypted|safe unsafe
    secure insecure|valid invalid|legal illegal|possible impossible|likely unlikely
    stable unstable|visible invisible|known unknown|common rare|frequent rare|often rarely
    success failure|succeed fail|succeeds fails|accept reject|accepts rejects|allow forbid
    allows forbids|allow prevent|allows prevents|enable disable|enables disables|include exclude
    includes excludes|inclusive exclusive|maximize minimize|maximizes minimizes|rise fall
    rises falls|above below|over under|up down|forward backward|forwards backwards|early late
    long short|longer shorter|wide narrow|thick thin|heavy light|full empty|present absent
    active passive|living dead|alive dead|natural artificial|ancient modern|old new|older newer
    young old|cause effect|parent child|predecessor successor|previous next|ascending descending
    mutable immutable|synchronous asynchronous|sync async|local global|local remote
    public private|explicit implicit|supervised unsupervised|lossless lossy|linear nonlinear
    sequential parallel|serial parallel|concrete abstract|general specific|generic specific
    upstream downstream|inbound outbound|acid base|acidic basic|anode cathode|oxidation reduction
    oxidize reduce|plus minus|sum difference|multiply divide|numerator denominator
    farther closer|farther nearer|further closer|far near|tight loose|tighter looser
    most least|hardest softest|harder softer|horizontal vertical|north south|east west
    summer winter|day night|light dark|male female
    win lose|buy sell|lend borrow|import export|attract repel|attracts repels|expand contract
    expands contracts|contraction expansion|compress decompress|concentrated dilute|higher lower
    dilute concentrated|soluble insoluble|permeable impermeable|conductor insulator
    largest smallest|biggest smallest|highest lowest|longest shortest|fastest slowest
    earliest latest|easiest hardest|oldest newest|widest narrowest|strongest weakest"""
ANTONYMS: dict[str, frozenset[str]] = {}
"""Each stem's opposites (both directions)."""
for _pair in re.split(r"[|\n]", _ANTONYM_PAIRS):
    _parts = _pair.split()
    if len(_parts) == 2:
        _a, _b = stem(_parts[0]), stem(_parts[1])
        ANTONYMS[_a] = ANTONYMS.get(_a, frozenset()) | {_b}
        ANTONYMS[_b] = ANTONYMS.get(_b, frozenset()) | {_a}

# Symmetric predicates: "A fits B" says "B fits A", so trading places around one is no swap.
SYMMETRIC = frozenset(
    stem(w)
    for w in "fit fits match matches equal equals resemble resembles meet meets touch touches "
    "join joins connect connects collide collides intersect intersects overlap overlaps "
    "correspond corresponds interact interacts bond bonds differ differs similar identical "
    "equivalent adjacent".split()
)


def opposites(word_stem: str) -> frozenset[str]:
    """The stem's opposites: the lexicon's, and "-ful" / "-less" ("stateful" / "stateless")."""
    found = ANTONYMS.get(word_stem, frozenset())
    if word_stem.endswith("ful") and len(word_stem) > 5:
        found |= {word_stem[:-3] + "les"}
    elif word_stem.endswith("les") and len(word_stem) > 5:
        found |= {word_stem[:-3] + "ful"}
    return found
