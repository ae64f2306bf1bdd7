"""Checked streaming: model text reaches a person only sentence by sentence, once checked.

The model's pieces are buffered until a sentence is complete (its end and the start of the
next are both in the buffer, or the stream ended); complete sentences are checked in a
worker thread while the model goes on writing, and only the kept ones are yielded. A person
sees a typing state until the first checked sentence, then the explanation growing a
sentence at a time; a draft sentence that fails the check is never shown, not even briefly.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.core.explainer.grounding import Verdict, clean_output, resolve_frames
from bot.core.text import neutralize_mentions, split_sentences

# Where a sentence certainly ended: its end mark, space, and the next sentence's first
# character (or an opening double quote: a quotation after a full stop starts a sentence,
# whatever its first letter); a blank line; a new list item.
_BOUNDARY = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"')\]”’]))\s+(?=[\"'(\[“‘]?[A-Z0-9`*])"
    r"|(?<=[.!?])\s+(?=[\"“])"
    r"|\n\s*\n"
    r"|\n(?=\s*(?:[-*•]|\d+[.)])\s)"
)

_LINE = re.compile(r"\n")

Decide = Callable[[Sequence[str], bool], Awaitable[list[Verdict]]]
"""Checks complete sentences (`final`: no sentence follows them) and returns verdicts."""


@dataclass(slots=True)
class Outcome:
    """What a checked stream let through and held back."""

    kept: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    draft: list[str] = field(default_factory=list)
    clipped: bool = False

    @property
    def text(self) -> str:
        """The kept sentences as shown (mentions neutralised)."""
        return neutralize_mentions(" ".join(self.kept))

    @property
    def total(self) -> int:
        """Sentences the model wrote."""
        return len(self.kept) + len(self.dropped)


def complete_prefix(buffer: str) -> int:
    """Length of the part of `buffer` made of complete sentences (0 when none is complete)."""
    end = 0
    for m in _BOUNDARY.finditer(buffer):
        end = m.start()
    return end


def first_end(buffer: str) -> int | None:
    """Where the first sentence of `buffer` certainly ended (a line break counts), else None.

    Leading spaces, colons and line breaks are not an end: the sentence has not started.
    """
    start = len(buffer) - len(buffer.lstrip(" :\n"))
    ends = [m.start() for m in (_BOUNDARY.search(buffer, start), _LINE.search(buffer, start)) if m]
    return min(ends) if ends else None


async def checked(
    pieces: AsyncIterator[str], decide: Decide, outcome: Outcome, *, max_chars: int
) -> AsyncIterator[str]:
    """Yield only checked text from `pieces`, one kept sentence (with its separator) at a time.

    `outcome` collects every verdict; generation stops once `max_chars` of text were kept.
    """
    buffer = ""
    held: list[Verdict] = []  # a quote frame waiting for the sentence after it
    shown = 0

    async def judge(text: str, final: bool) -> list[Verdict]:
        sentences = [s for s in (clean_output(x) for x in split_sentences(text)) if s]
        if not sentences and not held:
            return []
        fresh = await decide(sentences, final) if sentences else []
        # A held frame is decided by the first sentence after it.
        verdicts = resolve_frames([*held, *fresh], final=final)
        held.clear()
        if verdicts and verdicts[-1].needs_next:
            held.append(verdicts.pop())
        return verdicts

    def emit(verdicts: list[Verdict]) -> list[str]:
        nonlocal shown
        out: list[str] = []
        for v in verdicts:
            outcome.verdicts.append(v)
            if not v.kept:
                outcome.dropped.append(v.sentence)
                continue
            if shown >= max_chars:
                outcome.clipped = True
                continue
            outcome.kept.append(v.sentence)
            piece = neutralize_mentions(v.sentence)
            out.append(piece if shown == 0 else " " + piece)
            shown += len(piece) + 1
        return out

    try:
        async for piece in pieces:
            outcome.draft.append(piece)
            buffer += piece
            cut = complete_prefix(buffer)
            if cut:
                ready, buffer = buffer[:cut], buffer[cut:].lstrip()
                for text in emit(await judge(ready, final=False)):
                    yield text
                if shown >= max_chars:
                    outcome.clipped = True
                    return
        for text in emit(await judge(buffer, final=True)):
            yield text
    finally:
        aclose = getattr(pieces, "aclose", None)
        if aclose is not None:
            await aclose()


def in_thread(fn: Callable[[Sequence[str], bool], list[Verdict]]) -> Decide:
    """A `Decide` that runs `fn` (which embeds text) in a worker thread."""

    async def decide(sentences: Sequence[str], final: bool) -> list[Verdict]:
        return await asyncio.to_thread(fn, sentences, final)

    return decide
