"""Pictures with a card in Discord: its math rendered to a PNG (matplotlib's mathtext), and
the image its Anki package gave it. Both are attachments the card's embed shows.

Rendering costs tens of milliseconds: call `card_attachments` in a worker thread.
"""

from __future__ import annotations

import io
import logging
import re
import threading
from dataclasses import dataclass

import discord

from bot.core.cards import Card
from bot.core.latex import find_math
from bot.core.tutor import Tutor

log = logging.getLogger(__name__)

MAX_FORMULAS = 4
"""Formulas drawn per image (the first ones of the text)."""
MATH_FILE = "math.png"
_LOCK = threading.Lock()  # matplotlib's font cache and parser are not thread-safe
# mathtext knows \mathrm but not every LaTeX text command.
_TEXT_COMMANDS = re.compile(r"\\(?:text|textrm|textnormal|operatorname\*?)(?=\s*\{)")
_UNSUPPORTED = re.compile(r"\\(?:begin|end|label|tag|displaystyle|textstyle)\b")


@dataclass(slots=True)
class Attachments:
    """Files to send with an embed, and which of them it shows where."""

    files: list[discord.File]
    image: str | None = None
    thumbnail: str | None = None

    def apply(self, embed: discord.Embed) -> discord.Embed:
        """Point the embed at the attachments."""
        if self.image:
            embed.set_image(url=f"attachment://{self.image}")
        if self.thumbnail:
            embed.set_thumbnail(url=f"attachment://{self.thumbnail}")
        return embed


def _mathtext(latex: str) -> str | None:
    """A formula in the subset mathtext draws, or None when it cannot be drawn."""
    if _UNSUPPORTED.search(latex):
        return None
    text = _TEXT_COMMANDS.sub(r"\\mathrm", latex).replace("\n", " ")
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(f"${text}$")
    except (ValueError, RuntimeError):
        return None
    return text


def render_math(text: str) -> bytes | None:
    """A PNG of the math in `text` (one formula a line), or None when there is none to draw."""
    spans = find_math(text)[:MAX_FORMULAS]
    if not spans:
        return None
    from matplotlib.mathtext import math_to_image
    from PIL import Image

    pictures = []
    with _LOCK:
        for formula in (f for f in (_mathtext(s.latex) for s in spans) if f):
            buf = io.BytesIO()
            try:
                math_to_image(f"${formula}$", buf, dpi=170, format="png")
            except (ValueError, RuntimeError):
                log.debug("formula did not render: %s", formula, exc_info=True)
                continue
            buf.seek(0)
            pictures.append(Image.open(buf).convert("RGBA"))
    if not pictures:
        return None
    pad, gap = 14, 18
    width = max(p.width for p in pictures) + 2 * pad
    height = sum(p.height for p in pictures) + gap * (len(pictures) - 1) + 2 * pad
    sheet = Image.new("RGBA", (width, height), "white")
    y = pad
    for picture in pictures:
        sheet.alpha_composite(picture, (pad, y))
        y += picture.height + gap
    out = io.BytesIO()
    sheet.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def card_attachments(tutor: Tutor, card: Card, *, answer: bool = False) -> Attachments:
    """What to attach to a card's embed: the question's math (or the answer's, once it is
    shown) as the image, and the card's own picture (the thumbnail when math takes the image)."""
    files: list[discord.File] = []
    out = Attachments(files)
    text = f"{card.question}\n{card.answer}" if answer else card.question
    png = render_math(text)
    if png is not None:
        files.append(discord.File(io.BytesIO(png), filename=MATH_FILE))
        out.image = MATH_FILE
    for name, data in tutor.card_images(card)[:1]:
        files.append(discord.File(io.BytesIO(data), filename=name))
        if out.image is None:
            out.image = name
        else:
            out.thumbnail = name
    return out
