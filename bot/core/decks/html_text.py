"""Plain text from the HTML of Anki fields: line breaks, lists and code blocks kept, entities
decoded, images collected (their file names) rather than dropped, sound tags removed.

Anki's own math delimiters `[$]…[/$]` and `[$$]…[/$$]` become `\\(…\\)` and `\\[…\\]`, the
LaTeX that the rest of flashtutor reads.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SOUND = re.compile(r"\[sound:[^\]]*\]")
_ANKI_MATH = (
    (re.compile(r"\[\$\$\](.*?)\[/\$\$\]", re.S), r"\\[\1\\]"),
    (re.compile(r"\[\$\](.*?)\[/\$\]", re.S), r"\\(\1\\)"),
    (re.compile(r"\[latex\](.*?)\[/latex\]", re.S | re.I), r"\\[\1\\]"),
)
_BLANKS = re.compile(r"\n{3,}")
_BLOCK = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr main nav p section table tbody thead tfoot tr ul ol".split()
)
_SKIP = frozenset({"script", "style", "head", "title"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.images: list[str] = []
        self.lists: list[list[int]] = []  # per open list: [is_ordered, next number]
        self.pre = 0
        self.skip = 0

    def _newline(self) -> None:
        if self.out and not self.out[-1].endswith("\n"):
            self.out.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag == "img":
            src = dict(attrs).get("src") or ""
            if src and "://" not in src and not src.startswith("data:"):
                self.images.append(src)
        elif tag == "pre":
            self._newline()
            self.out.append("```\n")
            self.pre += 1
        elif tag == "code" and not self.pre:
            self.out.append("`")
        elif tag in ("ul", "ol"):
            self._newline()
            self.lists.append([tag == "ol", 1])
        elif tag == "li":
            self._newline()
            ordered, number = self.lists[-1] if self.lists else (False, 1)
            if self.lists:
                self.lists[-1][1] += 1
            indent = "  " * max(0, len(self.lists) - 1)
            self.out.append(f"{indent}{number}. " if ordered else f"{indent}- ")
        elif tag in _BLOCK:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "pre" and self.pre:
            self.pre -= 1
            self._newline()
            self.out.append("```\n")
        elif tag == "code" and not self.pre:
            self.out.append("`")
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._newline()
        elif tag in _BLOCK or tag == "li":
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def html_to_text(html: str) -> tuple[str, list[str]]:
    """(plain text, image file names in order of appearance) of an HTML field."""
    text = _SOUND.sub("", html)
    for pattern, repl in _ANKI_MATH:
        text = pattern.sub(repl, text)
    parser = _Text()
    parser.feed(text)
    parser.close()
    plain = "".join(parser.out).replace("\xa0", " ")
    lines = [line.rstrip() for line in plain.split("\n")]
    plain = _BLANKS.sub("\n\n", "\n".join(lines)).strip()
    return plain, list(dict.fromkeys(parser.images))


def strip_html(text: str) -> str:
    """Plain text of an HTML field (images dropped)."""
    return html_to_text(text)[0]
