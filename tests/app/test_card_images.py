"""Math and package images as attachments of a card's embed (rendered for real)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import cast

import pytest
from PIL import Image

from bot.app.card_images import MATH_FILE, card_attachments, render_math
from bot.app.embeds import question_embed, revealed_embed
from bot.core.cards import Card
from bot.core.tutor import Tutor
from bot.infra.media import MediaFiles
from bot.testing.discord_emulator import Upload
from tests.app.conftest import Bot, embed_text, not_loading
from tests.core.decks.anki_fixtures import PNG


class _Pictures:
    """The one thing `card_attachments` asks of the Tutor, over a real media folder."""

    def __init__(self, root: Path) -> None:
        self.media = MediaFiles(root)

    def card_images(self, card: Card) -> list[tuple[str, bytes]]:
        return [(n, d) for n in card.media if (d := self.media.read(n)) is not None]


def test_math_renders_to_a_png_one_formula_a_line() -> None:
    png = render_math(r"What is \( \frac{a}{b} \) and \[ \sum_i x_i^2 \]?")
    assert png is not None and png.startswith(b"\x89PNG")
    one = Image.open(io.BytesIO(render_math(r"\(x\)") or b""))
    two = Image.open(io.BytesIO(png))
    assert two.height > one.height


def test_text_without_math_or_with_unsupported_math_gives_no_image() -> None:
    assert render_math("Plain words, and $5 prices.") is None
    assert render_math(r"\( \begin{pmatrix} a \end{pmatrix} \)") is None


def test_a_card_with_math_and_an_image(tmp_path: Path) -> None:
    key = "0123456789abcdef01234567.png"
    MediaFiles(tmp_path).save({key: PNG})
    card = Card("d", r"What does \( \int_0^1 x\,dx \) equal?", r"\( \frac{1}{2} \)", media=(key,))
    tutor = cast(Tutor, _Pictures(tmp_path))
    got = card_attachments(tutor, card)
    assert [f.filename for f in got.files] == [MATH_FILE, key]
    embed = got.apply(question_embed(card, reason="new"))
    assert embed.image.url == f"attachment://{MATH_FILE}"
    assert embed.thumbnail.url == f"attachment://{key}"
    plain = card_attachments(tutor, Card("d", "A question?", "An answer.", media=(key,)))
    assert [f.filename for f in plain.files] == [key]
    assert plain.apply(question_embed(card, reason="new")).image.url == f"attachment://{key}"
    assert card_attachments(tutor, Card("d", "Q?", "A.")).files == []


def test_media_names_cannot_leave_the_folder(tmp_path: Path) -> None:
    media = MediaFiles(tmp_path / "media")
    media.save({"../escape.png": PNG, "0123456789abcdef01234567.png": PNG})
    assert not (tmp_path / "escape.png").exists()
    assert media.read("../escape.png") is None
    assert media.read("0123456789abcdef01234567.png") == PNG


MATH_DECK = rb"""#### Fractions
:p What is \( \frac{1}{2} + \frac{1}{4} \)?
??x
\( \frac{3}{4} \)
x??
"""


@pytest.mark.e2e
@pytest.mark.asyncio(loop_scope="session")
async def test_a_math_card_is_posted_with_its_formula_rendered(world: Bot) -> None:
    cmd = await world.emu.slash(
        "deck upload",
        user=world.admin,
        channel=world.channel,
        options={"file": Upload("maths.md", MATH_DECK)},
    )
    assert "1 cards ready" in embed_text(await world.reply(cmd, predicate=not_loading))
    quiz = await world.slash("quiz", deck="maths")
    question = await world.reply(quiz, predicate=not_loading)
    attachments = question.current.get("attachments") or []
    assert [a["filename"] for a in attachments] == [MATH_FILE]
    assert question.embeds[0]["image"]["url"].endswith(MATH_FILE)
    # The text keeps its LaTeX (the picture shows it drawn); grading reads it as plain text.
    assert r"\frac{1}{2}" in embed_text(question)


def test_an_answer_field_reads_math_as_text() -> None:
    card = Card("d", r"What is \( \frac{1}{2} + \frac{1}{4} \)?", r"\( \frac{3}{4} \), or $0.75$")
    field = revealed_embed(card, skipped=False).fields[0]
    assert field.name == "Reference answer" and field.value == "3/4, or 0.75"
