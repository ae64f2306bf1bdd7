"""The loopback Discord API against the real discord.py client, over real sockets."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.testing.discord_emulator import (
    Channel,
    Emulator,
    EmulatorClient,
    Guild,
    InjectionError,
    Perm,
    Upload,
    User,
)
from bot.testing.discord_emulator.client import EmulatorError
from bot.testing.discord_emulator.scene import build_scene

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

WAIT = 10.0
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


async def eventually(check: Callable[[], object], timeout: float = WAIT) -> None:
    """Poll a condition on the bot's side until it holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


# a tiny bot -------------------------------------------------------------------------------


class AnswerModal(discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput[AnswerModal] = discord.ui.TextInput(
        label="Answer", style=discord.TextStyle.paragraph, max_length=50
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"graded: {self.answer.value}")
        await interaction.followup.send("explanation follows", ephemeral=True)


class CounterView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.count = 0

    @discord.ui.button(label="+1", custom_id="counter:inc")
    async def inc(
        self, interaction: discord.Interaction, _: discord.ui.Button[CounterView]
    ) -> None:
        self.count += 1
        await interaction.response.edit_message(content=f"count {self.count}", view=self)


deck = app_commands.Group(name="deck", description="Manage decks")


@deck.command(name="upload", description="Upload a deck file")
async def deck_upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    data = await file.read()
    first = data.decode().splitlines()[0]
    await interaction.followup.send(f"{file.filename}: {len(data)} bytes, first line {first!r}")


class TinyBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(
            command_prefix="!",
            intents=discord.Intents.default(),
            guild_ready_timeout=0.05,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.seen: list[discord.Message] = []
        self.ready_count = 0
        self.resumed_count = 0
        self.tree.add_command(deck)
        self._add_commands()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py sleeps 5 s before a repeat IDENTIFY for Discord's identify limit;
        # the emulator has no such limit.
        return None

    async def on_ready(self) -> None:
        self.ready_count += 1

    async def on_resumed(self) -> None:
        self.resumed_count += 1

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)

    def _add_commands(self) -> None:
        tree = self.tree

        @tree.command(description="Repeat text")
        async def echo(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.send_message(f"echo: {text}")

        @tree.command(description="Answer a question")
        async def answer(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(AnswerModal())

        @tree.command(description="A counter with a button")
        async def counter(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("count 0", view=CounterView())

        @tree.command(description="Original, follow-up, edit")
        async def report(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("original")
            await interaction.followup.send("follow")
            await interaction.edit_original_response(content="original edited")

        @tree.command(description="Slow command")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.5)
            try:
                await interaction.response.send_message("too late?")
            except discord.NotFound as exc:
                self.late_error = exc.code

        @tree.command(description="Draw cards")
        async def draw(
            interaction: discord.Interaction, count: app_commands.Range[int, 1, 20]
        ) -> None:
            await interaction.response.send_message(f"drew {count}")

        @tree.command(description="For server managers")
        @app_commands.default_permissions(manage_guild=True)
        async def manage(interaction: discord.Interaction) -> None:
            allowed = interaction.permissions.manage_guild
            await interaction.response.send_message("ok" if allowed else "refused", ephemeral=True)

        @tree.command(description="A chart as a file")
        async def chart(interaction: discord.Interaction) -> None:
            image = discord.File(io.BytesIO(PNG), filename="chart.png")
            embed = discord.Embed(title="Last 30 days").set_image(url="attachment://chart.png")
            await interaction.response.send_message(embed=embed, file=image, ephemeral=True)

        @tree.command(description="Pick a topic")
        async def pick(interaction: discord.Interaction, topic: str) -> None:
            await interaction.response.send_message(f"picked {topic}")

        @pick.autocomplete("topic")
        async def pick_topics(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            topics = ["embeddings", "tokens", "tokenizers"]
            return [app_commands.Choice(name=t, value=t) for t in topics if t.startswith(current)]


@dataclass
class Place:
    guild: Guild
    channel: Channel
    alice: User


@pytest.fixture
async def place(emu: Emulator) -> Place:
    guild = await emu.create_guild("study", channels=("general", "quiz"))
    alice = emu.create_user("alice")
    await emu.add_member(guild, alice)
    return Place(guild, emu.channel_named(guild, "general"), alice)


@pytest.fixture
async def bot(emu: Emulator, place: Place) -> AsyncIterator[TinyBot]:
    client = TinyBot()
    await client.login("test-token")
    task = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), WAIT)
        target = discord.Object(place.guild.id)
        client.tree.copy_global_to(guild=target)
        await client.tree.sync(guild=target)
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(task, WAIT)


# connection -------------------------------------------------------------------------------


async def test_ready_and_guild_create_give_the_bot_its_guild(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    guild = bot.get_guild(place.guild.id)
    assert guild is not None
    assert {c.name for c in guild.text_channels} == {"general", "quiz"}
    assert guild.me is not None and guild.me.guild_permissions.send_messages
    assert guild.owner_id == place.guild.owner_id
    assert bot.user is not None and bot.user.id == emu.application_id
    assert bot.application_id == emu.application_id
    identify = next(e for e in emu.gateway.events if e["kind"] == "identify")
    assert identify["intents"] == discord.Intents.default().value


async def test_a_guild_created_later_arrives_as_guild_create(emu: Emulator, bot: TinyBot) -> None:
    later = await emu.create_guild("later")
    await eventually(lambda: bot.get_guild(later.id) is not None)


# interactions -----------------------------------------------------------------------------


async def test_slash_command_is_synced_injected_and_answered(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    names = {c["name"] for c in emu.synced_commands(place.guild)}
    assert {"echo", "answer", "counter", "deck"} <= names
    record = await emu.slash(
        "echo", user=place.alice, channel=place.channel, options={"text": "hi"}
    )
    response = await emu.wait_for_response(record, WAIT)
    assert response.type == 4
    message = await emu.wait_for_original(record, timeout=WAIT)
    assert message.content == "echo: hi"
    assert message.current["interaction_metadata"]["user"]["id"] == str(place.alice.id)
    assert record.ack_latency is not None
    assert [m.content for m in emu.channel_messages(place.channel)] == ["echo: hi"]


async def test_unsynced_or_malformed_commands_cannot_be_injected(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    with pytest.raises(InjectionError, match="not synced"):
        await emu.slash("nope", user=place.alice, channel=place.channel)
    with pytest.raises(InjectionError, match="required"):
        await emu.slash("echo", user=place.alice, channel=place.channel)
    with pytest.raises(InjectionError, match="unknown option"):
        await emu.slash(
            "echo", user=place.alice, channel=place.channel, options={"text": "a", "x": 1}
        )
    with pytest.raises(InjectionError, match=r"within \[1, 20\]"):
        await emu.slash("draw", user=place.alice, channel=place.channel, options={"count": 21})
    with pytest.raises(InjectionError, match="needs a string"):
        await emu.slash("echo", user=place.alice, channel=place.channel, options={"text": 5})
    record = await emu.slash("draw", user=place.alice, channel=place.channel, options={"count": 20})
    assert (await emu.wait_for_original(record, timeout=WAIT)).content == "drew 20"


async def test_subcommand_attachment_is_downloaded_and_deferred_reply_filled(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    upload = Upload("cards.md", b"#### Tokens\n:p What is a token?\n")
    record = await emu.slash(
        "deck upload", user=place.alice, channel=place.channel, options={"file": upload}
    )
    response = await emu.wait_for_response(record, WAIT)
    assert response.type == 5
    original = await emu.wait_for_original(record, lambda m: "bytes" in m.content, timeout=WAIT)
    assert original.content == "cards.md: 32 bytes, first line '#### Tokens'"
    assert original.ephemeral
    assert record.followup_ids == [original.id]


async def test_modal_command_submit_and_follow_up(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    opened = await emu.slash("answer", user=place.alice, channel=place.channel)
    response = await emu.wait_for_response(opened, WAIT)
    assert response.type == 9
    assert opened.modal is not None and opened.modal["title"] == "Your answer"
    with pytest.raises(InjectionError, match="allows 50"):
        await emu.submit_modal(opened, {"Answer": "x" * 51})
    submitted = await emu.submit_modal(opened, {"Answer": "a token is a piece of text"})
    await emu.wait_for_response(submitted, WAIT)
    original = await emu.wait_for_original(submitted, timeout=WAIT)
    assert original.content == "graded: a token is a piece of text"
    follow = await emu.wait_for_followup(submitted, timeout=WAIT)
    assert follow.content == "explanation follows" and follow.ephemeral


async def test_button_click_updates_the_message(emu: Emulator, place: Place, bot: TinyBot) -> None:
    record = await emu.slash("counter", user=place.alice, channel=place.channel)
    message = await emu.wait_for_original(record, timeout=WAIT)
    assert message.custom_ids() == ["counter:inc"]
    click = await emu.click(message, "counter:inc", user=place.alice)
    response = await emu.wait_for_response(click, WAIT)
    assert response.type == 7
    await emu.wait_until(lambda: len(message.versions) == 2, WAIT, "the edit")
    assert [v.payload["content"] for v in message.versions] == ["count 0", "count 1"]
    with pytest.raises(InjectionError, match="no component"):
        await emu.click(message, "counter:dec", user=place.alice)


async def test_follow_up_and_edit_of_the_original(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    record = await emu.slash("report", user=place.alice, channel=place.channel)
    original = await emu.wait_for_original(
        record, lambda m: m.content == "original edited", timeout=WAIT
    )
    assert [v.payload["content"] for v in original.versions] == ["original", "original edited"]
    follow = await emu.wait_for_followup(record, timeout=WAIT)
    assert follow.content == "follow" and follow.id != original.id


async def test_autocomplete_returns_choices(emu: Emulator, place: Place, bot: TinyBot) -> None:
    record = await emu.autocomplete(
        "pick", user=place.alice, channel=place.channel, focused="topic", options={"topic": "tok"}
    )
    response = await emu.wait_for_response(record, WAIT)
    assert response.type == 8
    assert [c["value"] for c in record.choices or []] == ["tokens", "tokenizers"]


async def test_a_callback_after_the_deadline_is_refused(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    emu.ack_deadline = 0.1
    record = await emu.slash("slow", user=place.alice, channel=place.channel)
    await emu.wait_until(lambda: record.callbacks, WAIT, "the late callback")
    assert record.callbacks[0].status == 404 and record.callbacks[0].error_code == 10062
    assert record.response is None
    await eventually(lambda: getattr(bot, "late_error", None) == 10062)


async def test_files_from_the_bot_are_stored_and_served(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    record = await emu.slash("chart", user=place.alice, channel=place.channel)
    message = await emu.wait_for_original(record, timeout=WAIT)
    [attachment] = message.current["attachments"]
    assert attachment["filename"] == "chart.png" and attachment["size"] == len(PNG)
    assert message.embeds[0]["image"]["url"] == "attachment://chart.png"
    assert message.ephemeral
    sent = await _text_channel(bot, place.channel).send(
        "deck export", file=discord.File(io.BytesIO(b"q;a\n"), filename="deck.csv")
    )
    assert await sent.attachments[0].read() == b"q;a\n"
    assert await bot.http.get_from_cdn(attachment["url"]) == PNG


async def test_global_commands_work_in_dms(emu: Emulator, place: Place, bot: TinyBot) -> None:
    await bot.tree.sync()
    await emu.wait_for_commands(None, ("echo",))
    dm = emu.dm_channel(place.alice)
    record = await emu.slash("echo", user=place.alice, channel=dm, options={"text": "in a dm"})
    message = await emu.wait_for_original(record, timeout=WAIT)
    assert message.content == "echo: in a dm" and "member" not in record.payload
    assert emu.dm_messages(place.alice) == [message]


async def test_interactions_need_a_connected_bot(emu: Emulator, place: Place) -> None:
    with pytest.raises(InjectionError, match="no bot session"):
        await emu.slash("echo", user=place.alice, channel=place.channel, require_synced=False)


async def test_a_mention_can_be_answered_in_a_thread_on_the_message(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    asked = await emu.user_message(place.channel, place.alice, f"<@{emu.bot.id}> what is a token?")
    await eventually(lambda: any(m.id == asked.id for m in bot.seen))
    seen = next(m for m in bot.seen if m.id == asked.id)
    assert bot.user is not None and bot.user in seen.mentions
    thread = await seen.create_thread(name="what is a token?")
    await thread.send("A token is a unit of text.")
    [reply] = emu.channel_messages(thread.id)
    assert reply.content == "A token is a unit of text."
    assert emu.world.channels[thread.id].parent_id == place.channel.id
    assert thread.id == asked.id


async def test_default_permissions_hide_commands_unless_overridden(
    emu: Emulator, bot: TinyBot
) -> None:
    scene = await build_scene(emu)
    server = scene.a
    await eventually(lambda: bot.get_guild(server.guild.id) is not None)
    bot.tree.copy_global_to(guild=discord.Object(server.guild.id))
    await bot.tree.sync(guild=discord.Object(server.guild.id))
    record = await emu.slash("manage", user=server.manager, channel=server.general)
    assert (await emu.wait_for_original(record, timeout=WAIT)).content == "ok"
    with pytest.raises(InjectionError, match="lacks"):
        await emu.slash("manage", user=server.learner, channel=server.general)
    record = await emu.slash(
        "manage", user=server.learner, channel=server.general, override_permissions=True
    )
    assert (await emu.wait_for_original(record, timeout=WAIT)).content == "refused"
    with pytest.raises(InjectionError, match="not a member"):
        await emu.slash("manage", user=scene.b.learner, channel=server.general)


# gateway faults ---------------------------------------------------------------------------


async def _missed_message_is_replayed(emu: Emulator, place: Place, bot: TinyBot) -> None:
    await emu.wait_for_gateway("closed", 1, WAIT)
    missed = await emu.user_message(place.channel, place.alice, "while you were away")
    emu.release_connections()
    await emu.wait_for_gateway("resumed", 1, WAIT)
    resume = next(e for e in emu.gateway.events if e["kind"] == "resume")
    assert resume["replayed"] >= 1
    await eventually(lambda: any(m.id == missed.id for m in bot.seen))
    await eventually(lambda: bot.resumed_count == 1)
    assert emu.gateway.count("identify") == 1


async def test_reconnect_request_resumes_and_replays(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    emu.hold_connections()
    assert await emu.request_reconnect() == 1
    await _missed_message_is_replayed(emu, place, bot)


async def test_dropped_socket_resumes_and_replays(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    emu.hold_connections()
    assert await emu.drop_connection() == 1
    await _missed_message_is_replayed(emu, place, bot)


async def test_invalid_session_leads_to_a_fresh_identify(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    await emu.invalidate_session(resumable=False)
    await emu.wait_for_gateway("identify", 2, WAIT)
    await eventually(lambda: bot.ready_count == 2)
    assert emu.gateway.count("resume") == 0
    record = await emu.slash("echo", user=place.alice, channel=place.channel, options={"text": "x"})
    await emu.wait_for_response(record, WAIT)


async def test_resumable_invalid_session_resumes(emu: Emulator, place: Place, bot: TinyBot) -> None:
    await emu.invalidate_session(resumable=True)
    await emu.wait_for_gateway("resumed", 1, WAIT)
    assert emu.gateway.count("identify") == 1


async def test_a_close_code_4000_resumes(emu: Emulator, place: Place, bot: TinyBot) -> None:
    assert await emu.close_connection(4000) == 1
    await emu.wait_for_gateway("resumed", 1, WAIT)
    assert emu.gateway.count("identify") == 1


async def test_a_bot_removed_from_a_guild_loses_access(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    channel = _text_channel(bot, place.channel)
    await emu.remove_bot(place.guild)
    await eventually(lambda: bot.get_guild(place.guild.id) is None)
    with pytest.raises(discord.Forbidden) as info:
        await channel.send("still here?")
    assert info.value.code == 50001
    with pytest.raises(InjectionError, match="not in guild"):
        await emu.slash("echo", user=place.alice, channel=place.channel, options={"text": "x"})


# REST behaviour ---------------------------------------------------------------------------


def _text_channel(bot: TinyBot, channel: Channel) -> discord.TextChannel:
    found = bot.get_channel(channel.id)
    assert isinstance(found, discord.TextChannel)
    return found


async def test_429_on_send_is_retried_and_the_message_arrives_once(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    emu.rate_limit(1, r"^POST /channels/\d+/messages$", retry_after=0.2)
    sent = await _text_channel(bot, place.channel).send("after the limit")
    assert [m.id for m in emu.channel_messages(place.channel)] == [sent.id]
    statuses = [r.status for r in emu.requests if r.route == "/channels/{channel_id}/messages"]
    assert statuses == [429, 200]


async def test_nonce_with_enforce_nonce_does_not_duplicate(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    channel = _text_channel(bot, place.channel)
    first = await channel.send("daily quiz", nonce="push-1")
    again = await channel.send("daily quiz", nonce="push-1")
    other = await channel.send("daily quiz", nonce="push-2")
    assert first.id == again.id != other.id
    assert len(emu.channel_messages(place.channel)) == 2


async def test_a_lost_response_then_a_retry_with_the_same_nonce_sends_once(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    channel = _text_channel(bot, place.channel)
    emu.lose_responses(1, r"^POST /channels/\d+/messages$")
    with pytest.raises((aiohttp.ClientError, OSError)):
        await channel.send("daily quiz", nonce="push-7")
    [stored] = emu.channel_messages(place.channel)
    retried = await channel.send("daily quiz", nonce="push-7")
    assert retried.id == stored.id
    assert len(emu.channel_messages(place.channel)) == 1


async def test_dm_channel_is_created_and_used(emu: Emulator, place: Place, bot: TinyBot) -> None:
    user = await bot.fetch_user(place.alice.id)
    message = await user.send("your daily quiz")
    [stored] = emu.dm_messages(place.alice)
    assert stored.id == message.id and stored.content == "your daily quiz"


async def test_closed_dms_give_403_50007(emu: Emulator, place: Place, bot: TinyBot) -> None:
    emu.close_dms(place.alice)
    user = await bot.fetch_user(place.alice.id)
    with pytest.raises(discord.Forbidden) as info:
        await user.send("hello?")
    assert info.value.code == 50007
    assert emu.dm_messages(place.alice) == []


async def test_deleted_channel_gives_404_10003(emu: Emulator, place: Place, bot: TinyBot) -> None:
    channel = _text_channel(bot, place.channel)
    await emu.delete_channel(place.channel)
    with pytest.raises(discord.NotFound) as info:
        await channel.send("anyone?")
    assert info.value.code == 10003


async def test_a_denied_overwrite_refuses_the_bot_and_reaches_its_cache(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    channel = _text_channel(bot, place.channel)
    await emu.set_overwrite(place.channel, emu.bot, deny=Perm.SEND_MESSAGES)
    await eventually(lambda: not channel.permissions_for(channel.guild.me).send_messages)
    with pytest.raises(discord.Forbidden) as info:
        await channel.send("may I?")
    assert info.value.code == 50013
    everyone = place.guild.roles[place.guild.id]
    await emu.set_role_permissions(place.guild, everyone, Perm.EVERYONE_DEFAULT | Perm.MANAGE_GUILD)
    await eventually(lambda: channel.guild.default_role.permissions.manage_guild)


async def test_overlong_content_is_refused_like_discord(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    with pytest.raises(discord.HTTPException) as info:
        await _text_channel(bot, place.channel).send("x" * 2001)
    assert info.value.status == 400 and info.value.code == 50035


async def test_unknown_routes_are_404_and_logged(emu: Emulator, place: Place, bot: TinyBot) -> None:
    message = await _text_channel(bot, place.channel).send("react to me")
    with pytest.raises(discord.NotFound):
        await message.add_reaction("👍")
    [unknown] = emu.unknown_requests()
    assert unknown.method == "PUT" and "/reactions/" in unknown.path


async def test_typing_and_threads(emu: Emulator, place: Place, bot: TinyBot) -> None:
    channel = _text_channel(bot, place.channel)
    async with channel.typing():
        pass
    assert [t.channel_id for t in emu.typing] == [place.channel.id]
    thread = await channel.create_thread(
        name="tutor: alice", type=discord.ChannelType.private_thread
    )
    await thread.add_user(discord.Object(place.alice.id))
    stored = emu.world.channels[thread.id]
    assert stored.type == 12 and place.alice.id in stored.thread_members
    said = await emu.user_message(stored, place.alice, f"<@{emu.bot.id}> hint please")
    await eventually(lambda: any(m.id == said.id for m in bot.seen))
    seen = next(m for m in bot.seen if m.id == said.id)
    assert seen.content.endswith("hint please") and seen.channel.id == thread.id
    record = await emu.slash("echo", user=place.alice, channel=stored, options={"text": "t"})
    reply = await emu.wait_for_original(record, timeout=WAIT)
    assert reply.channel_id == thread.id and reply.content == "echo: t"


async def test_content_is_hidden_without_the_message_content_intent(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    plain = await emu.user_message(place.channel, place.alice, "just chatting")
    dm = await emu.user_message(emu.dm_channel(place.alice), place.alice, "hello tutor")
    await eventually(lambda: {plain.id, dm.id} <= {m.id for m in bot.seen})
    by_id = {m.id: m for m in bot.seen}
    assert by_id[plain.id].content == ""
    assert by_id[dm.id].content == "hello tutor"


async def test_route_limits_pace_the_bot_without_loss(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    emu.set_rate_limits(global_per_second=None, route_limits=True, window_scale=0.05)
    channel = _text_channel(bot, place.channel)
    sent = await asyncio.gather(*(channel.send(f"m{i}") for i in range(12)))
    stored = emu.channel_messages(place.channel)
    assert sorted(m.content for m in stored) == sorted(f"m{i}" for i in range(12))
    assert {m.id for m in stored} == {m.id for m in sent}
    ok = emu.requests_matching(r"^POST /channels/\d+/messages$", status=200)
    assert len(ok) == 12


async def test_the_global_limit_answers_429_and_the_bot_still_gets_through(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    emu.set_rate_limits(global_per_second=5, route_limits=False)
    people = [emu.create_user(f"p{i}") for i in range(8)]
    fetched = [await bot.fetch_user(p.id) for p in people]
    assert [u.id for u in fetched] == [p.id for p in people]
    assert emu.stats()["rate_limited_by"]["global"] >= 1
    limited = emu.requests_matching(r"^GET /users/\d+$", status=429)
    assert limited and all(r.rate_limited for r in limited)


async def test_mentions_are_recorded_with_who_would_be_pinged(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    channel = _text_channel(bot, place.channel)
    await channel.send(f"<@{place.alice.id}> @everyone")
    await channel.send(f"<@{place.alice.id}>", allowed_mentions=discord.AllowedMentions(users=True))
    quiet, loud = emu.channel_messages(place.channel)
    assert quiet.versions[0].pings() == {"users": [], "roles": [], "everyone": False}
    assert loud.versions[0].pings()["users"] == [place.alice.id]


# the HTTP control API ---------------------------------------------------------------------


async def test_http_control_api_drives_the_bot(emu: Emulator, place: Place, bot: TinyBot) -> None:
    async with EmulatorClient(emu.base_url) as control:
        state = await control.state()
        assert state["api_base"] == emu.api_base
        bob = await control.create_user("bob")
        await control.add_member(str(place.guild.id), bob["id"], manage_guild=True)
        record = await control.slash(
            "echo", user_id=bob["id"], channel_id=str(place.channel.id), options={"text": "yo"}
        )
        done = await control.wait_for_response(record["id"], timeout=WAIT)
        assert done["response"]["type"] == 4
        assert done["payload"]["member"]["permissions"] != "0"
        found = await control.wait_for_message(str(place.channel.id), "echo: yo", timeout=WAIT)
        assert found["current"]["content"] == "echo: yo"
        opened = await control.slash("answer", user_id=bob["id"], channel_id=str(place.channel.id))
        await control.wait_for_response(opened["id"], timeout=WAIT)
        submitted = await control.submit_modal(opened["id"], {"Answer": "over http"})
        await control.wait_for_response(submitted["id"], timeout=WAIT)
        await control.wait_for_message(str(place.channel.id), "graded: over http", timeout=WAIT)
        assert (await control.stats())["identify"] == 1


# restarts, shards, privileged intents, standalone ------------------------------------------


async def _start(client: discord.Client) -> asyncio.Task[None]:
    await client.login("test-token")
    task = asyncio.create_task(client.connect())
    await asyncio.wait_for(client.wait_until_ready(), WAIT)
    return task


async def test_a_persistent_button_works_after_the_bot_restarts(
    emu: Emulator, place: Place
) -> None:
    first = TinyBot()
    task = await _start(first)
    target = discord.Object(place.guild.id)
    first.tree.copy_global_to(guild=target)
    await first.tree.sync(guild=target)
    record = await emu.slash("counter", user=place.alice, channel=place.channel)
    message = await emu.wait_for_original(record, timeout=WAIT)
    await first.close()
    await asyncio.wait_for(task, WAIT)

    second = TinyBot()
    second.add_view(CounterView())
    task = await _start(second)
    try:
        click = await emu.click(message, "counter:inc", user=place.alice)
        assert (await emu.wait_for_response(click, WAIT)).type == 7
        assert emu.gateway.count("identify") == 2
    finally:
        await second.close()
        await asyncio.wait_for(task, WAIT)


class ShardedClient(discord.AutoShardedClient):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # no 5 s wait between shards: the emulator has no identify limit


async def test_an_auto_sharded_bot_gets_each_guild_on_its_shard(emu: Emulator) -> None:
    emu.recommended_shards = 2
    guilds = [await emu.create_guild(f"g{i}") for i in range(6)]
    client = ShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    task = await _start(client)
    try:
        assert client.shard_count == 2
        assert {g.id for g in client.guilds} == {g.id for g in guilds}
        for guild in client.guilds:
            assert guild.shard_id == (guild.id >> 22) % 2
        assert emu.gateway.count("identify") == 2
    finally:
        await client.close()
        await asyncio.wait_for(task, WAIT)


async def test_privileged_intents_can_be_refused(emu: Emulator) -> None:
    emu.privileged_intents_allowed = False
    client = discord.Client(intents=discord.Intents.all())
    await client.login("test-token")
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(client.connect(), WAIT)
    await client.close()


async def test_standalone_module_serves_the_control_api() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.testing.discord_emulator",
        "--port",
        "0",
        "--demo",
        stdout=asyncio.subprocess.PIPE,
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), WAIT)
        info = json.loads(line)
        base = info["api_base"].removesuffix("/api/v10")
        async with EmulatorClient(base) as control:
            state = await control.state()
            assert [g["name"] for g in state["guilds"]] == ["demo"]
            assert {u["username"] for u in state["users"]} >= {"alice", "flashtutor"}
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), WAIT)


async def test_http_control_api_covers_faults_and_read_back(
    emu: Emulator, place: Place, bot: TinyBot
) -> None:
    channel_id = str(place.channel.id)
    alice = str(place.alice.id)
    async with EmulatorClient(emu.base_url) as control:
        assert {c["name"] for c in await control.commands(str(place.guild.id))} >= {"echo"}
        record = await control.slash("counter", user_id=alice, channel_id=channel_id)
        await control.wait_for_response(record["id"], timeout=WAIT)
        message_id = (await control.interaction(record["id"]))["original_message_id"]
        click = await control.click(message_id, "counter:inc", user_id=alice)
        await control.wait_for_response(click["id"], timeout=WAIT)
        versions = (await control.message(message_id))["versions"]
        assert [v["payload"]["content"] for v in versions] == ["count 0", "count 1"]
        done = await control.autocomplete(
            "pick", user_id=alice, channel_id=channel_id, focused="topic", options={"topic": "e"}
        )
        answered = await control.wait_for_response(done["id"], timeout=WAIT)
        assert answered["choices"] == [{"name": "embeddings", "value": "embeddings"}]
        upload = await control.upload("deck.md", b"#### T\n")
        deck = await control.slash(
            "deck upload", user_id=alice, channel_id=channel_id, options={"file": upload}
        )
        await control.wait_for_response(deck["id"], timeout=WAIT)
        said = await control.user_message(channel_id, alice, "hi", [("notes.txt", b"n")])
        await eventually(lambda: any(str(m.id) == said["id"] for m in bot.seen))
        assert said["current"]["attachments"][0]["filename"] == "notes.txt"

        await control.rate_limit(1, r"^POST /channels/\d+/messages$", retry_after=0.1)
        await control.fail(1, r"^GET /channels/\d+$", 500, 0, "boom")
        await _text_channel(bot, place.channel).send("through")
        assert any(r["status"] == 429 for r in await control.requests())
        await bot.fetch_channel(place.channel.id)  # discord.py retries the 500
        await control.set_rate_limits(None, False)

        await control.close_dms(alice)
        with pytest.raises(discord.Forbidden):
            await (await bot.fetch_user(place.alice.id)).send("closed")
        assert await control.dm_messages(alice) == []

        emu.hold_connections()
        assert await control.drop_connection() == 1
        await emu.wait_for_gateway("closed", 1, WAIT)
        emu.release_connections()
        await emu.wait_for_gateway("resumed", 1, WAIT)
        assert await control.request_reconnect() == 1
        await emu.wait_for_gateway("resumed", 2, WAIT)
        assert await control.invalidate_session(resumable=False) == 1
        await emu.wait_for_gateway("identify", 2, WAIT)
        kinds = [e["kind"] for e in await control.gateway_events()]
        assert kinds.count("resume") == 2 and kinds.count("identify") == 2
        assert await control.close_connection(4000) == 1
        await emu.wait_for_gateway("resumed", 3, WAIT)

        await eventually(lambda: bot.get_channel(place.channel.id) is not None)
        cached = _text_channel(bot, place.channel)
        await control.delete_channel(channel_id)
        with pytest.raises(discord.NotFound):
            await cached.send("gone")
        await control.remove_bot(str(place.guild.id))
        await eventually(lambda: bot.get_guild(place.guild.id) is None)
        stats = await control.stats()
        assert stats["invalid_requests"] == 2 and stats["unknown"] == 0
        with pytest.raises(EmulatorError, match="400"):
            await control.slash("nope", user_id=alice, channel_id=channel_id)
