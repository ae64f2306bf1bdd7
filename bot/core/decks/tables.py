"""CSV and TSV decks, and Anki's "Notes in Plain Text" export (a TSV with `#key:value` lines).

A row is `question,answer[,title]`; a header row `question,answer` (or `front,back`) is
skipped. A row whose question holds cloze deletions (`{{c1::…}}`) may have no answer: its
second column, if any, is extra context.
"""

from __future__ import annotations

import csv
import io
import re

from bot.core.decks.cloze import has_cloze
from bot.core.decks.html_text import strip_html
from bot.core.decks.model import DeckBuilder

_SEPARATORS = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "space": " ",
    "colon": ":",
}
ANKI_HEADER = re.compile(r"#(separator|html|columns|notetype|deck|tags|guid)\b[^:\n]*:")
_ANKI_COLUMN = re.compile(r"^#(guid|notetype|deck|tags) column:\s*(\d+)\s*$", re.IGNORECASE)
_HEADER = ({"question", "front", "text"}, {"answer", "back", "extra", "back extra"})


def parse_table(text: str, fmt: str, out: DeckBuilder) -> None:
    """Read CSV (`fmt` "csv") or TSV ("tsv") rows into `out`."""
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
            out.skip_question(skip + done + 1, f"malformed {fmt.upper()} row: {exc}")
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
        end = skip + done
        if len(cells) == 1 and has_cloze(cells[0]):
            out.card(line, cells[0], "", end=end)
            continue
        if not 2 <= len(cells) <= 3:
            out.skip_question(
                line,
                f"expected 2 or 3 columns (question, answer[, title]), got {len(cells)}"
                + (" (quote fields that contain the separator)" if len(cells) > 3 else ""),
            )
            continue
        out.card(line, cells[0], cells[1], title=cells[2] if len(cells) > 2 else "", end=end)
