"""The seed markdown card format, read the way people actually write it.

A deck is markdown; cards are separated by `---`; a card has a `####` title, optional
background, `:p <question>`, then the answer between `??x` and `x??` (answers may hold fenced
code). `**Rating: N/10**` lines set the rating of the cards that follow.

Leniencies (each a warning `path:line: …`, the card kept): an answer closed by a stray `??x`,
`???` or `x?` line, or not closed at all before the card's `---`, the next `####` heading, the
next `:p` or the end of the file; an answer without its opening `??x`; several `:p` questions
in one card, which make several cards sharing the title and background.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.decks.model import DeckBuilder

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_SEPARATOR = re.compile(r"^ {0,3}-{3,}\s*$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
_RATING = re.compile(r"^(\*\*|__)?rating:\s*(\d+)\s*/\s*10\s*(\*\*|__)?$", re.IGNORECASE)
_QUESTION = re.compile(r"^:p(?:\s+(.*))?$")
_STRAY_CLOSER = re.compile(r"\?\?x|\?{3,}|x\?|x\?{3,}")
"""Lines that real files use to close an answer instead of `x??`: `??x`, `???` (or more
question marks), `x?`, `x???`."""


@dataclass(slots=True)
class _Draft:
    """A card while its lines are read; `phase` is pre | question | answer | done."""

    start: int = 0
    title: str = ""
    background: list[str] = field(default_factory=list)
    question: list[str] = field(default_factory=list)
    answer: list[str] = field(default_factory=list)
    q_line: int = 0
    a_line: int = 0
    phase: str = "pre"
    rating: int | None = None
    section: bool = False  # holds a `# ` heading: a part header between cards, not a card
    inherited: bool = False  # a later `:p` of the same card: title and background shared
    error: tuple[int, str] | None = None

    def fail(self, line: int, reason: str) -> None:
        if self.error is None:
            self.error = (line, reason)


def is_stray_closer(stripped: str) -> bool:
    """Is this (stripped) line one of the closers real files use instead of `x??`?"""
    return _STRAY_CLOSER.fullmatch(stripped) is not None


def is_closer(stripped: str) -> bool:
    """Does this (stripped) line close an answer, properly or as real files do?"""
    return stripped.endswith("x??") or is_stray_closer(stripped)


def unclosed_fence(lines: list[str]) -> tuple[int, str] | None:
    """(index, marker) of a code fence these lines open and never close, if any."""
    fence: tuple[int, str] | None = None
    for n, raw in enumerate(lines):
        m = _FENCE.match(raw)
        if m is None:
            continue
        mark, info = m.group(1), m.group(2)
        if fence is None:
            if not (mark[0] == "`" and "`" in info):  # ``` `inline` ``` is not a fence
                fence = (n, mark)
        elif not info.strip() and mark[0] == fence[1][0] and len(mark) >= len(fence[1]):
            fence = None
    return fence


def _trimmed(lines: list[str]) -> list[str]:
    """Lines without the blank ones at the end."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    return lines[:end]


