"""Free-text answer grading: key-point coverage by embedding alignment, with guards.

The reference answer is split into key points (sentences and long clauses; fenced code is
left out when there is prose). A student's answer is scored by a small logistic model over a
handful of alignment features: sentence-level cosine, how well each key point is matched by
some sentence of the answer, and a BERTScore-like greedy word alignment. Words that merely
repeat the question are demoted: coverage is measured only on reference content the question
does not already give away. Rule-based guards then cap the score of answers that must never
pass (empty, "I don't know", the question copied back, keyword lists, pings and links,
instructions aimed at the grader) and say why in `reasons`.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bot.core.limits import MAX_ANSWER_CHARS
from bot.core.ports import Embedder
from bot.errors import ConfigError

Verdict = Literal["correct", "partial", "incorrect"]
PointState = Literal["covered", "missed", "contradicted"]
"""What an answer does with one key point of the reference."""
Vector = npt.NDArray[np.float32]

# Two words are aligned when their embeddings are this close (or they share a stem).
_ALIGNED = 0.6
FEATURES = (
    "cos_answer_reference",
    "cos_answer_question",
    "cos_demoted",
    "keypoint_mean",
    "keypoint_min",
    "word_recall_soft",
    "word_recall_exact",
    "word_precision_soft",
    "novel_fraction",
    "log_length_ratio",
    "negation_mismatch",
)

# Function words carry no content of their own; question words too.
_STOPWORD_TEXT = """a about above after again against all also am an and any are as at be
    because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just let me more most my myself of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves s t d ll m re ve o y etc e g i.e eg ie may might must shall us one"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_NEGATION_TEXT = "no not never none nothing nobody neither nor cannot without n't"
