"""Faults through Discord: an LLM that hangs, a dropped gateway, 429s, and a bot restart.

The LLM here is an OpenAI-compatible server on 127.0.0.1 (the real `FLASHTUTOR_LLM_URL`
setting) that accepts requests and then never answers: the one fault double in the suite,
because a real model cannot be made to hang on demand.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from aiohttp import web

from tests.app.conftest import (
    WAIT,
    Bot,
    assert_all_acknowledged,
    assert_no_pings,
    button,
    embed_text,
    graded_result,
    not_loading,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

LLM_TIMEOUT_S = 2.0
ANSWER = "Token embeddings turn each token into a vector of numbers that captures its meaning."


@pytest.fixture(scope="module")
async def stalled_llm() -> AsyncIterator[str]:
    """An LLM server that lists its model, then never answers a completion request."""
    release = asyncio.Event()

    async def models(_: web.Request) -> web.Response:
        return web.json_response({"data": [{"id": "stalled"}]})

    async def completions(_: web.Request) -> web.Response:
        await release.wait()
        return web.Response(status=503)

    app = web.Application()
    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", completions)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        release.set()
        await runner.cleanup()


@pytest.fixture(scope="module")
def bot_overrides(stalled_llm: str) -> dict[str, Any]:
    return {"llm_url": stalled_llm, "llm_model": "stalled", "llm_timeout_s": LLM_TIMEOUT_S}


async def answered(world: Bot, topic: str) -> tuple[Any, Any]:
    """Run /quiz, answer the card, return (question message, graded result message)."""
    cmd = await world.slash("quiz", topic=topic)
    question = await world.reply(cmd, predicate=not_loading)
    opened = await world.click(question, "ans")
    await world.emu.wait_for_response(opened, timeout=WAIT)
    submitted = await world.emu.submit_modal(opened, {"Your answer": ANSWER})
    return question, await world.reply(submitted, predicate=not_loading)


def explained(message: Any) -> bool:
    return bool(message.embeds) and message.embeds[-1]["title"].startswith("Explanation")


async def test_hanging_llm_still_grades_and_falls_back(world: Bot) -> None:
    _, result = await answered(world, "token embeddings")
    assert graded_result(result)
    await world.click(result, "exp")
    await world.emu.wait_until(lambda: explained(result), WAIT, "the fallback explanation")
    final = result.embeds[-1]
    assert final["title"] == "Explanation (from the card)"
    assert "unavailable" in final["description"]
    assert "Reference answer" in final["description"]


async def test_gateway_drop_mid_quiz_resumes(world: Bot) -> None:
    emu = world.emu
    cmd = await world.slash("quiz", topic="tokenizer")
    question = await world.reply(cmd, predicate=not_loading)
    identifies = emu.stats()["identify"]

    emu.hold_connections()
    await emu.drop_connection()
    await emu.wait_for_gateway("closed", timeout=WAIT)
    opened = await world.click(question, "ans")  # while the bot is away: replayed on RESUME
    emu.release_connections()
    await emu.wait_for_gateway("resumed", timeout=WAIT)
    await emu.wait_for_response(opened, timeout=WAIT)
    assert opened.modal is not None

    submitted = await emu.submit_modal(opened, {"Your answer": ANSWER})
    result = await world.reply(submitted, predicate=not_loading)
    assert graded_result(result)
    stats = emu.stats()
    assert stats["identify"] == identifies, "the session resumed instead of starting over"
    assert stats["resume"] >= 1


async def test_rate_limited_sends_are_retried(world: Bot) -> None:
    emu = world.emu
    emu.rate_limit(count=1, route=r"^POST /webhooks/\d+/[^/]+$", retry_after=0.5)
    cmd = await world.slash("quiz", topic="embeddings")
    question = await world.reply(cmd, predicate=not_loading)
    assert question.custom_ids()
    emu.rate_limit(count=1, route=r"^PATCH /webhooks/\d+/[^/]+/messages/", retry_after=0.5)
    opened = await world.click(question, "hint")
    await emu.wait_for_response(opened, timeout=WAIT)
    _, result = await answered(world, "embeddings")
    await world.click(result, "exp")
    await emu.wait_until(lambda: explained(result), WAIT, "the explanation after a 429")

    limited = [r for r in emu.requests if r.rate_limited]
    assert {r.method for r in limited} == {"POST", "PATCH"}
    for hit in limited:
        retried = [
            r
            for r in emu.requests
            if r.t > hit.t and r.method == hit.method and r.route == hit.route and r.status < 300
        ]
        assert retried, f"{hit.method} {hit.path} was not retried after its 429"


async def test_buttons_work_after_a_restart(world: Bot) -> None:
    question, result = await answered(world, "word2vec")
    card_id = button(question, "hint").split(":")[2]
    typing = await world.click(question, "ans")  # a modal is open while the bot restarts
    await world.emu.wait_for_response(typing, timeout=WAIT)
    await world.restart()

    late = await world.emu.submit_modal(typing, {"Your answer": ANSWER})
    graded = await world.reply(late, predicate=not_loading)
    assert graded_result(graded)

    hint = await world.click(question, "hint")
    await world.emu.wait_for_response(hint, timeout=WAIT)
    assert "Hints" in embed_text(question)
    assert button(question, "hint").split(":")[2] == card_id

    await world.click(result, "exp")  # the answer comes from the database, not memory
    await world.emu.wait_until(lambda: explained(result), WAIT, "an explanation after restart")
    nxt = await world.click(result, "next")
    assert (await world.reply(nxt, predicate=not_loading)).custom_ids()


async def test_heartbeat_file_is_written(world: Bot) -> None:
    path = world.services.settings.data_dir / "heartbeat"
    await world.emu.wait_until(path.exists, WAIT, "the heartbeat file")
    stamp = datetime.fromisoformat(path.read_text().strip())
    assert stamp.tzinfo is not None


async def test_heartbeat_writes_at_once_neither_fail_nor_leave_files(
    world: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = world.runner.bot
    assert bot is not None
    with caplog.at_level(logging.WARNING, logger="bot.app.client"):
        await asyncio.gather(*(bot.write_heartbeat() for _ in range(20)))
    assert not [r for r in caplog.records if "heartbeat" in r.getMessage()]
    folder = world.services.settings.data_dir
    assert datetime.fromisoformat((folder / "heartbeat").read_text().strip()).tzinfo is not None
    assert not list(folder.glob(".heartbeat.*"))


async def test_forgotten_answer_gets_one_friendly_line(world: Bot) -> None:
    _, result = await answered(world, "contextual embeddings")
    forget = await world.slash("forget-me")
    prompt = await world.emu.wait_for_original(forget, timeout=WAIT)
    confirm = await world.click(prompt, "forget")
    await world.emu.wait_until(lambda: "deleted" in embed_text(prompt), WAIT, "the deletion")
    assert confirm.response is not None
    assert world.services.store.seen_card_ids(str(world.alice.id)) == set()

    explain = await world.click(result, "exp")
    line = await world.reply(explain)
    assert line.ephemeral and "no longer have your answer" in line.content
    assert "Traceback" not in line.content


async def test_all_faults_acknowledged_without_pings(world: Bot) -> None:
    assert_all_acknowledged(world.emu)
    assert_no_pings(world.emu)
