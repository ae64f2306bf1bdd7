"""SemEval-2013 Task 7 with its 3-way labels: questions, every reference, every answer.

`bot.eval.asag` reads the 2-way files with one reference per question; the cross-encoder
needs the 3-way labels (correct / contradictory / incorrect) and, for Beetle, all reference
answers with their categories (BEST, GOOD, MINIMAL, KEYWORD). Training uses `training/`
only; the `test/` splits are read for measurement.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bot.errors import InputError

CORPORA = ("sciEntsBank", "beetle")
TEST_SPLITS = {
    "sciEntsBank": ("test-unseen-answers", "test-unseen-questions", "test-unseen-domains"),
    "beetle": ("test-unseen-answers", "test-unseen-questions"),
}


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference answer and its category (SciEntsBank's have none: BEST)."""

    id: str
    text: str
    category: str


@dataclass(frozen=True, slots=True)
class Answer:
    """One student answer with its 3-way label; `match` is the reference it was matched to."""

    id: str
    text: str
    label: str
    match: str | None


@dataclass(frozen=True, slots=True)
class Question:
    """A question with its references and graded answers."""

    corpus: str
    split: str
    id: str
    module: str
    text: str
    references: tuple[Reference, ...]
    answers: tuple[Answer, ...]

    @property
    def best(self) -> tuple[Reference, ...]:
        """The BEST references (all of them when none is marked)."""
        return tuple(r for r in self.references if r.category == "BEST") or self.references

    @property
    def reference(self) -> str:
        """The first BEST reference: the one measurement pairs every answer with."""
        return self.best[0].text


def archive_path(data: Path) -> Path:
    """The zip with every split."""
    path = data / "semeval2013-task7" / "semeval-3way.zip"
    if not path.is_file():
        raise InputError(f"SemEval data not found: {path}")
    return path


def load(corpus: str, split: str, data: Path) -> list[Question]:
    """Every question of `corpus` in `split` ("training" or one of `TEST_SPLITS[corpus]`)."""
    if corpus not in CORPORA:
        raise InputError(f"unknown SemEval corpus {corpus!r}")
    prefix = f"training/3way/{corpus}/" if split == "training" else f"test/3way/{corpus}/{split}/"
    questions: list[Question] = []
    with zipfile.ZipFile(archive_path(data)) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith(prefix) and n.endswith(".xml"))
        if not names:
            raise InputError(f"no SemEval files under {prefix}")
        for name in names:
            root = ET.fromstring(archive.read(name))
            refs = tuple(
                Reference(r.get("id", ""), (r.text or "").strip(), r.get("category", "BEST"))
                for r in root.findall("./referenceAnswers/referenceAnswer")
                if (r.text or "").strip()
            )
            answers = tuple(
                Answer(
                    a.get("id", ""),
                    (a.text or "").strip(),
                    a.get("accuracy", ""),
                    a.get("answerMatch"),
                )
                for a in root.findall("./studentAnswers/studentAnswer")
            )
            qid = root.get("id", name)
            questions.append(
                Question(
                    corpus=corpus,
                    split=split,
                    id=qid,
                    module=root.get("module") or qid.split("_")[0],
                    text=(root.findtext("questionText") or "").strip(),
                    references=refs,
                    answers=answers,
                )
            )
    return questions
