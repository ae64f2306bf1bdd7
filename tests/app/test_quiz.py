"""The quiz through Discord: command, modal, graded result, streamed explanation, next card."""

from __future__ import annotations

import pytest

from tests.app.conftest import (
    WAIT,
    Bot,
    assert_all_acknowledged,
    assert_no_pings,
    button,
    embed_text,
    not_loading,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

GOOD_ANSWER = (
    "A token is a unit of text produced by a tokenizer, such as a word, subword or character; "
    "each token is mapped to an integer id and then to an embedding vector."
)


async def test_whole_quiz(world: Bot) -> None:
    emu = world.emu
    cmd = await world.slash("quiz", topic="tokens")
    question = await world.reply(cmd, predicate=not_loading)
    assert question.ephemeral
    ids = question.custom_ids()
    assert [i.split(":")[1] for i in ids] == ["ans", "hint", "skip", "rev"]
    assert all(len(i) <= 100 for i in ids)

    opened = await world.click(question, "ans")
    await emu.wait_for_response(opened, timeout=WAIT)
    assert opened.response is not None and opened.response.type == 9  # a modal
    text_input = opened.modal["components"][0]["components"][0]
    assert text_input["style"] == 2 and text_input["max_length"] == 4000

    submitted = await emu.submit_modal(opened, {"Your answer": GOOD_ANSWER})
    result = await world.reply(submitted, predicate=not_loading)
    assert result.ephemeral
    graded = embed_text(result)
    assert "%" in graded and "Reference answer" in graded
    assert [i.split(":")[1] for i in result.custom_ids()] == ["exp", "next"]

    explain = await world.click(result, "exp")
    await emu.wait_until(
        lambda: "Explaining" not in embed_text(result) and len(result.versions) > 2,
        WAIT * 3,
        "the final explanation",
    )
    streaming = [v for v in result.versions if "Explaining" in str(v.payload.get("embeds"))]
    assert len(streaming) >= 2, "the explanation should stream in several edits"
    final = result.embeds[-1]
    assert final["title"].startswith("Explanation")
    assert final["description"].strip()
    assert explain.response is not None and explain.response.type == 6
    assert [i.split(":")[1] for i in result.custom_ids()] == ["next"]

    nxt = await world.click(result, "next")
    second = await world.reply(nxt, predicate=not_loading)
    assert button(second, "ans").split(":")[2] != button(question, "ans").split(":")[2]
    assert_no_pings(emu)
    assert_all_acknowledged(emu)
