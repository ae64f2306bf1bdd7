"""The cross-encoder's training data: seeded, from training splits only, and the rules do what they say."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.eval.crossenc import dataset, families, perturb, semeval
from bot.eval.crossenc.measure import seed_cards
from bot.eval.crossenc.metrics import macro_f1, three_way


@pytest.fixture(scope="module")
def examples(asag_data: Path) -> list[dataset.Example]:
    return dataset.build(0, asag_data)


def test_the_same_seed_builds_the_same_set(
    examples: list[dataset.Example], asag_data: Path
) -> None:
    assert dataset.build(0, asag_data) == examples
    assert dataset.build(1, asag_data)[:50] != examples[:50]
    labels = {e.label for e in examples}
    assert labels == {"correct", "contradictory", "incorrect"}
    assert {e.source for e in examples} == {"semeval", "refs", "rules", "decks", "students"}


def test_no_test_split_and_no_seed_card_reaches_training(
    examples: list[dataset.Example], asag_data: Path
) -> None:
    trained = {
        t
        for corpus in semeval.CORPORA
        for q in semeval.load(corpus, "training", asag_data)
        for t in (q.text, *(r.text for r in q.references), *(a.text for a in q.answers))
    }
    questions = trained | {c.question for c in dataset.deck_cards()} | {""}
    for e in examples:
        assert e.question in questions
        if e.source in {"semeval", "refs"}:  # read from the files, not generated
            assert {e.point, e.answer} <= trained, e
    texts = {t for e in examples for t in (e.question, e.point, e.answer)}
    for corpus, splits in semeval.TEST_SPLITS.items():
        for split in splits[1:]:  # unseen questions and domains: not one of their questions
            # (Beetle's release repeats two question texts of training in unseen-questions.)
            asked = {q.text for q in semeval.load(corpus, split, asag_data)} - trained
            assert not asked & texts, (corpus, split)
    for question, reference in seed_cards():
        assert question not in texts
        assert not any(s in t for s in perturb.sentences(reference) for t in texts)


def test_held_out_groups_are_whole_questions(examples: list[dataset.Example]) -> None:
    held = dataset.split_groups(examples, 0, 0.12)
    assert held and any(g.startswith("beetle:") for g in held)
    assert any(g.startswith("sciEntsBank:") for g in held)
    assert any(g.startswith("deck:") for g in held)
    assert held == dataset.split_groups(examples, 0, 0.12)


def test_contradiction_rules_change_the_text_or_decline() -> None:
    rng = random.Random(0)
    ref = "The cell membrane controls what enters the cell. It is made of lipids."
    negated = perturb.negate(ref, rng)
    assert negated and negated != ref and any(n in negated for n in ("not", "n't", "without"))
    assert perturb.negate("Photosynthesis, chlorophyll, sunlight.", rng) is None
    assert perturb.antonym("Prices increase when demand rises.", rng) in {
        "Prices decrease when demand rises.",
        "Prices increase when demand falls.",
    }
    assert perturb.swap_nouns("The water was evaporated, leaving the salt.", rng) == (
        "The salt was evaporated, leaving the water."
    )
    assert (
        perturb.turn_rather_than("light travels as waves rather than particles", rng)
        == ("particles rather than light travels as waves")
        or perturb.turn_rather_than("waves rather than particles", rng)
        == "particles rather than waves"
    )
    assert sorted(perturb.shuffle_words(ref, rng).split()) == sorted(ref.split())
    assert perturb.reverse_words("a b c") == "c b a"


def test_the_measurement_families_cover_every_seed_card() -> None:
    cards = seed_cards()
    found = families.families(cards)
    for name in ("negation", "reversal", "noun_swap", "zero_width", "salad"):
        assert {i for i, _ in found[name]} == set(range(len(cards))), name
    assert all(families.ZERO_WIDTH in text for _, text in found["zero_width"])
    assert all(3500 <= len(text) <= 4100 for _, text in found["salad"])
    for i, text in found["negation"]:
        assert text != families.prose(cards[i][1])


def test_metrics() -> None:
    assert macro_f1([0, 1, 2], [0, 1, 2], (0, 1, 2)) == 1.0
    import numpy as np

    probs = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.6, 0.2, 0.2]])
    fig = three_way(["correct", "contradictory", "incorrect", "incorrect"], probs)
    assert fig["n"] == 4 and fig["accuracy"] == 0.75
    assert fig["f1_2way"] == pytest.approx((2 / 3 + 0.8) / 2, abs=1e-4)
