"""Hard negatives and light paraphrases made from a reference answer, by rule, seeded.

Training texts only: every function takes an explicit `random.Random`, so a seed gives the
same data set. Each returns None when its rule does not apply to the text (no auxiliary to
negate, no antonym, fewer than two nouns), so callers never get a silently unchanged copy
labelled as something else.

Contradictions (label `contradictory`): a negation inserted or removed, "always"/"never"
style quantifier flips, an antonym of a key word, two nouns swapped (subject and object),
"A rather than B" turned round, a noun replaced by another card's noun. Non-answers (label
`incorrect`): shuffled or reversed word order and keyword salad. Paraphrases (label
`correct`): synonyms, contractions, sentence order, casing and punctuation, a typo.
"""

from __future__ import annotations

import random
import re

WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers him his how i if in into is it its
    itself just me more most my no nor not of off on once only or other our out over own same
    she should so some such than that the their them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your one may might must shall us also than thus than""".split()
)

# (pattern, replacement): inserting or removing a negation. Applied to one match only.
NEGATIONS: tuple[tuple[str, str], ...] = (
    (r"\bis not\b", "is"),
    (r"\bare not\b", "are"),
    (r"\bdoes not\b", "does"),
    (r"\bdo not\b", "do"),
    (r"\bcannot\b", "can"),
    (r"\bisn't\b", "is"),
    (r"\baren't\b", "are"),
    (r"\bdoesn't\b", "does"),
    (r"\bdon't\b", "do"),
    (r"\bcan't\b", "can"),
    (r"\bnot\s+", ""),
    (r"\bis\b", "is not"),
    (r"\bare\b", "are not"),
    (r"\bwas\b", "was not"),
    (r"\bwere\b", "were not"),
    (r"\bcan\b", "cannot"),
    (r"\bwill\b", "will not"),
    (r"\bshould\b", "should not"),
    (r"\bmust\b", "must not"),
    (r"\bdoes\b", "does not"),
    (r"\bdo\b", "do not"),
    (r"\bhas\b", "does not have"),
    (r"\bhave\b", "do not have"),
    (r"\bis\b", "isn't"),
    (r"\bare\b", "aren't"),
    (r"\bcan\b", "can't"),
    (r"\balways\b", "never"),
    (r"\bnever\b", "always"),
    (r"\bevery\b", "no"),
    (r"\ball\b", "no"),
    (r"\bwithout\b", "with"),
    (r"\bwith\b", "without"),
)

# Generic English opposites (no domain terms), both directions.
_ANTONYM_PAIRS = """increase decrease|increases decreases|increased decreased|increasing decreasing
    more less|higher lower|high low|larger smaller|large small|bigger smaller|big small
    longer shorter|long short|faster slower|fast slow|before after|positive negative
    open closed|same different|similar different|static dynamic|constant changing
    fixed variable|input output|first last|start end|add remove|adds removes|added removed
    gain lose|gains loses|hot cold|hotter colder|warm cool|heavier lighter|heavy light
    up down|inside outside|above below|dense sparse|global local|include exclude
    includes excludes|attract repel|attracts repels|absorb reflect|absorbs reflects
    expand contract|expands contracts|rises falls|rise fall|maximum minimum|maximize minimize
    maximise minimise|correct incorrect|true false|easy hard|easier harder|early late
    strong weak|stronger weaker|many few|most least|connected disconnected|together apart
    dependent independent|depends ignores|same opposite|entire partial|whole part
    visible invisible|possible impossible|likely unlikely|necessary unnecessary|common rare
    simple complex|inner outer|top bottom|north south|east west|left right|push pull
    pushes pulls|accept reject|accepts rejects|allow prevent|allows prevents|enables prevents
    helps hinders|help hinder|improve worsen|improves worsens|better worse|best worst
    success failure|safe dangerous|cheap expensive|cheaper costlier|rich poor|old new
    older newer|young old|wet dry|full empty|light dark|brighter dimmer|louder quieter
    loud quiet|deep shallow|wide narrow|thick thin|solid liquid|melts freezes|melt freeze
    heats cools|heat cool|gives takes|give take|send receive|sends receives|buy sell
    buys sells|import export|win lose|wins loses|raise lower|raises lowers|lowers raises
    specific general|unique shared|private public|manual automatic|temporary permanent
    forward backward|internal external|direct indirect|explicit implicit|sum difference"""
ANTONYMS: dict[str, str] = {}
for _pair in re.split(r"[|\n]", _ANTONYM_PAIRS):
    _a, _b = _pair.split()
    ANTONYMS.setdefault(_a, _b)
    ANTONYMS.setdefault(_b, _a)

_DETERMINERS = frozenset(
    "the a an its their each this that these those his her our your of to into from by".split()
)

# Light synonyms for paraphrases (meaning-preserving in the sentences they appear in).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "uses": ("employs", "makes use of"),
    "use": ("employ", "make use of"),
    "helps": ("assists", "aids"),
    "help": ("assist", "aid"),
    "allows": ("lets", "enables"),
    "allow": ("let", "enable"),
    "important": ("crucial", "essential"),
    "because": ("since", "as"),
    "transforms": ("converts", "turns"),
    "creates": ("produces", "makes"),
    "create": ("produce", "make"),
    "makes": ("produces", "creates"),
    "shows": ("indicates", "reveals"),
    "quickly": ("fast", "rapidly"),
    "large": ("big", "sizeable"),
    "small": ("little", "tiny"),
    "many": ("lots of", "numerous"),
    "often": ("frequently",),
    "about": ("around", "roughly"),
    "whole": ("entire",),
    "entire": ("whole",),
    "gives": ("provides",),
    "provides": ("gives", "supplies"),
    "needs": ("requires",),
    "requires": ("needs",),
    "changes": ("alters", "modifies"),
    "understand": ("grasp", "comprehend"),
    "method": ("technique", "approach"),
    "process": ("procedure",),
    "therefore": ("so", "thus"),
    "so": ("therefore",),
    "also": ("as well",),
    "begin": ("start",),
    "begins": ("starts",),
    "similar": ("alike",),
    "different": ("distinct",),
    "moves": ("travels", "goes"),
    "stores": ("keeps", "holds"),
    "contains": ("holds", "has"),
}
_CONTRACTIONS = {
    "it is": "it's",
    "does not": "doesn't",
    "do not": "don't",
    "is not": "isn't",
    "are not": "aren't",
    "cannot": "can't",
    "they are": "they're",
    "that is": "that's",
}


def sentences(text: str) -> list[str]:
    """The sentences of a text (prose only: fenced code is dropped)."""
    prose = re.sub(r"```.*?(?:```|$)", " ", text, flags=re.DOTALL)
    parts = [p.strip() for p in _SENTENCE.split(" ".join(prose.split()))]
    return [p for p in parts if len(WORD.findall(p)) >= 3]


def _in_one_sentence(text: str, rng: random.Random, edit: object) -> str | None:
    """Apply `edit(sentence) -> str | None` to one randomly chosen sentence that allows it."""
    parts = sentences(text) or [text]
    order = list(range(len(parts)))
    rng.shuffle(order)
    for i in order:
        changed = edit(parts[i])  # type: ignore[operator]
        if changed is not None and changed != parts[i]:
            return " ".join([*parts[:i], changed, *parts[i + 1 :]])
    return None


def _match_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def negate(text: str, rng: random.Random) -> str | None:
    """One negation inserted, removed or a quantifier flipped, in one sentence."""

    def edit(sentence: str) -> str | None:
        rules = list(NEGATIONS)
        rng.shuffle(rules)
        for pattern, replacement in rules:
            hits = list(re.finditer(pattern, sentence, flags=re.IGNORECASE))
            if hits:
                hit = rng.choice(hits)
                new = _match_case(replacement, hit.group(0)) if replacement else ""
                return sentence[: hit.start()] + new + sentence[hit.end() :]
        return None

    return _in_one_sentence(text, rng, edit)


def antonym(text: str, rng: random.Random) -> str | None:
    """One word replaced by its opposite."""

    def edit(sentence: str) -> str | None:
        hits = [m for m in WORD.finditer(sentence) if m.group(0).lower() in ANTONYMS]
        if not hits:
            return None
        hit = rng.choice(hits)
        new = _match_case(ANTONYMS[hit.group(0).lower()], hit.group(0))
        return sentence[: hit.start()] + new + sentence[hit.end() :]

    return _in_one_sentence(text, rng, edit)


_ADJECTIVE = re.compile(r"(?:ive|al|ous|ful|ic|ent|ant|able|ible|ary|less|est|ed)$")


def nouns(sentence: str) -> list[re.Match[str]]:
    """Heads of noun phrases: the word after a determiner or preposition, or the one after
    that when the first looks like an adjective ("the positive terminal" gives "terminal")."""
    words = list(WORD.finditer(sentence))
    found = []
    for i, m in enumerate(words[:-1]):
        if m.group(0).lower() not in _DETERMINERS:
            continue
        head = i + 1
        first = words[head].group(0).lower()
        if head + 1 < len(words) and (_ADJECTIVE.search(first) or first in ANTONYMS):
            nxt = words[head + 1].group(0).lower()
            if nxt not in STOPWORDS and len(nxt) >= 3:
                head += 1
        w = words[head].group(0).lower()
        if w not in STOPWORDS and len(w) >= 3 and w not in ANTONYMS and not _ADJECTIVE.search(w):
            found.append(words[head])
    return found


def swap_nouns(text: str, rng: random.Random) -> str | None:
    """Two different nouns of one sentence swapped (not when only "and"/"or" joins them)."""

    def edit(sentence: str) -> str | None:
        cands = nouns(sentence)
        pairs = [
            (a, b)
            for i, a in enumerate(cands)
            for b in cands[i + 1 :]
            if a.group(0).lower() != b.group(0).lower()
            and sentence[a.end() : b.start()].strip().lower()
            not in {"and", "or", ",", "and the", "or the"}
        ]
        if not pairs:
            return None
        a, b = rng.choice(pairs)
        return (
            sentence[: a.start()]
            + b.group(0)
            + sentence[a.end() : b.start()]
            + a.group(0)
            + sentence[b.end() :]
        )

    return _in_one_sentence(text, rng, edit)


def replace_nouns(text: str, donor: str, rng: random.Random) -> str | None:
    """Up to two nouns of one sentence replaced by nouns of another text (a wrong fact)."""
    pool = sorted({m.group(0) for s in sentences(donor) or [donor] for m in nouns(s)})

    def edit(sentence: str) -> str | None:
        cands = nouns(sentence)
        own = {m.group(0).lower() for m in cands}
        donors = [w for w in pool if w.lower() not in own and w.lower() not in sentence.lower()]
        if not cands or not donors:
            return None
        chosen = sorted(
            rng.sample(cands, min(len(cands), rng.choice((1, 2)))), key=lambda m: m.start()
        )
        out, last = [], 0
        for m in chosen:
            out += [sentence[last : m.start()], rng.choice(donors)]
            last = m.end()
        return "".join([*out, sentence[last:]])

    return _in_one_sentence(text, rng, edit)


def turn_rather_than(text: str, rng: random.Random) -> str | None:
    """ "A rather than B" / "A instead of B" turned into "B rather than A"."""
    m = re.search(r"(\b[\w-]+(?: [\w-]+)?) (rather than|instead of) ([\w-]+(?: [\w-]+)?)", text)
    if not m:
        return None
    return text[: m.start()] + f"{m.group(3)} {m.group(2)} {m.group(1)}" + text[m.end() :]


def shuffle_words(text: str, rng: random.Random) -> str:
    """The same words in random order."""
    words = text.split()
    rng.shuffle(words)
    return " ".join(words)


def reverse_words(text: str) -> str:
    """The same words in reverse order."""
    return " ".join(reversed(text.split()))


def salad(text: str, question: str, rng: random.Random, words: int = 0) -> str:
    """Content words of reference and question, shuffled, repeated to `words` (or their count)."""
    bag = [w for w in WORD.findall(f"{text} {question}") if w.lower() not in STOPWORDS]
    if not bag:
        return text
    count = words or len(bag)
    out = [rng.choice(bag) for _ in range(count)]
    return rng.choice((" ", ", ")).join(out)


def paraphrase(text: str, rng: random.Random) -> str:
    """A light meaning-preserving rewrite: synonyms, contractions, order of sentences, casing."""
    out = text
    words = list(WORD.finditer(out))
    swaps = [m for m in words if m.group(0).lower() in SYNONYMS]
    rng.shuffle(swaps)
    for m in sorted(swaps[: max(1, len(swaps) // 2)], key=lambda m: m.start(), reverse=True):
        new = _match_case(rng.choice(SYNONYMS[m.group(0).lower()]), m.group(0))
        out = out[: m.start()] + new + out[m.end() :]
    if rng.random() < 0.5:
        for full, short in _CONTRACTIONS.items():
            out = re.sub(rf"\b{full}\b", short, out, flags=re.IGNORECASE)
    parts = sentences(out)
    if len(parts) > 1 and rng.random() < 0.4:
        rng.shuffle(parts)
        out = " ".join(parts)
    if rng.random() < 0.3:
        out = out.lower().replace(".", "")
    if rng.random() < 0.3:
        out = typo(out, rng)
    return out


def typo(text: str, rng: random.Random) -> str:
    """Two adjacent letters of one longer word swapped."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)
