"""BM25 scoring."""

from __future__ import annotations

from bot.core.lexical import BM25, terms


def test_terms_drop_stop_words_and_fold_suffixes() -> None:
    assert terms("What are the Embeddings of tokens?") == ["embedd", "token"]
    assert terms("") == []
    assert terms("Ünïcode naïve café") == ["ünïcode", "naïve", "café"]


def test_rarer_matching_terms_score_higher() -> None:
    index = BM25(
        [("a", "negative sampling in word2vec"), ("b", "word2vec skip gram"), ("c", "tokenizers")]
    )
    scores = index.scores("negative sampling word2vec")
    assert scores["a"] > scores["b"] > 0
    assert "c" not in scores
    assert index.scores("nothing matches") == {}
    assert len(index) == 3


def test_empty_index() -> None:
    assert BM25([]).scores("anything") == {}


def test_one_query_scores_best_first_and_by_document() -> None:
    index = BM25(
        [
            ("a", "negative sampling in word2vec"),
            ("b", "word2vec skip gram"),
            ("c", "tokenizers split text"),
            ("d", "word2vec word2vec negative"),
        ]
    )
    scores = index.query("negative sampling word2vec")
    every = index.scores("negative sampling word2vec")
    best = scores.best(10)
    assert list(best) == sorted(every, key=every.__getitem__, reverse=True)  # best first
    assert best == every and "c" not in best
    assert list(scores.best(1)) == [next(iter(best))]
    assert "a" not in scores.best(10, keep=lambda doc: doc != "a")
    assert scores.of("a") == every["a"] and scores.of("c") == 0.0 and scores.of("zzz") == 0.0
    assert BM25([]).query("anything").best(3) == {}
