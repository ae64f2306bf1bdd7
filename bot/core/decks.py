"""Deck files: the seed markdown card format, CSV/TSV tables and Anki plain-text exports.

Parsing never raises for bad content. Every problem becomes a `ParseIssue` (`path:line: reason`);
a malformed card is skipped and the rest of the deck still loads, while a file that cannot be
read as text at all (binary, wrong encoding, too large, empty) yields one issue and no cards.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import os
import re
import stat
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.cards import GLOBAL_SCOPE, Card
from bot.core.limits import MAX_CARD_ANSWER_CHARS, MAX_CARD_QUESTION_CHARS, MAX_CARD_TITLE_CHARS

MAX_DECK_BYTES = 10 * 1024 * 1024
"""Largest deck file we read; checked before the file is read into memory."""
MAX_BACKGROUND_CHARS = 8000

_FORMATS = {
    ".md": "md",
    ".markdown": "md",
    ".txt": "md",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
}
DECK_SUFFIXES: frozenset[str] = frozenset(_FORMATS)
"""File name suffixes (lower case) that `discover_deck_files` picks up."""


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """One problem found while reading a deck, located by 1-based line."""

    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass(slots=True)
class ParsedDeck:
    """The cards of one deck file plus everything that was wrong with it."""

    name: str
    title: str
    source: str
    scope: str
    cards: list[Card] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file loaded without a single issue."""
        return not self.issues


def format_for(filename: str) -> str | None:
    """The parser format ("md", "csv" or "tsv") for a file name, or None if unsupported."""
    return _FORMATS.get(Path(filename).suffix.lower())


# --- text hygiene -----------------------------------------------------------------------------

