"""Adversarial answer families: rewrites of a reference that must never be graded `correct`.

Each family takes a card's reference (and, for substitutions, the other cards of its deck)
and returns answers that *resemble* the reference but are false or meaningless:

- `negation`: one key point negated ("not", "never", "cannot", "isn't", "no", "rather
  than"), the other points left intact — the hardest case, two thirds of a right answer;
- `antonym`: a key term replaced by its opposite ("dense" → "sparse");
- `swap`: a point's subject and object exchanged around its (lexical, not copula) verb;
- `reversal` and `shuffle`: the reference's words in reverse or random order;
- `noun_swap`: content words replaced by content words of other cards of the deck;
- `zero_width`: the noun swap and the negation with zero-width characters inside words;
- `salad`: about 4,000 characters of the card's and the deck's keywords.

The generators are deterministic (seeded by the reference). They were written before any
grader tuning; applied to the seed deck they are a test set, applied to the tuning decks
(`bot/eval/grading/decks/`) and SemEval training references they make tuning negatives.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Sequence

from bot.core.grading import content_words, split_key_points

FAMILIES = (
    "negation",
    "antonym",
    "swap",
    "reversal",
    "shuffle",
    "noun_swap",
    "zero_width",
    "salad",
)

_TOKEN = re.compile(r"\S+")
_AUX = {
    "is": ("is not", "isn't", "is never"),
    "are": ("are not", "aren't", "are never"),
    "was": ("was not", "wasn't", "was never"),
    "were": ("were not", "weren't", "were never"),
    "can": ("cannot", "can never", "can't"),
    "will": ("will not", "won't", "will never"),
    "does": ("does not", "doesn't", "never"),
    "do": ("do not", "don't", "never"),
    "has": ("has not", "hasn't", "has never"),
    "have": ("have not", "haven't", "have never"),
    "should": ("should not", "shouldn't", "should never"),
    "must": ("must not", "mustn't", "must never"),
}
# Lexical verbs, base form: the generator negates the first one it finds when a point has no
# auxiliary ("X transforms Y" -> "X does not transform Y").
_VERBS = """allow assign become break calculate capture carry cause change combine compare compute
    contain convert create cut decrease define depend describe determine divide enable encode
    extract feed find form generate give help hold improve include increase involve keep learn
    let load lose make map mean measure move need obtain output pass predict prevent process
    produce protect provide reduce reflect release remain remove replace represent require
    return reveal run sample send separate show split store take tell train transform turn use
    work""".split()
ANTONYMS: dict[str, str] = {}
for _a, _b in (
    ("increase", "decrease"), ("increases", "decreases"), ("more", "less"), ("larger", "smaller"),
    ("large", "small"), ("high", "low"), ("higher", "lower"), ("first", "last"),
    ("before", "after"), ("single", "multiple"), ("dense", "sparse"), ("same", "different"),
    ("constant", "changing"), ("positive", "negative"), ("correct", "incorrect"),
    ("better", "worse"), ("input", "output"), ("inside", "outside"), ("add", "remove"),
    ("always", "never"), ("entire", "partial"), ("easier", "harder"), ("faster", "slower"),
    ("expensive", "cheap"), ("random", "fixed"), ("central", "peripheral"), ("static", "dynamic"),
    ("reduce", "increase"), ("true", "false"), ("similar", "dissimilar"), ("all", "none"),
    ("strong", "weak"), ("hot", "cold"), ("absorb", "release"), ("absorbs", "releases"),
    ("gain", "lose"), ("gains", "loses"), ("upper", "lower"), ("maximum", "minimum"),
):  # fmt: skip
    ANTONYMS.setdefault(_a, _b)
    ANTONYMS.setdefault(_b, _a)
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\u00ad")


def _rng(*parts: str) -> random.Random:
    return random.Random(zlib.crc32("\x1f".join(parts).encode("utf-8")))


def _verb_forms(word: str) -> str | None:
    """The base form when `word` is an inflected lexical verb of `_VERBS` (3rd person, past)."""
    lower = word.lower()
    for base in _VERBS:
        if lower in (base, base + "s", base + "es", base[:-1] + "ies", base + "ed", base + "d"):
            return base
    return None


def _negate(point: str, style: int) -> str | None:
    """`point` with its first auxiliary or lexical verb negated, in one of three styles."""
    tokens = point.split(" ")
    for i, token in enumerate(tokens):
        bare = token.lower().strip(",.;:")
        # An already negated verb is flipped by dropping its negation ("should not change"
        # -> "should change"), never by doubling it.
        if i and bare in _AUX and i + 1 < len(tokens) and tokens[i + 1].lower() == "not":
            return " ".join([*tokens[: i + 1], *tokens[i + 2 :]])
        if i and bare in ("doesn't", "don't", "isn't", "aren't", "cannot", "can't"):
            flipped = {"doesn't": "does", "don't": "do", "isn't": "is", "aren't": "are"}
            tokens[i] = flipped.get(bare, "can") + token[len(bare) :]
            return " ".join(tokens)
        if i and bare in _AUX:
            tokens[i] = _AUX[bare][style % 3] + token[len(bare) :]
            return " ".join(tokens)
    for i, token in enumerate(tokens):
        bare = token.lower().strip(",.;:")
        base = _verb_forms(bare) if i else None
        if base is None:
            continue
        trail = token[len(bare) :]
        if style % 3 == 1:
            tokens[i] = f"never {token}"
        elif bare.endswith("ed") or (bare.endswith("d") and not bare.endswith("es")):
            tokens[i] = f"did not {base}{trail}"
        else:
            aux = "does" if bare.endswith("s") else "do"
            tokens[i] = f"{aux} not {base}{trail}"
        return " ".join(tokens)
    return None


def negations(reference: str) -> list[str]:
    """One answer per key point: the reference with that point negated, the rest intact."""
    points = split_key_points(reference)
    out: list[str] = []
    for k, point in enumerate(points):
        negated = _negate(point, k)
        if negated is None:
            # No verb found: a "rather than" inversion says the point is false all the same.
            negated = f"It is not true that {point[:1].lower()}{point[1:]}"
        out.append(" ".join([*points[:k], negated, *points[k + 1 :]]))
    return out


def antonyms(reference: str) -> list[str]:
    """The reference with each key point's first antonym-bearing word flipped, one at a time."""
    points = split_key_points(reference)
    out: list[str] = []
    for k, point in enumerate(points):
        tokens = point.split(" ")
        for i, token in enumerate(tokens):
            bare = token.lower().strip(",.;:()\"'")
            if bare in ANTONYMS:
                start = token.lower().index(bare)
                tokens[i] = token[:start] + ANTONYMS[bare] + token[start + len(bare) :]
                out.append(" ".join([*points[:k], " ".join(tokens), *points[k + 1 :]]))
                break
    return out


