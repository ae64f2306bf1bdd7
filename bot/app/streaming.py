"""Relaying streamed LLM text into a Discord message without outrunning its edit limit.

The tutor streams only text that already passed the grounding check (whole sentences, see
`bot.core.explainer.checked`), so every edit shows checked text; until the first checked
sentence the front end shows its typing state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from bot.core.explainer import Chunk, ExplainResult

log = logging.getLogger(__name__)

EDIT_INTERVAL_S = 1.0
"""Least time between two edits of one message (Discord allows about 5 edits per 5 s)."""


async def relay(
    chunks: AsyncIterator[Chunk],
    show: Callable[[str], Awaitable[object]],
    *,
    interval: float = EDIT_INTERVAL_S,
) -> ExplainResult:
    """Show the growing checked text at most once per `interval`; return the final result.

    The caller shows the result's text in its place: the same text, or the fallback when
    too little of what the model wrote was grounded.
    """
    loop = asyncio.get_running_loop()
    last = loop.time()
    draft: list[str] = []
    shown = ""
    result: ExplainResult | None = None
    try:
        async for chunk in chunks:
            if isinstance(chunk, ExplainResult):
                result = chunk
                continue
            draft.append(chunk)
            text = "".join(draft)
            if loop.time() - last >= interval and text.strip() and text != shown:
                await show(text)
                shown = text
                last = loop.time()
    finally:
        # A failed edit (message deleted, interaction expired) must stop the LLM at once,
        # not when the abandoned generator is garbage-collected.
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()
    if result is None:  # the tutor always ends with a result; keep the person informed anyway
        log.warning("a stream ended without its checked result")
        result = ExplainResult("".join(draft) or "The explanation is unavailable right now.", True)
    return result
