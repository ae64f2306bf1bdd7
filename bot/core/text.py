"""Small pure text helpers shared by the tutor and the front ends.

`neutralize_mentions` is the last step before any model output or user text reaches Discord:
a zero-width space inside `@everyone`, `@here`, `<@id>`, `<@!id>`, `<@&id>` and `<#id>` keeps
the text readable but stops Discord from turning it into a ping.
"""

from __future__ import annotations

import re
import unicodedata

from bot.core.words import split_sentences

__all__ = ["ZWSP", "MentionGuard", "clip", "neutralize_mentions", "plain", "split_sentences"]

ZWSP = "\u200b"

# After every "@" (covers @everyone, @here, <@id>, <@!id>, <@&id>) and between "<" and "#"
# (channel links). Inserting after *every* "@" keeps the rule independent of what follows, so
# streamed chunks can be neutralised one by one (see `MentionGuard`).
_AT = re.compile(r"@(?!\u200b)")
_CHANNEL = re.compile(r"<(?=#)")

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
