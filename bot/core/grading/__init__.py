"""Free-text answer grading: key points, guards, the calibrated model and the grader.

The reference answer is split into key points (`points`). A student's answer is cleaned and
checked by rule-based guards that cap what it can score and say why (`guards`), then scored
by a small logistic model over alignment features (`params`, `grader`): sentence-level
cosine, how well each key point is matched by some sentence of the answer, and a
BERTScore-like greedy word alignment, with words that merely repeat the question demoted.
"""

from bot.core.grading.grader import Grader
from bot.core.grading.guards import analyse_answer
from bot.core.grading.params import FEATURES, GraderParams
from bot.core.grading.points import split_key_points
from bot.core.grading.result import Grade, PointGrade, PointState, Verdict
from bot.core.words import content_words, normalize_text, stem, words

__all__ = [
    "FEATURES",
    "Grade",
    "Grader",
    "GraderParams",
    "PointGrade",
    "PointState",
    "Verdict",
    "analyse_answer",
    "content_words",
    "normalize_text",
    "split_key_points",
    "stem",
    "words",
]
