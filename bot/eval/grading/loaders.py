"""Short-answer grading data: Mohler 2011 and SemEval-2013 Task 7 loaders, Mohler's folds."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.errors import InputError

SEMEVAL_TESTS = ("test-unseen-answers", "test-unseen-questions", "test-unseen-domains")


@dataclass(frozen=True, slots=True)
class AsagItem:
    """One human-graded student answer; `gold` is 0..1 (Mohler: mean score / 5; SemEval: 0/1)."""

    dataset: str
    split: str
    qid: str
    question: str
    reference: str
    answer: str
    gold: float
    label: str = ""  # SemEval's own label: correct, incorrect, or (3-way) contradictory


def load_mohler(data: Path) -> list[AsagItem]:
    """All 2,273 Mohler 2011 answers; `qid` is `assignment.question`."""
    path = data / "mohler2011" / "mohler2011.csv"
    if not path.is_file():
        raise InputError(f"Mohler data not found: {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            AsagItem(
                dataset="mohler",
                split="all",
                qid=row["qid"],
                question=row["question"],
                reference=row["reference_answer"],
                answer=row["student_answer"],
                gold=float(row["score_avg"]) / 5.0,
            )
            for row in csv.DictReader(handle)
        ]


def load_semeval(
    split: str, corpus: str = "sciEntsBank", *, data: Path, ways: int = 2
) -> list[AsagItem]:
    """SemEval-2013 items of `corpus` for `split` ("training" or a `SEMEVAL_TESTS` name).

    `ways` is 2 (correct / incorrect) or 3 (correct / contradictory / incorrect); `gold` is 1
    for correct either way. A question with several reference answers (Beetle) keeps the
    first one marked BEST.
    """
    path = data / "semeval2013-task7" / "semeval-3way.zip"
    if not path.is_file():
        raise InputError(f"SemEval data not found: {path}")
    way = f"{ways}way"
    prefix = f"training/{way}/{corpus}/" if split == "training" else f"test/{way}/{corpus}/{split}/"
    items: list[AsagItem] = []
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith(prefix) and n.endswith(".xml"))
        if not names:
            raise InputError(f"no SemEval files under {prefix} in {path}")
        for name in names:
            root = ET.fromstring(archive.read(name))
            refs = root.findall("./referenceAnswers/referenceAnswer")
            best = [r for r in refs if r.get("category", "BEST") == "BEST"] or refs
            for answer in root.findall("./studentAnswers/studentAnswer"):
                items.append(
                    AsagItem(
                        dataset=f"semeval-{corpus}",
                        split=split,
                        qid=root.get("id", name),
                        question=(root.findtext("questionText") or "").strip(),
                        reference=(best[0].text or "").strip(),
                        answer=(answer.text or "").strip(),
                        gold=1.0 if answer.get("accuracy") == "correct" else 0.0,
                        label=answer.get("accuracy", ""),
                    )
                )
    return items


def triples(items: Sequence[AsagItem]) -> list[tuple[str, str, str]]:
    """(question, reference, answer) of each item, as the grader takes them."""
    return [(i.question, i.reference, i.answer) for i in items]


def mohler_folds(items: Sequence[AsagItem], n_folds: int = 6) -> np.ndarray:
    """Fold number per Mohler item: whole assignments are held out together (2 per fold)."""
    assignment = np.array([int(i.qid.split(".")[0]) for i in items])
    return (assignment - 1) % n_folds
