"""The cross-encoder's training set: SemEval-2013 training answers plus generated hard pairs.

Sources, all public training data or written for this purpose (never a SemEval test split,
never the seed deck, never Mohler):

- `semeval`: every SciEntsBank and Beetle *training* answer with its 3-way label, paired with
  the question and a reference (Beetle: the reference a correct answer was matched to, else
  a BEST one);
- `refs`: a reference as its own answer, and Beetle's other BEST/GOOD/MINIMAL references as
  answers to a BEST one (correct);
- `rules`: for every training question and every card of the decks in `decks/` (written for
  this, on other subjects): paraphrases (correct); negation, antonym, noun swap, noun
  replacement, "rather than" turned round (contradictory); shuffled and reversed words,
  keyword salad, the question copied, "I don't know", neighbouring questions' references
  (incorrect); per key point: the whole reference covers it, another point does not, its
  negation contradicts it, and a lone point does not answer a whole multi-point reference;
- `decks`: the decks' hand-written paraphrases (correct) and wrong answers (contradictory);
- `students`: correct SemEval training answers negated (contradictory) and submitted to a
  neighbouring question of the same module (incorrect).

Every example carries a `group` (its question); `split_groups` holds whole questions out as
the development set that chooses epochs and the data mix.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.eval.crossenc import perturb as P
from bot.eval.crossenc import semeval

DECKS_DIR = Path(__file__).resolve().parent / "decks"
LABEL_INDEX = {"correct": 0, "contradictory": 1, "incorrect": 2}
IDK = ("I don't know.", "no idea", "not sure", "?")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled (question, reference or point, answer) triple."""

    question: str
    point: str
    answer: str
    label: str
    source: str
    group: str


@dataclass(frozen=True, slots=True)
class Card:
    """A question and reference to generate from, with its neighbours' references."""

    group: str
    question: str
    reference: str
    neighbours: tuple[str, ...]
    paraphrases: tuple[str, ...] = ()
    wrong: tuple[str, ...] = ()


def deck_cards(directory: Path = DECKS_DIR) -> list[Card]:
    """The hand-written training decks (one JSON file per subject)."""
    cards: list[Card] = []
    for path in sorted(directory.glob("*.json")):
        deck = json.loads(path.read_text(encoding="utf-8"))
        refs = [c["a"] for c in deck["cards"]]
        for i, c in enumerate(deck["cards"]):
            cards.append(
                Card(
                    group=f"deck:{path.stem}:{i}",
                    question=c["q"],
                    reference=c["a"],
                    neighbours=tuple(r for j, r in enumerate(refs) if j != i),
                    paraphrases=tuple(c.get("para", ())),
                    wrong=tuple(c.get("wrong", ())),
                )
            )
    return cards


def semeval_cards(questions: Iterable[semeval.Question]) -> list[Card]:
    """One card per training question; neighbours are the module's other questions."""
    qs = list(questions)
    by_module: dict[str, list[semeval.Question]] = {}
    for q in qs:
        by_module.setdefault(f"{q.corpus}:{q.module}", []).append(q)
    return [
        Card(
            group=f"{q.corpus}:{q.id}",
            question=q.text,
            reference=q.reference,
            neighbours=tuple(
                o.reference for o in by_module[f"{q.corpus}:{q.module}"] if o.id != q.id
            ),
        )
        for q in qs
    ]


def from_semeval(questions: Iterable[semeval.Question], rng: random.Random) -> Iterator[Example]:
    """The human-labelled training answers, and references as answers to each other."""
    for q in questions:
        group = f"{q.corpus}:{q.id}"
        refs = {r.id: r.text for r in q.references if r.category != "KEYWORD"}
        best = [r.text for r in q.best]
        for a in q.answers:
            if not a.text or a.label not in LABEL_INDEX:
                continue
            ref = refs.get(a.match or "") if a.label == "correct" else None
            yield Example(q.text, ref or rng.choice(best), a.text, a.label, "semeval", group)
        for b in best:
            yield Example(q.text, b, b, "correct", "refs", group)
            for other in refs.values():
                if other != b and rng.random() < 0.5:
                    yield Example(q.text, b, other, "correct", "refs", group)


