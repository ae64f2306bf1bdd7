"""Chatting with the tutor in a private thread (the bot has the Message Content intent)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.testing.discord_emulator.world import ChannelType, Perm
from tests.app.chat.conftest import CHAT_WAIT, ack_of, bot_messages, cog, reply_after, say, text
from tests.app.conftest import Bot, assert_all_acknowledged, assert_no_pings

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture(scope="module")
def bot_overrides() -> dict[str, Any]:
    return {"message_content": True, "llm_model": "none"}


def asked(message) -> bool:
    return "type your answer" in text(message)


async def test_thread_conversation_answers_only_its_owner(world: Bot) -> None:
    emu, alice, bob = world.emu, world.alice, world.bob
    cmd = await world.slash("tutor", topic="word embeddings")
    ack = await ack_of(world, cmd)
    found = re.search(r"<#(\d+)>", ack.content or "")
    assert ack.ephemeral and found, ack.content
    thread = emu.world.channels[int(found[1])]
    assert thread.type == ChannelType.PRIVATE_THREAD and thread.parent_id == world.channel.id
    assert alice.id in thread.thread_members
    question = await emu.wait_for_message(thread, asked, timeout=CHAT_WAIT)
    tutoring = cog(world).tutoring
    await emu.wait_until(
        lambda: tutoring.store.in_channel(str(thread.id)), CHAT_WAIT, "the saved conversation"
    )
    conv = tutoring.store.in_channel(str(thread.id))[0]
    assert conv.user_id == str(alice.id) and conv.place == f"channel:{world.channel.id}"
    card = world.services.tutor.card(conv.card_id or "")

    first = await say(world, thread, bob, card.answer.strip()[:300])
    notice = await reply_after(world, thread, first, lambda m: "Start your own" in text(m))
    assert "bob" in text(notice) and "alice" in text(notice)
    await say(world, thread, bob, "hello? hint")

    answer = await say(world, thread, alice, card.answer.strip()[:400])
    graded = await reply_after(world, thread, answer, lambda m: bool(m.embeds))
    assert card.question.strip()[:50] in text(graded)
    after_bob = [m for m in bot_messages(world, thread) if m.id > first.id and m.id < answer.id]
    assert [m.id for m in after_bob] == [notice.id], "others are told once, then ignored"
    assert not world.services.store.seen_card_ids(str(bob.id)), "bob's text was never graded"
    assert card.card_id in world.services.store.seen_card_ids(str(alice.id))
    assert question.id < first.id

    stop = await say(world, thread, alice, "STOP")
    await reply_after(world, thread, stop, lambda m: "Good work" in text(m))
    await emu.wait_until(lambda: thread.archived, CHAT_WAIT, "the thread archived")
    assert tutoring.store.in_channel(str(thread.id)) == []
    assert_no_pings(emu)
    assert_all_acknowledged(emu)


async def test_without_private_thread_permission_it_falls_back_to_dms(world: Bot) -> None:
    emu = world.emu
    quiz = emu.channel_named(world.guild, "quiz")
    await emu.set_overwrite(quiz, emu.bot, deny=Perm.CREATE_PRIVATE_THREADS)
    cmd = await world.slash("tutor", user=world.bob, channel=quiz, topic="tokens")
    ack = await ack_of(world, cmd)
    assert "DMs" in text(ack) and "Create Private Threads" in text(ack)
    dm = emu.dm_channel(world.bob)
    await emu.wait_for_message(dm, asked, timeout=CHAT_WAIT)
    assert not [c for c in emu.world.channels.values() if c.parent_id == quiz.id]


async def test_closed_dms_get_a_clear_message(world: Bot) -> None:
    emu = world.emu
    quiz = emu.channel_named(world.guild, "quiz")
    await emu.set_overwrite(quiz, emu.bot, deny=Perm.CREATE_PRIVATE_THREADS)
    emu.close_dms(world.admin)
    try:
        cmd = await world.slash("tutor", user=world.admin, channel=quiz)
        ack = await ack_of(world, cmd)
        assert "can't send you direct messages" in text(ack)
        assert cog(world).tutoring.store.get(str(world.admin.id), "dm") is None
    finally:
        emu.close_dms(world.admin, closed=False)