class SeedParser:
    """Line-by-line state machine over the seed format, aware of fenced code blocks."""

    def __init__(self, text: str, out: DeckBuilder) -> None:
        self.lines = text.split("\n")
        self.out = out
        self.draft = _Draft()
        self.fence: tuple[str, int] | None = None
        self.rating: int | None = None
        self.title = ""
        self.started = False  # a card marker was seen: later stray text is worth reporting
        self.i = 0  # the line being read (0-based)
        self._closer_at = -1  # memo for `---` inside an answer (see `_answer_continues`)
        # Longest bare fence of each kind at or after each line: an opening fence only counts
        # if it can be closed, so one stray ``` cannot swallow the rest of the deck.
        self._longest = {char: [0] * (len(self.lines) + 1) for char in "`~"}
        for i in range(len(self.lines) - 1, -1, -1):
            for longest in self._longest.values():
                longest[i] = longest[i + 1]
            m = _FENCE.match(self.lines[i])
            if m is not None and not m.group(2).strip():
                longest = self._longest[m.group(1)[0]]
                longest[i] = max(longest[i], len(m.group(1)))

    def run(self) -> str:
        """Parse every line; returns the deck's `# ` heading (or "")."""
        for i, raw in enumerate(self.lines):
            self.i = i
            self._line(i, raw)
        self.i = len(self.lines)
        self._finish(ended="the end of the file")
        return self.title

    def _opens_fence(self, i: int, raw: str) -> tuple[str, int] | None:
        m = _FENCE.match(raw)
        if m is None or (m.group(1)[0] == "`" and "`" in m.group(2)):
            return None
        char, length = m.group(1)[0], len(m.group(1))
        return (char, length) if self._longest[char][i + 1] >= length else None

    @staticmethod
    def _closes_fence(raw: str, fence: tuple[str, int]) -> bool:
        m = _FENCE.match(raw)
        if m is None or m.group(2).strip():
            return False
        return m.group(1)[0] == fence[0] and len(m.group(1)) >= fence[1]

    def _line(self, i: int, raw: str) -> None:
        d, s = self.draft, raw.strip()
        if self.fence is not None:
            if d.phase == "answer" and s == "x??":  # an unclosed fence ends with its answer
                self.fence = None
                d.phase = "done"
            else:
                if self._closes_fence(raw, self.fence):
                    self.fence = None
                self._text(i, raw)
            return
        fence = self._opens_fence(i, raw)
        if fence is not None:
            self._text(i, raw)  # first: text after an answer may start a new draft
            self.fence = fence
        elif d.phase == "answer":
            self._answer_line(i, raw, s)
        elif _SEPARATOR.match(raw):
            self._finish()
        elif m := _RATING.match(s):
            self.rating = int(m.group(2))
            if self.rating > 10:
                self.out.issue(i + 1, f"rating out of range ({self.rating}/10); ignored")
                self.rating = None
        elif m := _HEADING.match(raw):
            self._heading(i, raw, len(m.group(1)), m.group(2) or "")
        elif m := _QUESTION.match(s):
            self._question(i, m.group(1) or "")
        elif s.startswith("??x"):
            self._open_answer(i, s)
        elif d.phase == "question" and is_closer(s):
            self._closer_without_opener(i, raw, s)
        elif s == "x??":
            self.out.issue(i + 1, "stray 'x??' outside any card")
        else:
            self._text(i, raw)

    def _question(self, i: int, text: str) -> None:
        d = self.draft
        if d.phase == "pre":
            d.start = d.start or i + 1
        else:
            # Another question of the same card: it shares the title and background.
            title, background = d.title, d.background
            self._finish(ended=f"the next ':p' on line {i + 1}")
            d = self.draft
            d.title, d.background, d.inherited, d.start = title, background, True, i + 1
        d.phase, d.q_line, d.question = "question", i + 1, [text]
        d.rating, self.started = self.rating, True
        question, opener, answer = text.partition(" ??x")
        if opener and question.strip():  # `:p question ??x answer x??` on one line
            d.question, d.a_line, d.phase, d.answer = [question], i + 1, "answer", [answer]
            if answer.rstrip().endswith("x??"):
                d.answer, d.phase = [answer.rstrip()[:-3]], "done"

    def _closer_without_opener(self, i: int, raw: str, s: str) -> None:
        d = self.draft
        body = d.question[1:] + ([raw.rstrip()[:-3]] if s.endswith("x??") else [])
        if not "\n".join(body).strip():
            d.fail(i + 1, f"{s!r} without an opening '??x'")
            d.phase = "done"
            return
        self.out.warn(i + 1, f"{s!r} without an opening '??x': the answer is the lines after ':p'")
        d.question, d.answer, d.a_line, d.phase = d.question[:1], body, d.q_line + 1, "done"

    def _answer_line(self, i: int, raw: str, s: str) -> None:
        d = self.draft
        if s.endswith("x??"):
            d.answer.append(raw.rstrip()[:-3])
            d.phase = "done"
        elif is_stray_closer(s):
            self.out.warn(i + 1, f"answer closed by {s!r} instead of 'x??'")
            d.phase = "done"
        elif _SEPARATOR.match(raw) and not self._answer_continues(i):
            self._finish(ended=f"the '---' on line {i + 1}")
        elif (m := _HEADING.match(raw)) and len(m.group(1)) > 1 and not self._answer_continues(i):
            self._finish(ended=f"the heading on line {i + 1}")
            self._line(i, raw)
        elif m := _QUESTION.match(s):
            self._question(i, m.group(1) or "")
        elif s.startswith("??x"):
            # The next card began before this answer was closed.
            self._finish(ended=f"the next '??x' on line {i + 1}")
            self._line(i, raw)
        else:
            d.answer.append(raw)

    def _answer_continues(self, i: int) -> bool:
        """Is this `---` or heading inside an answer content (its closer comes before any
        other card)?"""
        if i < self._closer_at:
            return True
        fence: tuple[str, int] | None = None
        for j in range(i + 1, len(self.lines)):
            raw = self.lines[j]
            s = raw.strip()
            if fence is not None:
                if s == "x??":
                    break
                if self._closes_fence(raw, fence):
                    fence = None
            elif (fence := self._opens_fence(j, raw)) is not None:
                continue
            elif _QUESTION.match(s):
                return False
            elif is_closer(s):
                break
            elif s.startswith("??x"):
                return False
        else:
            return False
        self._closer_at = j
        return True

    def _heading(self, i: int, raw: str, level: int, text: str) -> None:
        d = self.draft
        if level == 1 and not self.title and not self.started and not d.title:
            self.title = text.strip()
        elif level == 1 or (d.phase == "pre" and d.title and not d.inherited):
            self._text(i, raw)
            self.draft.section |= level == 1 and not self.draft.title
        else:
            if d.phase != "pre":
                self._finish(ended=f"the heading on line {i + 1}")
            d = self.draft
            d.title, d.start, d.background, d.inherited = text, i + 1, [], False
            self.started = True

    def _open_answer(self, i: int, s: str) -> None:
        if self.draft.phase == "done":
            self._finish()
        d, rest = self.draft, s[3:]
        self.started = True
        if d.phase == "pre":
            d.fail(i + 1, "card has no ':p' question before its '??x' answer")
        d.start, d.a_line, d.phase = d.start or i + 1, i + 1, "answer"
        if rest.rstrip().endswith("x??"):
            d.answer, d.phase = [rest.rstrip()[:-3]], "done"
        else:
            d.answer = [rest]

    def _text(self, i: int, raw: str) -> None:
        d = self.draft
        if d.phase == "done":
            if not raw.strip():
                return
            title = d.title
            self._finish()  # text after an answer starts the next question's background
            d = self.draft
            d.title, d.inherited = title, True
        if d.phase == "pre":
            d.background.append(raw)
            d.start = d.start or (i + 1 if raw.strip() else 0)
        elif d.phase == "question":
            d.question.append(raw)
        else:
            d.answer.append(raw)

    def _finish(self, ended: str = "") -> None:
        """Close the current draft (report it or add its card) and start a new one."""
        d, self.draft = self.draft, _Draft()
        if d.error is not None:
            self.out.skip_question(*d.error)
        elif d.phase == "pre":
            if d.title and not d.inherited:
                self.out.issue(d.start, "card has no ':p' question")
            elif self.started and not d.section and "".join(d.background).strip():
                self.out.issue(d.start, "text outside any card (no ':p' question)")
        elif d.phase == "question":
            self.out.skip_question(d.q_line, "card has no answer ('??x' ... 'x??' after ':p')")
        else:
            if d.phase == "answer":
                self.out.warn(
                    d.a_line, f"answer not closed with 'x??'; it ends before {ended or 'here'}"
                )
            if (left_open := unclosed_fence(d.answer)) is not None:
                at, mark = left_open
                self.out.warn(d.a_line + at, f"code block not closed; closed with {mark} after it")
                d.answer = [*_trimmed(d.answer), mark]
            self.out.card(
                d.start,
                "\n".join(d.question),
                "\n".join(d.answer),
                title=d.title,
                background="\n".join(d.background),
                rating=d.rating,
                end=self.i,
            )
