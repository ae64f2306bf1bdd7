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
