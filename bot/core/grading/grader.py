"""The grader: aligns an answer with a card's key points, scores it, and judges its truth.

A calibrated logistic model (`params`) over alignment features (`features`) gives the score;
then the verdict is held to what resemblance cannot see. Per key point the answer is
`covered`, `missed` or `contradicted` (`contradiction`); an answer that contradicts a point,
scrambles the card's words, covers too little of the card, or fits one of the deck's other
cards (`neighbours`) as well as this one is never `correct`. Guards (`guards`) cap what the
answer's text alone rules out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from bot.core.grading.contradiction import Claim, claim, conflicting_unit, scrambled
from bot.core.grading.features import Alignment, Vector, align, texts_to_embed, units_of
from bot.core.grading.guards import COPY_COSINE, Answer, analyse_answer
from bot.core.grading.lru import LRU
from bot.core.grading.neighbours import distinct, foreign_share, said_elsewhere
from bot.core.grading.neighbours import rival as neighbour_rival
from bot.core.grading.params import FEATURES, GraderParams
from bot.core.grading.points import Reference, prepare_reference, split_key_points
from bot.core.grading.replies import grade_reply
from bot.core.grading.result import Grade, PointGrade, PointState, Verdict
from bot.core.ports import Embedder, PairScorer

_COS_AQ = FEATURES.index("cos_answer_question")
Neighbours = Sequence[tuple[str, str]]
"""Other cards of the deck, as (question, reference) pairs."""


@dataclass(frozen=True, slots=True)
class _Item:
    ref: Reference
    ans: Answer
    max_score: float
    neighbours: tuple[tuple[Reference, Answer], ...]
    pair: npt.NDArray[np.float32] | None = None  # the cross-encoder's (correct, contra, incorrect)
    point_pairs: npt.NDArray[np.float32] | None = None  # the same per key point (the veto)


class Grader:
    """Grades free-text answers against a reference answer with a bundled embedder.

    With a `pair_scorer` (the cross-encoder) whose part the model was calibrated for
    (`GraderParams.pair`), the score stacks the cross-encoder's probabilities on the
    embedding model's; without one, grading is the embedding model alone.
    """

    def __init__(
        self,
        embedder: Embedder,
        params: GraderParams | None = None,
        cache_size: int = 20_000,
        pair_scorer: PairScorer | None = None,
    ) -> None:
        self._embedder = embedder
        self.params = params if params is not None else GraderParams.bundled()
        pair = self.params.pair
        self._scorer = pair_scorer
        self._stacked = pair is not None and pair_scorer is not None
        self._per_point = (
            self._stacked
            and pair is not None
            and min(pair.point_contra_at, pair.point_correct_at) <= 1.0
        )
        self._cuts = (
            (pair.correct_at, pair.partial_at)
            if pair is not None and self._stacked
            else (self.params.correct_at, self.params.partial_at)
        )
        # The guards cap below the cuts in force.
        self._guard_params = replace(
            self.params, correct_at=self._cuts[0], partial_at=self._cuts[1]
        )
        self._vectors = LRU(cache_size)
        self._references = LRU(4096)
        self._claims = LRU(4096)

    def key_points(self, reference: str) -> list[str]:
        """The reference's key points, in order: what the feedback lists refer to."""
        return split_key_points(reference)

    def grade(
        self,
        question: str,
        reference: str,
        answer: str,
        *,
        max_score: float = 1.0,
        neighbours: Neighbours = (),
    ) -> Grade:
        """Grade one answer; `max_score` below 1 caps the score (hints lower what is on offer).

        `neighbours` are other cards of the deck: an answer that fits one of them as well as
        this card is not `correct` for this card.
        """
        return self._grade_batch([(question, reference, answer)], [max_score], [neighbours])[0]

    def grade_point(
        self, question: str, reference: str, point: int, reply: str, *, neighbours: Neighbours = ()
    ) -> PointGrade:
        """Grade `reply` against key point number `point` of `reference`, beside the card's
        other points and its deck `neighbours` (`replies`)."""
        return grade_reply(self, question, reference, point, reply, neighbours)

    def grade_many(
        self,
        items: Sequence[tuple[str, str, str]],
        neighbours: Sequence[Neighbours] | None = None,
    ) -> list[Grade]:
        """Grade (question, reference, answer) triples in order, batching the embedding calls.

        `neighbours`, when given, holds each item's deck neighbours (see `grade`).
        """
        grades: list[Grade] = []
        for start in range(0, len(items), 256):
            chunk = items[start : start + 256]
            near = neighbours[start : start + 256] if neighbours else [()] * len(chunk)
            grades.extend(self._grade_batch(chunk, [1.0] * len(chunk), near))
        return grades

    def features(self, items: Sequence[tuple[str, str, str]]) -> npt.NDArray[np.float64]:
        """Raw model features for each triple (rows in `FEATURES` order), for calibration."""
        rows: list[npt.NDArray[np.float64]] = []
        for start in range(0, len(items), 256):
            chunk = items[start : start + 256]
            prepared = [(self._reference(q, r), self._answer(q, a, r)) for q, r, a in chunk]
            vectors = self._embed_all(prepared)
            rows.extend(align(ref, ans, vectors).row for ref, ans in prepared)
        return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))

    def pair_features(self, items: Sequence[tuple[str, str, str]]) -> npt.NDArray[np.float64]:
        """The cross-encoder's (correct, contradictory, incorrect) per triple, for calibration.

        Exactly what grading feeds the stacked model; an answer with nothing to grade is
        (0, 0, 1).
        """
        out = np.tile(np.array([0.0, 0.0, 1.0]), (len(items), 1))
        if self._scorer is None:
            raise ValueError("this grader has no pair scorer")
        prepared = [
            _Item(self._reference(q, r), self._answer(q, a, r), 1.0, ()) for q, r, a in items
        ]
        for n, item in enumerate(self._score_pairs(prepared)):
            if item.pair is not None:
                out[n] = item.pair
        return out

    # -- internals ---------------------------------------------------------------------

    def _reference(self, question: str, reference: str) -> Reference:
        key = (question, reference)
        cached: Reference | None = self._references.get(key)
        if cached is not None:
            return cached
        prepared = prepare_reference(question, reference)
        self._references.put(key, prepared)
        return prepared

    def _claim(self, text: str) -> Claim:
        cached: Claim | None = self._claims.get(text)
        if cached is None:
            cached = claim(text)
            self._claims.put(text, cached)
        return cached

    def _answer(self, question: str, answer: str, reference: str) -> Answer:
        return analyse_answer(question, answer, self._guard_params, reference)

    def _embed_all(self, prepared: Sequence[tuple[Reference, Answer]]) -> dict[str, Vector]:
        wanted: dict[str, None] = {}
        for ref, ans in prepared:
            wanted.update((t, None) for t in texts_to_embed(ref, ans) if t)
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

    def _grade_batch(
        self,
        items: Sequence[tuple[str, str, str]],
        caps: Sequence[float],
        neighbours: Sequence[Neighbours],
    ) -> list[Grade]:
        prepared: list[_Item] = []
        for (q, r, a), max_score, near in zip(items, caps, neighbours, strict=True):
            ref, ans = self._reference(q, r), self._answer(q, a, r)
            others = tuple(
                (self._reference(nq, nr), self._answer(nq, a, nr))
                for nq, nr in near
                if nr.strip() and (nq, nr) != (q, r)
            )
            prepared.append(_Item(ref, ans, max_score, others))
        if self._stacked:
            prepared = self._score_pairs(prepared)
        pairs = [(i.ref, i.ans) for i in prepared] + [p for i in prepared for p in i.neighbours]
        vectors = self._embed_all(pairs)
        grades = [self._judge(item, vectors) for item in prepared]
        if self._per_point:
            # The cross-encoder reads each key point only when there is a verdict to overturn
            # (a correct answer, a contradiction found by the word rules): a grade costs one
            # pair, plus one per key point then.
            ask = [n for n, g in enumerate(grades) if g.verdict == "correct" or g.contradicted]
            points = self._score_points([prepared[n] for n in ask], vectors)
            for n, rows in zip(ask, points, strict=True):
                prepared[n] = replace(prepared[n], point_pairs=rows)
                grades[n] = self._judge(prepared[n], vectors)
        return grades

    def _score_pairs(self, prepared: list[_Item]) -> list[_Item]:
        """The cross-encoder's probabilities for each gradable answer against its reference."""
        assert self._scorer is not None
        todo = [n for n, i in enumerate(prepared) if i.ans.text and i.ref.points]
        probs = self._scorer.score(
            [
                (prepared[n].ref.question, prepared[n].ref.reference, prepared[n].ans.text)
                for n in todo
            ]
        )
        out = list(prepared)
        for n, row in zip(todo, probs, strict=True):
            out[n] = replace(prepared[n], pair=row)
        return out

    def _score_points(
        self, items: Sequence[_Item], vectors: dict[str, Vector]
    ) -> list[npt.NDArray[np.float32]]:
        """The cross-encoder's probabilities for each key point against the answer's sentence
        closest to it. (Against the whole answer it read a right answer's other sentences as
        contradicting the point: 6 of 30 own references of the tuning decks lost at 0.3.)
        """
        assert self._scorer is not None
        asks = []
        for item in items:
            units = units_of(item.ans)
            sims = align(item.ref, item.ans, vectors).unit_sims
            for i, point in enumerate(item.ref.points):
                u = int(sims[i, 1:].argmax()) + 1 if len(units) > 1 else 0
                asks.append((item.ref.question, point, units[u]))
        rows = self._scorer.score(asks) if asks else np.zeros((0, 3), np.float32)
        out, at = [], 0
        for item in items:
            out.append(rows[at : at + len(item.ref.points)])
            at += len(item.ref.points)
        return out

    def _judge(self, item: _Item, vectors: dict[str, Vector]) -> Grade:
        ref, ans, params = item.ref, item.ans, self.params
        if not ref.points:
            reason = "the card has no reference answer to grade against"
            return Grade(0.0, "incorrect", [], [], [*ans.reasons, reason])
        al = align(ref, ans, vectors)
        base = float(params.probability(al.row[None, :])[0]) if ans.text else 0.0
        raw = base
        if item.pair is not None and params.pair is not None:
            pairs = item.pair[None, :].astype(np.float64)
            raw = float(params.pair.probability(np.array([base]), pairs)[0])
        correct_at, partial_at = self._cuts
        reasons = list(ans.reasons)
        below_correct = max(0.0, correct_at - 0.01)
        below_partial = max(0.0, partial_at - 0.01)
        cap = ans.cap
        if ans.repeats_question and al.row[_COS_AQ] >= COPY_COSINE:
            reasons.append("the answer only repeats the question")
            cap = min(cap, below_partial)
        # Against the key points: the words graded (fenced code is not), all of them there.
        if ans.text and scrambled(" ".join(ref.points), ans.text):
            reasons.append("the answer strings the card's words together out of order")
            cap = min(cap, below_partial)
        # Points are not credited when a guard ruled the answer out (copied question,
        # instructions to the grader, scrambled words).
        creditable = cap >= partial_at
        others = distinct(ref, item.neighbours, vectors)  # the other cards among them
        states, said = self._states(item, al, creditable, vectors, others)
        contradicted = [p for p, s in zip(ref.points, states, strict=True) if s == "contradicted"]
        covered = [p for p, s in zip(ref.points, states, strict=True) if s == "covered"]
        if contradicted:
            reasons.append(
                f"the answer contradicts {len(contradicted)} of the card's "
                f"{len(ref.points)} key points"
            )
            cap = min(cap, below_partial if not covered else below_correct)
        if covered and len(covered) < params.min_covered * len(ref.points):
            if raw > below_correct:
                reasons.append(
                    f"the answer covers {len(covered)} of the card's {len(ref.points)} key "
                    "points; a correct answer covers at least half"
                )
            cap = min(cap, below_correct)
        foreign = foreign_share(ref, ans, item.neighbours)
        if foreign >= params.foreign_at:
            reasons.append("the answer uses other cards' terms in place of this card's")
            cap = min(cap, below_correct)
        if raw >= correct_at and item.neighbours and cap > below_correct:
            rival = neighbour_rival(others, vectors, params, base)
            if rival is not None:
                reasons.append(f"the answer fits another card better: “{rival}”")
                cap = min(cap, below_correct)
        score = min(raw, cap)
        if item.max_score < 1.0:
            score = min(score, max(0.0, item.max_score))
            reasons.append(f"score capped at {item.max_score:.2f} (hints were used)")
        return Grade(
            score=score,
            verdict=self._verdict(score, bool(covered)),
            covered=covered,
            missed=[p for p, s in zip(ref.points, states, strict=True) if s == "missed"],
            reasons=reasons,
            contradicted=contradicted,
            said=said,
        )

    def _states(
        self,
        item: _Item,
        al: Alignment,
        creditable: bool,
        vectors: dict[str, Vector],
        others: Sequence[tuple[Reference, Answer]],
    ) -> tuple[list[PointState], list[str]]:
        """Each key point's state, and the answer's words behind each contradiction.

        A point is contradicted by the word rules (`conflicting_unit`) unless the cross-encoder
        reads it as stated, or by the cross-encoder alone (its words are then the answer
        sentence closest to the point), when the cross-encoder was asked about the points.
        """
        ref, ans = item.ref, item.ans
        units = units_of(ans)
        pair = self.params.pair
        states: list[PointState] = []
        said: list[str] = []
        elsewhere = said_elsewhere(ans, al, others, vectors)
        for i, point in enumerate(ref.points):
            if not creditable or not units:
                states.append("missed")
                continue
            conflict = conflicting_unit(
                i, point, units, al.unit_sims, self.params.about_at, self._claim
            )
            if item.point_pairs is not None and pair is not None:
                row = item.point_pairs[i]
                if conflict is not None and row[0] >= pair.point_correct_at:
                    conflict = None  # the cross-encoder reads the point as stated
                elif conflict is None and row[1] >= pair.point_contra_at and row[1] > row[0]:
                    u = int(al.unit_sims[i, 1:].argmax()) + 1 if len(units) > 1 else 0
                    conflict = units[u]
            if conflict is not None:
                states.append("contradicted")
                said.append(conflict)
            elif al.coverage[i] >= self.params.cover_at and not elsewhere[i]:
                states.append("covered")
            else:
                states.append("missed")
        return states, said

    def _verdict(self, score: float, covers_a_point: bool) -> Verdict:
        correct_at, partial_at = self._cuts
        if score >= correct_at:
            return "correct"
        # Getting one key point right is partial credit, whatever the overall score.
        if score >= partial_at or covers_a_point:
            return "partial"
        return "incorrect"