_NEGATIONS = frozenset(_NEGATION_TEXT.split())
# An answer made only of the question's words is a copy when it also means the same thing;
# SemEval questions often spell out the options, so word overlap alone is not enough.
_COPY_COSINE = 0.7
_COS_AQ = FEATURES.index("cos_answer_question")
# Words that talk about the question rather than answer it.
_META_STEMS = frozenset({"question", "ask", "asks", "asked", "asking", "wonder"})
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_END = re.compile(
    r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n\s*[-*•]\s+|\n(?=\d+\.\s)"
)
_CLAUSE = re.compile(r";\s+|,\s+(?=(?:while|whereas|but)\b)")
# Examples illustrate the point before them rather than making one of their own.
_EXAMPLE = re.compile(r"^(?:for\s+(?:example|instance)|e\.g\.|so,\s+for|such\s+as)\b", re.I)
_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)
# "Here is an example:" just before a code block introduces the code; it is not a point.
_FENCE_INTRO = re.compile(r"[^\n]*:[ \t]*\n(?=[ \t]*```)")
_MENTION = re.compile(r"@(?:everyone|here)\b|<@[!&]?\d+>|<#\d+>", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+|\b\S+\.(?:com|org|net|io|gg|ly|xyz)(?:/\S*)?\b", re.I)
_IDK = re.compile(
    r"^\W*(?:i\s+(?:really\s+)?(?:do\s*n[o']?t|dont|don’t)\s+know|idk|dunno|no\s+idea|not\s+sure|"
    r"i\s+have\s+no\s+(?:idea|clue)|no\s+clue|pass|skip|\?+|n/?a|nothing|i\s+forgot|"
    r"i\s+(?:can'?not|can’t|cant)\s+remember)\W*$",
    re.IGNORECASE,
)
_INJECTION = re.compile(
    r"ignore\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier|your)\b"
    r"|disregard\s+(?:all\s+|the\s+)?(?:previous|prior|above|instructions|rules)"
    r"|\b(?:mark|grade|score|rate|count|treat)\s+(?:this|it|me|my\s+answer|the\s+answer)"
    r"\s+(?:as\s+)?(?:correct|right|full|perfect|100|10/10|5/5|1\.0)"
    r"|\b(?:grade|verdict|score|result)\s*[:=]\s*(?:correct|1(?:\.0)?|100|full|pass)"
    r"|\byou\s+(?:must|will|should)\s+(?:mark|grade|say|output|respond)"
    r"|\b(?:system|assistant)\s*(?:prompt)?\s*:"
    r"|\bas\s+the\s+grader\b|\bnew\s+instructions?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Grade:
    """The outcome of grading one answer: a 0..1 score, a verdict and the feedback lists."""

    score: float
    verdict: Verdict
    covered: list[str]
    missed: list[str]
    reasons: list[str]
    contradicted: list[str] = field(default_factory=list)
    """Key points the answer asserts the opposite of (or a different fact in place of)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with exactly the keys score, verdict, covered, missed, reasons."""
        return {
            "score": round(float(self.score), 4),
            "verdict": self.verdict,
            "covered": list(self.covered),
            "missed": list(self.missed),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class PointGrade:
    """A reply graded against one key point only (the tutor's dialogue works point by point)."""

    point: str
    state: PointState
    score: float
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class GraderParams:
    """Calibrated model: standardisation, logistic weights and verdict thresholds."""

    features: tuple[str, ...] = FEATURES
    mean: tuple[float, ...] = (0.0,) * len(FEATURES)
    scale: tuple[float, ...] = (1.0,) * len(FEATURES)
    weights: tuple[float, ...] = (0.0, 0.0, 0.0, 4.0) + (0.0,) * (len(FEATURES) - 4)
    bias: float = -2.4
    correct_at: float = 0.5
    partial_at: float = 0.25
    cover_at: float = 0.55
    provenance: str = "uncalibrated defaults"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, as stored in grading_model.json."""
        data = asdict(self)
        data["features"] = list(self.features)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GraderParams:
        """Rebuild from `to_dict` output; the feature list must match this code's features."""
        features = tuple(data["features"])
        if features != FEATURES:
            raise ConfigError(
                f"grading model features {features} do not match this version's {FEATURES};"
                " re-run `python -m bot.eval.asag calibrate`"
            )
        return cls(
            features=features,
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]),
            weights=tuple(float(v) for v in data["weights"]),
            bias=float(data["bias"]),
            correct_at=float(data["correct_at"]),
            partial_at=float(data["partial_at"]),
            cover_at=float(data["cover_at"]),
            provenance=str(data.get("provenance", "")),
            extra=dict(data.get("extra", {})),
        )

    @classmethod
    def bundled(cls) -> GraderParams:
        """The calibrated parameters shipped in `bot/core/grading_model.json`."""
        text = resources.files("bot.core").joinpath("grading_model.json").read_text("utf-8")
        return cls.from_dict(json.loads(text))

    def probability(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Logistic model over rows of raw feature values."""
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = z @ np.asarray(self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30.0, 30.0)))


def normalize_text(text: str) -> str:
    """NFKC-fold, drop control characters, collapse blank runs; keeps line breaks."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"[ \t]+", " ", text).strip()


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.replace("’", "'") for w in _WORD.findall(text.casefold())]


def stem(word: str) -> str:
    """A crude suffix stripper: enough to match "tokenizes"/"tokenized"/"tokenizing"."""
    for suffix in ("ational", "ization", "ations", "ation", "ingly", "ities", "ings", "ness"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    for suffix in ("ing", "ity", "ies", "ied", "ed", "es", "ly", "er", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Words that carry content: not function words, not single letters."""
    return [w for w in words(text) if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]


def split_key_points(reference: str) -> list[str]:
    """Split a reference answer into key points: sentences, long ones into clauses.

    Fenced code blocks are left out when the reference also has prose (a typed answer
    rarely reproduces code); a code-only reference is one key point.
    """
    text = normalize_text(reference)
    prose = _FENCE.sub("\n\n", _FENCE_INTRO.sub("\n", text)).strip()
    if not content_words(prose):
        return [text] if text else []
    points: list[str] = []
    for sentence in _SENTENCE_END.split(prose):
        sentence = " ".join(sentence.split())
        if not sentence:
            continue
        parts = _CLAUSE.split(sentence) if len(sentence.split()) > 22 else [sentence]
        for part in parts:
            part = part.strip(" ,;")
            # A fragment too small to grade on its own joins the point before it.
            if points and (len(content_words(part)) < 2 or _EXAMPLE.match(part)):
                points[-1] = f"{points[-1]} {part}".strip()
            elif part:
                points.append(part)
    return points


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


@dataclass(frozen=True, slots=True)
class _Reference:
    """What grading needs from one (question, reference) pair, before embedding."""

    question: str
    reference: str
    points: tuple[str, ...]
    question_stems: frozenset[str]
    stems: frozenset[str]
    novel: tuple[str, ...]  # reference content words the question does not give away
    point_words: tuple[tuple[int, ...], ...]  # per key point: indices into `novel`
    demoted: str
    negated: bool


@dataclass(frozen=True, slots=True)
class _Answer:
    """A cleaned answer and what the guards found in it."""

    text: str
    units: tuple[str, ...]
    stems: frozenset[str]
    content: tuple[str, ...]
    novel: tuple[str, ...]
    demoted: str
    negated: bool
    reasons: tuple[str, ...]
    cap: float  # the highest score the guards allow
    repeats_question: bool = False  # no word beyond the question's (confirmed by embedding)


def _dedupe_by_stem(tokens: Iterable[str], drop: frozenset[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out: list[str] = []
    for token in tokens:
        key = stem(token)
        if key not in drop and key not in seen:
            seen.add(key)
            out.append(token)
    return tuple(out)


def _sentences(text: str) -> tuple[str, ...]:
    parts = [" ".join(p.split()) for p in _SENTENCE_END.split(_FENCE.sub("\n\n", text))]
    return tuple(p for p in parts if content_words(p))


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

    def _reference(self, question: str, reference: str) -> _Reference:
        key = (question, reference)
        cached: _Reference | None = self._references.get(key)
        if cached is not None:
            return cached
        q = normalize_text(question)
        r = normalize_text(reference)
        points = tuple(split_key_points(r))
        question_stems = frozenset(stem(w) for w in content_words(q))
        prose = _FENCE.sub(" ", _FENCE_INTRO.sub("\n", r))
        ref_content = content_words(prose)
        novel = _dedupe_by_stem(ref_content, question_stems) or _dedupe_by_stem(
            ref_content, frozenset()
        )
        demoted = " ".join(w for w in words(prose) if stem(w) not in question_stems)
        point_words = tuple(
            tuple(i for i, w in enumerate(novel) if stem(w) in {stem(t) for t in content_words(p)})
            for p in points
        )
        prepared = _Reference(
            question=q,
            reference=r,
            points=points,
            question_stems=question_stems,
            stems=frozenset(stem(w) for w in ref_content),
            novel=novel,
            point_words=point_words,
            demoted=demoted,
            negated=any(w in _NEGATIONS or w.endswith("n't") for w in words(prose)),
        )
        self._references.put(key, prepared)
        return prepared

    def _answer(self, question: str, answer: str) -> _Answer:
        return analyse_answer(question, answer, self.params)

    def _embed_all(self, prepared: Sequence[tuple[_Reference, _Answer]]) -> dict[str, Vector]:
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
        self, ref: _Reference, ans: _Answer, vec: dict[str, Vector]
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
            if ans.repeats_question and row[_COS_AQ] >= _COPY_COSINE:
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


def _stuffed(tokens: Sequence[str], raw: str) -> bool:
    """A bag of keywords rather than an explanation.

    Real answers may be terse lists of phrases ("constant pointer to constant data, ..."),
    so only three shapes count: words with next to no function words and no phrase breaks,
    a comma list of single words, or the same few words repeated over and over.
    """
    if len(tokens) < 5:
        return False
    share = sum(1 for t in tokens if t in _STOPWORDS or t in _NEGATIONS) / len(tokens)
    items = [words(part) for part in re.split(r"[,;\n]+", raw)]
    items = [item for item in items if item]
    bag = share < 0.08 and len(items) <= 2
    single_words = len(items) >= 5 and sum(len(i) for i in items) / len(items) <= 1.5
    content = [t for t in tokens if t not in _STOPWORDS]
    grams = [tuple(content[k : k + 3]) for k in range(len(content) - 2)]
    looped = (
        bool(grams)
        and max(grams.count(g) for g in set(grams)) >= 3
        and len(set(content)) < 0.5 * len(content)
    )
    return bag or single_words or looped


def analyse_answer(question: str, answer: str, params: GraderParams) -> _Answer:
    """Clean an answer and apply the text-only guards (caps and reasons)."""
    reasons: list[str] = []
    cap = 1.0
    below_correct = max(0.0, params.correct_at - 0.01)
    below_partial = max(0.0, params.partial_at - 0.01)
    text = normalize_text(answer)
    if len(text) > MAX_ANSWER_CHARS:
        text = text[:MAX_ANSWER_CHARS]
        reasons.append(f"only the first {MAX_ANSWER_CHARS} characters were graded")
    if _INJECTION.search(text):
        reasons.append("the answer contains instructions aimed at the grader; they were ignored")
        cap = min(cap, below_partial)
    if _MENTION.search(text):
        text = _MENTION.sub(" ", text)
        reasons.append("mentions (@everyone, @here, <@…>) are not part of an answer")
        cap = min(cap, below_correct)
    if _URL.search(text):
        text = _URL.sub(" ", text)
        reasons.append("links were removed: explain in your own words")
        cap = min(cap, below_correct)
    text = " ".join(text.split(" ")).strip()
    tokens = words(text)
    if not tokens:
        reasons.append("the answer is empty")
        return _Answer("", (), frozenset(), (), (), "", False, tuple(reasons), 0.0)
    if _IDK.match(text):
        reasons.append("the answer says you don't know")
        return _Answer("", (), frozenset(), (), (), "", False, tuple(reasons), 0.0)
    question_stems = frozenset(stem(w) for w in content_words(normalize_text(question)))
    content = tuple(t for t in tokens if t not in _STOPWORDS and (len(t) > 1 or t.isdigit()))
    novel = _dedupe_by_stem(content, question_stems)
    distinct = {stem(t) for t in content}
    # Only a near-total copy is ruled out here: real answers often reuse the question's words
    # ("Is X harder than Y?" "X is harder."); partial copies are left to the model's features.
    # A copy says nothing beyond the question and takes up most of it; an answer that restates
    # one of the options a long question spells out is not a copy.
    repeats_question = (
        len(distinct) >= 2
        and not [w for w in novel if stem(w) not in _META_STEMS]
        and len(distinct & question_stems) >= 0.6 * len(question_stems)
    )
    if _stuffed(tokens, text):
        reasons.append("the answer reads like a list of keywords, not an explanation")
        cap = min(cap, below_correct)
    units = _sentences(text)
    return _Answer(
        text=text,
        units=units if len(units) > 1 else (),
        stems=frozenset(distinct),
        content=content,
        novel=novel,
        demoted=" ".join(t for t in tokens if stem(t) not in question_stems),
        negated=any(t in _NEGATIONS or t.endswith("n't") for t in tokens),
        reasons=tuple(reasons),
        cap=cap,
        repeats_question=repeats_question,
    )