def from_rules(card: Card, pool: list[str], rng: random.Random) -> Iterator[Example]:
    """Generated pairs for one card (`pool`: every reference, for far-away negatives)."""
    q, ref, g = card.question, card.reference, card.group

    def ex(point: str, answer: str | None, label: str) -> Iterator[Example]:
        if not answer or not answer.strip():
            return
        if label != "correct" and " ".join(answer.split()) == " ".join(point.split()):
            return  # a rule that changed nothing must not label the reference wrong
        yield Example(q, point, answer, label, "rules", g)

    yield from ex(ref, P.paraphrase(ref, rng), "correct")
    yield from ex(ref, P.paraphrase(ref, rng), "correct")
    for make in (P.negate, P.negate, P.antonym, P.swap_nouns, P.turn_rather_than):
        yield from ex(ref, make(ref, rng), "contradictory")
    if card.neighbours:
        yield from ex(ref, P.replace_nouns(ref, rng.choice(card.neighbours), rng), "contradictory")
    yield from ex(ref, P.shuffle_words(ref, rng), "incorrect")
    yield from ex(ref, P.reverse_words(ref), "incorrect")
    yield from ex(ref, P.salad(ref, q, rng), "incorrect")
    yield from ex(ref, P.salad(ref, q, rng, words=rng.choice((60, 200, 600))), "incorrect")
    yield from ex(ref, q, "incorrect")
    yield from ex(ref, rng.choice(IDK), "incorrect")
    for other in rng.sample(card.neighbours, min(3, len(card.neighbours))):
        yield from ex(ref, other, "incorrect")
    yield from ex(ref, rng.choice(pool), "incorrect")
    points = P.sentences(ref)
    if len(points) >= 2:
        for i, point in enumerate(points):
            yield from ex(point, ref, "correct")
            yield from ex(point, P.paraphrase(ref, rng), "correct")
            yield from ex(
                point, rng.choice([p for j, p in enumerate(points) if j != i]), "incorrect"
            )
            yield from ex(point, P.negate(point, rng) or P.antonym(point, rng), "contradictory")
            yield from ex(ref, point, "incorrect")
            if card.paraphrases:
                yield from ex(point, card.paraphrases[0], "correct")


def from_deck(card: Card) -> Iterator[Example]:
    """The hand-written paraphrases and wrong answers of a deck card."""
    for text in card.paraphrases:
        yield Example(card.question, card.reference, text, "correct", "decks", card.group)
    for text in card.wrong:
        yield Example(card.question, card.reference, text, "contradictory", "decks", card.group)


def from_students(
    questions: Iterable[semeval.Question], rng: random.Random, rate: float = 0.3
) -> Iterator[Example]:
    """Correct training answers negated, and sent to a neighbouring question."""
    qs = list(questions)
    by_module: dict[str, list[semeval.Question]] = {}
    for q in qs:
        by_module.setdefault(f"{q.corpus}:{q.module}", []).append(q)
    for q in qs:
        group = f"{q.corpus}:{q.id}"
        others = [o for o in by_module[f"{q.corpus}:{q.module}"] if o.id != q.id]
        for a in q.answers:
            if a.label != "correct" or not a.text:
                continue
            if rng.random() < rate:
                negated = P.negate(a.text, rng)
                if negated:
                    yield Example(q.text, q.reference, negated, "contradictory", "students", group)
            if others and rng.random() < rate:
                o = rng.choice(others)
                if a.text.lower() not in {r.text.lower() for r in o.references}:
                    # Filed under the *answered* question's group, so a held-out question
                    # keeps its correct answers out of training under any label.
                    yield Example(o.text, o.reference, a.text, "incorrect", "students", group)


def build(seed: int, data: Path, *, drop_question: float = 0.2) -> list[Example]:
    """Every training example, in a seeded order (held-out groups still included)."""
    rng = random.Random(seed)
    train = [q for c in semeval.CORPORA for q in semeval.load(c, "training", data)]
    cards = semeval_cards(train) + deck_cards()
    pool = [c.reference for c in cards]
    examples: list[Example] = [*from_semeval(train, rng), *from_students(train, rng)]
    for card in cards:
        examples += from_rules(card, pool, rng)
        examples += from_deck(card)
    # Some pairs without their question: the grader may score key points on their own.
    out = [
        Example("", e.point, e.answer, e.label, e.source, e.group)
        if rng.random() < drop_question
        else e
        for e in examples
    ]
    rng.shuffle(out)
    return out


def split_groups(examples: Iterable[Example], seed: int, share: float = 0.12) -> set[str]:
    """Held-out question groups: `share` of each source corpus's questions, seeded."""
    rng = random.Random(seed + 1)
    groups = sorted({e.group for e in examples})
    held: set[str] = set()
    for prefix in ("sciEntsBank:", "beetle:", "deck:"):
        mine = [g for g in groups if g.startswith(prefix)]
        held |= set(rng.sample(mine, max(1, round(len(mine) * share))))
    return held


def summary(examples: Iterable[Example]) -> dict[str, dict[str, int]]:
    """Counts by source and label."""
    counts: dict[str, Counter[str]] = {}
    for e in examples:
        counts.setdefault(e.source, Counter())[e.label] += 1
    return {s: dict(sorted(c.items())) for s, c in sorted(counts.items())}


def write_jsonl(examples: Iterable[Example], path: Path) -> None:
    """The examples as JSON lines (for inspection; training rebuilds them from the seed)."""
    with path.open("w", encoding="utf-8") as handle:
        for e in examples:
            handle.write(json.dumps(asdict(e), ensure_ascii=False) + "\n")