_NEWLINES = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\x85": "\n"})
# Invisible characters that only hide or reorder text (zero-width space, BOM, word joiner, soft
# hyphen, bidi embeddings/overrides/isolates). ZWJ/ZWNJ stay: emoji and several scripts need them.
_INVISIBLE = [0x200B, 0xFEFF, 0x2060, 0x00AD, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_DROP = dict.fromkeys(
    [c for c in range(0x20) if c not in (0x09, 0x0A)] + list(range(0x7F, 0xA0)) + _INVISIBLE
)


def clean_text(text: str) -> str:
    """Normalise line ends and NFC, drop control and invisible characters; keep tabs/newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_NEWLINES)
    return unicodedata.normalize("NFC", text.translate(_DROP))


def _decode(data: bytes) -> str | tuple[int, str]:
    """Bytes to text, or (line, reason) when the bytes are not a text deck."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            return 1, f"not valid UTF-16 text ({exc.reason} at byte offset {exc.start})"
    nul = data.find(b"\x00")
    if nul >= 0:
        return _line_of(data, nul), f"binary file (NUL byte at offset {nul}), not a text deck"
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = bom + exc.start
        return _line_of(data, offset), (
            f"not UTF-8 text: invalid byte 0x{data[offset]:02x} at offset {offset}"
            " (save the deck as UTF-8)"
        )


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _too_large(size: int) -> str:
    return f"file too large ({size:,} bytes, max {MAX_DECK_BYTES:,})"


# --- public entry points ----------------------------------------------------------------------


def parse_deck_text(
    text: str, *, deck: str, source: str, fmt: str, scope: str = GLOBAL_SCOPE
) -> ParsedDeck:
    """Parse deck text in format `fmt` ("md", "csv" or "tsv"); never raises for bad content."""
    out = _Builder(deck=deck, source=source, scope=scope)
    text = clean_text(text)
    if not deck.strip():
        out.issue(1, "empty deck name")
    elif len(text) > MAX_DECK_BYTES:
        out.issue(1, _too_large(len(text.encode("utf-8"))))
    elif not text.strip():
        out.issue(1, "empty file")
    elif fmt == "md" and _ANKI_HEADER.match(text):
        # Anki's "Notes in Plain Text" export is saved as .txt: its header says it is a table.
        _parse_table(text, "tsv", out)
    elif fmt == "md":
        out.deck.title = _SeedParser(text, out).run() or out.deck.title
    elif fmt in ("csv", "tsv"):
        _parse_table(text, fmt, out)
    else:
        out.issue(1, f"unknown deck format {fmt!r} (expected md, csv or tsv)")
    if not out.deck.cards and not out.deck.issues:
        hint = "':p' question and '??x' ... 'x??' answer" if fmt == "md" else "question,answer rows"
        out.issue(1, f"no cards found (expected {hint})")
    return out.deck


def parse_deck_bytes(
    data: bytes,
    *,
    filename: str,
    deck: str | None = None,
    scope: str = GLOBAL_SCOPE,
    source: str | None = None,
) -> ParsedDeck:
    """Parse an uploaded file's bytes; the format comes from `filename`'s extension."""
    base = re.split(r"[\\/]", filename)[-1]
    name = deck if deck is not None else _deck_name(base)
    src = source if source is not None else base
    fmt = format_for(base)
    if fmt is None:
        return _failed(name, src, scope, 1, _unsupported(base))
    if len(data) > MAX_DECK_BYTES:
        return _failed(name, src, scope, 1, _too_large(len(data)))
    text = _decode(data)
    if isinstance(text, tuple):
        return _failed(name, src, scope, *text)
    return parse_deck_text(text, deck=name, source=src, fmt=fmt, scope=scope)


def load_deck_file(path: Path, *, scope: str = GLOBAL_SCOPE) -> ParsedDeck:
    """Read and parse one deck file; unreadable files come back as a deck with one issue."""
    path = Path(path)
    source, name = str(path), _deck_name(path.name)
    if format_for(path.name) is None:
        return _failed(name, source, scope, 1, _unsupported(path.name))
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return _failed(name, source, scope, 1, "not a regular file")
        if info.st_size > MAX_DECK_BYTES:
            return _failed(name, source, scope, 1, _too_large(info.st_size))
        with path.open("rb") as fh:
            # One byte past the limit: a file that grew since stat() is still caught.
            data = fh.read(MAX_DECK_BYTES + 1)
    except OSError as exc:
        return _failed(name, source, scope, 1, f"cannot read file: {exc.strerror or exc}")
    return parse_deck_bytes(data, filename=path.name, scope=scope, source=source)


def discover_deck_files(paths: Sequence[Path]) -> list[Path]:
    """Deck files under `paths`: files as given, directories walked recursively and sorted.

    Inside directories only `DECK_SUFFIXES` files count; hidden files and folders and README
    files are skipped. Files named explicitly are kept whatever their suffix, so that
    `load_deck_file` reports why they cannot be used instead of dropping them silently.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for root in map(Path, paths):
        if root.is_dir():
            walked: list[Path] = []
            for here, dirs, files in os.walk(root):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                walked.extend(Path(here, f) for f in files if _is_deck_name(f))
            candidates = sorted(p for p in walked if p.is_file())
        else:
            candidates = [root]
        for path in candidates:
            key = Path(os.path.realpath(path))  # unlike resolve(), never raises on link loops
            if key not in seen:
                seen.add(key)
                found.append(path)
    return found


def _deck_name(filename: str) -> str:
    return clean_text(Path(filename).stem).strip()


def _is_deck_name(name: str) -> bool:
    return (
        not name.startswith(".")
        and not name.lower().startswith("readme")
        and Path(name).suffix.lower() in DECK_SUFFIXES
    )


def _unsupported(filename: str) -> str:
    suffix = Path(filename).suffix or "(none)"
    return f"unsupported deck file type {suffix!r} (use {', '.join(sorted(DECK_SUFFIXES))})"


def _failed(name: str, source: str, scope: str, line: int, reason: str) -> ParsedDeck:
    return ParsedDeck(name, name, source, scope, [], [ParseIssue(source, line, reason)])


class _Builder:
    """Collects cards and issues for one deck; validates fields and skips duplicate questions."""

    def __init__(self, *, deck: str, source: str, scope: str) -> None:
        self.deck = ParsedDeck(deck, deck, source, scope)
        self._lines: dict[str, int] = {}

    def issue(self, line: int, reason: str) -> None:
        self.deck.issues.append(ParseIssue(self.deck.source, max(line, 1), reason))

    def card(
        self,
        line: int,
        question: str,
        answer: str,
        *,
        title: str = "",
        background: str = "",
        rating: int | None = None,
    ) -> None:
        """Add one card, or record why it cannot be used."""
        question, answer = question.strip(), answer.strip()
        title, background = title.strip(), background.strip()
        problem = _field_problem(question, answer, title, background)
        if problem:
            self.issue(line, problem)
            return
        d = self.deck
        card = Card(d.name, question, answer, title, background, rating, d.scope, d.source, line)
        first = self._lines.setdefault(card.card_id, line)
        if first != line:
            self.issue(line, f"duplicate question (same card as line {first}); skipped")
        else:
            d.cards.append(card)


def _field_problem(question: str, answer: str, title: str, background: str) -> str:
    if not question:
        return "empty question"
    if not answer:
        return "empty answer"
    for what, value, limit in (
        ("question", question, MAX_CARD_QUESTION_CHARS),
        ("answer", answer, MAX_CARD_ANSWER_CHARS),
        ("title", title, MAX_CARD_TITLE_CHARS),
        ("background", background, MAX_BACKGROUND_CHARS),
    ):
        if len(value) > limit:
            return f"{what} too long ({len(value)} chars, max {limit})"
    return ""


# --- the seed markdown format -----------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_SEPARATOR = re.compile(r"^ {0,3}-{3,}\s*$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
_RATING = re.compile(r"^(\*\*|__)?rating:\s*(\d+)\s*/\s*10\s*(\*\*|__)?$", re.IGNORECASE)
_QUESTION = re.compile(r"^:p(?:\s+(.*))?$")


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
    error: tuple[int, str] | None = None

    def fail(self, line: int, reason: str) -> None:
        if self.error is None:
            self.error = (line, reason)


class _SeedParser:
    """Line-by-line state machine over the seed format, aware of fenced code blocks."""

    def __init__(self, text: str, out: _Builder) -> None:
        self.lines = text.split("\n")
        self.out = out
        self.draft = _Draft()
        self.fence: tuple[str, int] | None = None
        self.rating: int | None = None
        self.title = ""
        self.started = False  # a card marker was seen: later stray text is worth reporting
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
            self._line(i, raw)
        self._finish()
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
            if d.phase != "pre":
                self._finish()
            d = self.draft
            d.phase, d.q_line, d.question = "question", i + 1, [m.group(1) or ""]
            d.start, d.rating, self.started = d.start or i + 1, self.rating, True
        elif s.startswith("??x"):
            self._open_answer(i, s)
        elif s == "x??":
            if d.phase == "question":
                d.fail(i + 1, "'x??' without an opening '??x'")
                d.phase = "done"
            else:
                self.out.issue(i + 1, "stray 'x??' outside any card")
        else:
            self._text(i, raw)

    def _answer_line(self, i: int, raw: str, s: str) -> None:
        d = self.draft
        if s.endswith("x??"):
            d.answer.append(raw.rstrip()[:-3])
            d.phase = "done"
        elif _SEPARATOR.match(raw) and not self._answer_continues(i):
            self._finish()
        elif _QUESTION.match(s) or s.startswith("??x"):
            # The next card began before this answer was closed.
            self._finish()
            self._line(i, raw)
        else:
            d.answer.append(raw)

    def _answer_continues(self, i: int) -> bool:
        """Is this `---` inside an answer a horizontal rule (its 'x??' comes before any card)?"""
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
            elif s.endswith("x??"):
                break
            elif _QUESTION.match(s) or s.startswith("??x"):
                return False
        else:
            return False
        self._closer_at = j
        return True

    def _heading(self, i: int, raw: str, level: int, text: str) -> None:
        d = self.draft
        if level == 1 and not self.title and not self.started and not d.title:
            self.title = text.strip()
        elif level == 1 or (d.phase == "pre" and d.title):
            self._text(i, raw)
            self.draft.section |= level == 1 and not self.draft.title
        else:
            if d.phase != "pre":
                self._finish()
            d = self.draft
            d.title, d.start, d.background, self.started = text, i + 1, [], True

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
            self._finish()  # text after an answer starts the next card's background
            d = self.draft
        if d.phase == "pre":
            d.background.append(raw)
            d.start = d.start or (i + 1 if raw.strip() else 0)
        elif d.phase == "question":
            d.question.append(raw)
        else:
            d.answer.append(raw)

    def _finish(self) -> None:
        """Close the current draft (report it or add its card) and start a new one."""
        d, self.draft = self.draft, _Draft()
        if d.error is not None:
            self.out.issue(*d.error)
        elif d.phase == "pre":
            if d.title:
                self.out.issue(d.start, "card has no ':p' question")
            elif self.started and not d.section and "".join(d.background).strip():
                self.out.issue(d.start, "text outside any card (no ':p' question)")
        elif d.phase == "question":
            self.out.issue(d.q_line, "card has no answer ('??x' ... 'x??' after ':p')")
        elif d.phase == "answer":
            self.out.issue(d.a_line, "unterminated answer: '??x' without a closing 'x??'")
        else:
            self.out.card(
                d.start,
                "\n".join(d.question),
                "\n".join(d.answer),
                title=d.title,
                background="\n".join(d.background),
                rating=d.rating,
            )


# --- CSV / TSV / Anki plain-text exports ------------------------------------------------------

_SEPARATORS = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "space": " ",
    "colon": ":",
}
_ANKI_HEADER = re.compile(r"#(separator|html|columns|notetype|deck|tags|guid)\b[^:\n]*:")
_ANKI_COLUMN = re.compile(r"^#(guid|notetype|deck|tags) column:\s*(\d+)\s*$", re.IGNORECASE)
_HEADER = ({"question", "front"}, {"answer", "back"})
_BREAK = re.compile(r"<br\s*/?>|</?(?:div|p|li)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_MEDIA = re.compile(r"\[sound:[^\]]*\]")
_BLANKS = re.compile(r"\n{3,}")


def strip_html(text: str) -> str:
    """Plain text from the simple HTML of an Anki export: breaks become newlines, tags go."""
    text = _TAG.sub("", _BREAK.sub("\n", _MEDIA.sub("", text)))
    text = html.unescape(text).replace("\xa0", " ")
    return _BLANKS.sub("\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()


def _parse_table(text: str, fmt: str, out: _Builder) -> None:
    lines = text.split("\n")
    delimiter = "\t" if fmt == "tsv" else ","
    use_html, drop, skip = False, set(), 0
    # Leading '#' lines are comments; Anki's header directives among them are honoured.
    while skip < len(lines) and lines[skip].startswith("#"):
        directive = lines[skip].strip()
        key, _, value = directive[1:].partition(":")
        value = value.strip()
        if key.lower() == "separator" and value:
            delimiter = _SEPARATORS.get(value.lower(), value[0])
        elif key.lower() == "html":
            use_html = value.lower() == "true"
        elif m := _ANKI_COLUMN.match(directive):
            drop.add(int(m.group(2)) - 1)
        skip += 1
    if delimiter in '"\n' or not (delimiter.isprintable() or delimiter == "\t"):
        out.issue(skip, f"unusable separator {delimiter!r}")
        return
    body = io.StringIO("\n".join(lines[skip:]), newline="")
    reader = csv.reader(body, delimiter=delimiter, strict=True)
    done, first = 0, True
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.issue(skip + done + 1, f"malformed {fmt.upper()} row: {exc}")
            if reader.line_num <= done:
                break
            done = reader.line_num
            continue
        line, done = skip + done + 1, reader.line_num
        cells = [c.strip() for k, c in enumerate(row) if k not in drop]
        if use_html:
            cells = [strip_html(c) for c in cells]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if (
            first
            and len(cells) >= 2
            and all(c.lower() in h for c, h in zip(cells[:2], _HEADER, strict=True))
        ):
            first = False
            continue
        first = False
        if not 2 <= len(cells) <= 3:
            out.issue(
                line,
                f"expected 2 or 3 columns (question, answer[, title]), got {len(cells)}"
                + (" (quote fields that contain the separator)" if len(cells) > 3 else ""),
            )
            continue
        out.card(line, cells[0], cells[1], title=cells[2] if len(cells) > 2 else "")
