"""Okapi BM25 over card text: the lexical half of hybrid search (pure Python, no I/O)."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = frozenset(
    """a an the of to in and or is are was were be been being for on with as by it its this that
    these those what how why do does did can could you your i we they from at into which who
    whom than then so not no if about there their them when where will would should""".split()
)
_SUFFIXES = ("ings", "ing", "ed", "es", "s")


def terms(text: str) -> list[str]:
    """Lower-cased, stop-word-free, lightly stemmed terms of `text`."""
    out = []
    for word in _WORD.findall(text.casefold()):
        if word in _STOP:
            continue
        for suffix in _SUFFIXES:
            if len(word) > 4 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        out.append(word)
    return out


class BM25:
    """An inverted index scoring documents against a query with Okapi BM25."""

    def __init__(self, docs: Iterable[tuple[str, str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._postings: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self._length: dict[str, int] = {}
        for doc_id, text in docs:
            counts = Counter(terms(text))
            self._length[doc_id] = sum(counts.values())
            for term, count in counts.items():
                self._postings[term].append((doc_id, count))
        self._avg = (sum(self._length.values()) / len(self._length)) if self._length else 0.0

    def __len__(self) -> int:
        return len(self._length)

    def scores(self, query: str) -> dict[str, float]:
        """BM25 score of every document sharing a term with `query` (others score 0)."""
        n = len(self._length)
        out: dict[str, float] = defaultdict(float)
        for term in set(terms(query)):
            postings = self._postings.get(term)
            if not postings:
                continue
            idf = math.log(1 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
            for doc_id, tf in postings:
                norm = 1 - self.b + self.b * self._length[doc_id] / (self._avg or 1.0)
                out[doc_id] += idf * tf * (self.k1 + 1) / (tf + self.k1 * norm)
        return dict(out)
