"""The grader: embeds a reference's key points and an answer, scores, applies the guards."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.grading.guards import COPY_COSINE, Answer, analyse_answer
from bot.core.grading.params import FEATURES, GraderParams
from bot.core.grading.points import Reference, prepare_reference, split_key_points
from bot.core.grading.result import Grade, PointGrade, PointState, Verdict
from bot.core.ports import Embedder
from bot.core.words import stem

Vector = npt.NDArray[np.float32]
# Two words are aligned when their embeddings are this close (or they share a stem).
_ALIGNED = 0.6
_COS_AQ = FEATURES.index("cos_answer_question")


class _LRU:
    """A small thread-safe LRU map."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)


class Grader:
    """Grades free-text answers against a reference answer with a bundled embedder."""

    def __init__(
        self, embedder: Embedder, params: GraderParams | None = None, cache_size: int = 20_000
    ) -> None:
        self._embedder = embedder
        self.params = params if params is not None else GraderParams.bundled()
        self._vectors = _LRU(cache_size)
        self._references = _LRU(1024)

    def key_points(self, reference: str) -> list[str]:
        """The reference's key points, in order: what the feedback lists refer to."""
        return split_key_points(reference)

    def grade(self, question: str, reference: str, answer: str, *, max_score: float = 1.0) -> Grade:
        """Grade one answer; `max_score` below 1 caps the score (hints lower what is on offer)."""
        return self._grade_batch([(question, reference, answer)], [max_score])[0]

    def grade_point(self, question: str, reference: str, point: int, reply: str) -> PointGrade:
        """Grade `reply` against key point number `point` of `reference` alone."""
        points = self.key_points(reference)
        if not 0 <= point < len(points):
            raise IndexError(f"the reference has {len(points)} key points, not {point + 1}")
        grade = self.grade(question, points[point], reply)
        state: PointState = "covered" if grade.verdict == "correct" or grade.covered else "missed"
        if grade.contradicted:
            state = "contradicted"
        return PointGrade(points[point], state, grade.score, list(grade.reasons))

    def grade_many(self, items: Sequence[tuple[str, str, str]]) -> list[Grade]:
        """Grade (question, reference, answer) triples in order, batching the embedding calls."""
        grades: list[Grade] = []
        for start in range(0, len(items), 256):
            chunk = items[start : start + 256]
            grades.extend(self._grade_batch(chunk, [1.0] * len(chunk)))
        return grades

    def features(self, items: Sequence[tuple[str, str, str]]) -> npt.NDArray[np.float64]:
        """Raw model features for each triple (rows in `FEATURES` order), for calibration."""
        rows: list[npt.NDArray[np.float64]] = []
        for start in range(0, len(items), 256):
            chunk = items[start : start + 256]
            prepared = [(self._reference(q, r), self._answer(q, a)) for q, r, a in chunk]
            vectors = self._embed_all(prepared)
            rows.extend(self._features(ref, ans, vectors)[0] for ref, ans in prepared)
        return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))

    # -- internals ---------------------------------------------------------------------

    def _reference(self, question: str, reference: str) -> Reference:
        key = (question, reference)
        cached: Reference | None = self._references.get(key)
        if cached is not None:
            return cached
        prepared = prepare_reference(question, reference)
        self._references.put(key, prepared)
        return prepared

    def _answer(self, question: str, answer: str) -> Answer:
        return analyse_answer(question, answer, self.params)

    def _embed_all(self, prepared: Sequence[tuple[Reference, Answer]]) -> dict[str, Vector]:
        wanted: dict[str, None] = {}
        for ref, ans in prepared:
            texts = (ref.question, ref.reference, ref.demoted, *ref.points, *ref.novel)
            texts += (ans.text, ans.demoted, *ans.units, *ans.novel)
            wanted.update((t, None) for t in texts if t)
        found: dict[str, Vector] = {}
        missing: list[str] = []
        for text in wanted:
            vector = self._vectors.get(text)
            if vector is None:
                missing.append(text)
            else:
                found[text] = vector
        if missing:
            # Longest first keeps similar lengths in a batch: less padding, faster.
            missing.sort(key=len, reverse=True)
            embedded = self._embedder.embed(missing, batch_size=64)
            for text, vector in zip(missing, embedded, strict=True):
                found[text] = vector
                self._vectors.put(text, vector)
        return found

    def _features(
        self, ref: Reference, ans: Answer, vec: dict[str, Vector]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Feature row and per-key-point coverage for one prepared pair."""
        if not ans.text or not ref.points:
            return np.zeros(len(FEATURES)), np.zeros(len(ref.points))
        a = vec[ans.text]
        cos_ar = float(a @ vec[ref.reference])
        cos_aq = float(a @ vec[ref.question]) if ref.question else 0.0
        cos_dem = float(vec[ans.demoted] @ vec[ref.demoted]) if ans.demoted and ref.demoted else 0.0
        units = np.stack([a, *(vec[u] for u in ans.units)])
        points = np.stack([vec[p] for p in ref.points])
        sentence_sim = (points @ units.T).max(axis=1).astype(np.float64)

        recall_soft = recall_exact = precision = 0.0
        word_best = np.zeros(len(ref.novel))
        if ref.novel:
            exact = np.array([stem(w) in ans.stems for w in ref.novel], dtype=np.float64)
            recall_exact = float(exact.mean())
            word_best = exact
            if ans.novel:
                sims = (
                    np.stack([vec[w] for w in ref.novel]) @ np.stack([vec[w] for w in ans.novel]).T
                )
                word_best = np.maximum(exact, sims.max(axis=1))
                hit = np.array([stem(w) in ref.stems for w in ans.novel], dtype=np.float64)
                precision = float(np.maximum(hit, sims.max(axis=0)).mean())
            recall_soft = float(word_best.mean())
        # A key point is covered when some sentence of the answer says the same thing AND its
        # own content words (those the question does not give away) are matched.
        coverage = np.array(
            [
                0.5 * (sim + float((word_best[list(idx)] >= _ALIGNED).mean())) if idx else sim
                for sim, idx in zip(sentence_sim, ref.point_words, strict=True)
            ]
        )
        novel_fraction = len(ans.novel) / max(1, len(set(map(stem, ans.content))))
        length = math.log((1 + len(ans.content)) / (1 + len(ref.stems)))
        row = np.array(
            [
                cos_ar,
                cos_aq,
                cos_dem,
                float(coverage.mean()),
                float(coverage.min()),
                recall_soft,
                recall_exact,
                precision,
                novel_fraction,
                length,
                float(ans.negated != ref.negated),
            ]
        )
        return row, coverage

    def _grade_batch(
        self, items: Sequence[tuple[str, str, str]], caps: Sequence[float]
    ) -> list[Grade]:
        prepared = [(self._reference(q, r), self._answer(q, a)) for q, r, a in items]
        vectors = self._embed_all(prepared)
        grades: list[Grade] = []
        for (ref, ans), max_score in zip(prepared, caps, strict=True):
            if not ref.points:
                reason = "the card has no reference answer to grade against"
                grades.append(Grade(0.0, "incorrect", [], [], [*ans.reasons, reason]))
                continue
            row, coverage = self._features(ref, ans, vectors)
            score = float(self.params.probability(row[None, :])[0]) if ans.text else 0.0
            reasons = list(ans.reasons)
            cap = ans.cap
            if ans.repeats_question and row[_COS_AQ] >= COPY_COSINE:
                reasons.append("the answer only repeats the question")
                cap = min(cap, self.params.partial_at - 0.01)
            # Points are not credited when a guard ruled the answer out (copied question,
            # instructions to the grader).
            creditable = cap >= self.params.partial_at
            covered_mask = (coverage >= self.params.cover_at) & creditable
            score = min(score, cap)
            if max_score < 1.0:
                score = min(score, max(0.0, max_score))
                reasons.append(f"score capped at {max_score:.2f} (hints were used)")
            grades.append(
                Grade(
                    score=score,
                    verdict=self._verdict(score, bool(covered_mask.any())),
                    covered=[p for p, c in zip(ref.points, covered_mask, strict=True) if c],
                    missed=[p for p, c in zip(ref.points, covered_mask, strict=True) if not c],
                    reasons=reasons,
                )
            )
        return grades

    def _verdict(self, score: float, covers_a_point: bool) -> Verdict:
        if score >= self.params.correct_at:
            return "correct"
        # Getting one key point right is partial credit, whatever the overall score.
        if score >= self.params.partial_at or covers_a_point:
            return "partial"
        return "incorrect"
