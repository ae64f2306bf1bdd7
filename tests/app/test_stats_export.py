"""/stats export:true sends the person's own review history as CSV beside the chart."""

from __future__ import annotations

import csv
import io

import pytest

from tests.app.conftest import WAIT, Bot, not_loading

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_stats_export_sends_the_review_history(world: Bot) -> None:
    emu = world.emu
    quiz = await world.slash("quiz", topic="tokens")
    question = await world.reply(quiz, predicate=not_loading)
    skipped = await world.click(question, "skip")
    await emu.wait_for_response(skipped, timeout=WAIT)
    cmd = await world.slash("stats", export=True)
    stats = await world.reply(cmd, predicate=not_loading)
    assert stats.ephemeral
    attachments = stats.current["attachments"]
    assert [a["filename"] for a in attachments] == ["stats.png", "reviews.csv"]
    data = emu.messages.attachments[int(attachments[1]["id"])].upload.data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert rows and rows[-1]["skipped"] == "1" and rows[-1]["question"]
    assert all(r["server"] in (str(world.guild.id), "DM") for r in rows)
    plain = await world.slash("stats")
    again = await world.reply(plain, predicate=not_loading)
    assert [a["filename"] for a in again.current["attachments"]] == ["stats.png"]