def swaps(reference: str) -> list[str]:
    """Each key point with its subject and object exchanged around the verb."""
    points = split_key_points(reference)
    out: list[str] = []
    for k, point in enumerate(points):
        tokens = point.rstrip(".").split(" ")
        verb = next(
            (
                i
                for i, t in enumerate(tokens)
                # Lexical verbs only: around a copula ("X is Y" -> "Y is X") a swap can keep
                # the meaning.
                if 0 < i < len(tokens) - 1 and _verb_forms(t.lower().strip(",;:")) is not None
            ),
            None,
        )
        if verb is None:
            continue
        subject, rest = tokens[:verb], tokens[verb + 1 :]
        obj = " ".join(rest)
        swapped = f"{obj[:1].upper()}{obj[1:]} {tokens[verb]} {' '.join(subject).lower()}."
        out.append(" ".join([*points[:k], swapped, *points[k + 1 :]]))
    return out


def reversal(reference: str) -> str:
    """The reference's words in reverse order."""
    return " ".join(reversed(_TOKEN.findall(" ".join(split_key_points(reference)))))


def shuffle(reference: str) -> str:
    """The reference's words shuffled within each key point (seeded)."""
    rng = _rng("shuffle", reference)
    out: list[str] = []
    for point in split_key_points(reference):
        tokens = _TOKEN.findall(point)
        rng.shuffle(tokens)
        out.append(" ".join(tokens))
    return " ".join(out)


def noun_swap(reference: str, others: Sequence[str], share: float = 0.5) -> str:
    """The reference with about `share` of its content words replaced by other cards' words."""
    rng = _rng("noun_swap", reference)
    own = set(content_words(reference))
    pool = sorted({w for text in others for w in content_words(text)} - own)
    if not pool:
        return reversal(reference)
    tokens = " ".join(split_key_points(reference)).split(" ")
    candidates = [i for i, t in enumerate(tokens) if t.lower().strip(",.;:()") in own]
    rng.shuffle(candidates)
    for i in candidates[: max(1, round(share * len(candidates)))]:
        bare = tokens[i].lower().strip(",.;:()")
        tokens[i] = tokens[i].lower().replace(bare, rng.choice(pool))
    return " ".join(tokens)


def zero_width(text: str) -> str:
    """`text` with zero-width characters inside its longer words (seeded)."""
    rng = _rng("zero_width", text)

    def hide(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 4:
            return word
        cut = rng.randrange(1, len(word))
        return word[:cut] + rng.choice(_ZERO_WIDTH) + word[cut:]

    return re.sub(r"\w+", hide, text)


def salad(reference: str, others: Sequence[str], size: int = 4000) -> str:
    """About `size` characters of the card's and the deck's keywords, loosely strung together."""
    rng = _rng("salad", reference)
    own = content_words(reference)
    pool = own * 3 + [w for text in others for w in content_words(text)]
    glue = ["the", "of", "and", "is", "to", "a", "in", "with"]
    out: list[str] = []
    length = 0
    while length < size - 20:
        word = rng.choice(pool) if rng.random() > 0.25 else rng.choice(glue)
        out.append(word)
        length += len(word) + 1
    return " ".join(out)


def family_answers(reference: str, others: Sequence[str]) -> list[tuple[str, str]]:
    """Every family's answers for one card: (family, answer) pairs."""
    swapped = noun_swap(reference, others)
    negated = negations(reference)
    out: list[tuple[str, str]] = [("negation", a) for a in negated]
    out += [("antonym", a) for a in antonyms(reference)]
    out += [("swap", a) for a in swaps(reference)]
    out += [("reversal", reversal(reference)), ("shuffle", shuffle(reference))]
    out += [("noun_swap", swapped)]
    out += [("zero_width", zero_width(swapped))]
    out += [("zero_width", zero_width(a)) for a in negated[:1]]
    out += [("salad", salad(reference, others))]
    return out
