"""Small pure text helpers shared by the tutor and the front ends.

`neutralize_mentions` is the last step before any model output or user text reaches Discord:
a zero-width space inside `@everyone`, `@here`, `<@id>`, `<@!id>`, `<@&id>` and `<#id>` keeps
the text readable but stops Discord from turning it into a ping.
"""

from __future__ import annotations

import re
import unicodedata

ZWSP = "\u200b"

# After every "@" (covers @everyone, @here, <@id>, <@!id>, <@&id>) and between "<" and "#"
# (channel links). Inserting after *every* "@" keeps the rule independent of what follows, so
# streamed chunks can be neutralised one by one (see `MentionGuard`).
_AT = re.compile(r"@(?!\u200b)")
_CHANNEL = re.compile(r"<(?=#)")

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9`*])")
_PARAGRAPH = re.compile(r"\n\s*\n")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_SPACES = re.compile(r"\s+")
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}


def neutralize_mentions(text: str) -> str:
    """Defuse Discord mentions by inserting a zero-width space; idempotent."""
    return _CHANNEL.sub("<" + ZWSP, _AT.sub("@" + ZWSP, text))


class MentionGuard:
    """Neutralises a stream of chunks, even when a mention is split across two chunks.

    Only a trailing "<" can start a mention that the next chunk completes ("<" + "#123>"),
    so that one character is held back until the next chunk (or `flush`).
    """

    def __init__(self) -> None:
        self._carry = ""

    def feed(self, chunk: str) -> str:
        """Return the safe part of `chunk` (plus anything held back before)."""
        text = self._carry + chunk
        self._carry = ""
        if text.endswith("<"):
            text, self._carry = text[:-1], "<"
        return neutralize_mentions(text)

    def flush(self) -> str:
        """Return whatever is still held back."""
        text, self._carry = self._carry, ""
        return neutralize_mentions(text)


def clip(text: str, n: int) -> str:
    """Shorten `text` to at most `n` characters, cutting at a word boundary with an ellipsis."""
    if n <= 0:
        return ""
    if len(text) <= n:
        return text
    if n == 1:
        return "…"
    cut = text[: n - 1]
    space = cut.rfind(" ")
    if space >= n // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def plain(text: str) -> str:
    """Drop control and format characters (keeping newlines and tabs) from untrusted text."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in _CONTROL)


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences (and list items), trimmed, empty pieces dropped.

    A plain heuristic: a sentence ends at ".", "!" or "?" followed by space and a capital,
    digit or quote; a blank line, a list bullet and the line after a list item also end one.
    Good enough for checking short model output sentence by sentence.
    """
    blocks: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        current: list[str] = []
        in_item = False
        for line in paragraph.splitlines():
            bullet = bool(_BULLET.match(line))
            if current and (bullet or in_item):
                blocks.append(" ".join(current))
                current = []
            current.append(_BULLET.sub("", line) if bullet else line)
            in_item = bullet
        if current:
            blocks.append(" ".join(current))
    out: list[str] = []
    for block in blocks:
        for piece in _SENTENCE_END.split(block):
            cleaned = _SPACES.sub(" ", piece).strip()
            if cleaned:
                out.append(cleaned)
    return out
