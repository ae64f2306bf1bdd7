"""Server decks through Discord: upload with a broken card, permissions, isolation between servers."""

from __future__ import annotations

import pytest

from bot.testing.discord_emulator import InjectionError, Upload
from tests.app.conftest import WAIT, Bot, embed_text, not_loading

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

BIOLOGY = b"""#### Photosynthesis
:p What does photosynthesis produce?
??x
Glucose and oxygen, from carbon dioxide and water, using light energy.
x??
---
#### Broken
:p What is missing here?
---
#### Mitochondria
:p What is the role of mitochondria?
??x
They produce ATP through cellular respiration.
x??
"""

CHEMISTRY = b"question,answer\nWhat is the symbol for sodium?,Na\nWhat is H2O?,Water\n"


async def upload(world: Bot, filename: str, data: bytes, user=None, channel=None):
    cmd = await world.emu.slash(
        "deck upload",
        user=user or world.admin,
        channel=channel or world.channel,
        options={"file": Upload(filename, data)},
    )
    return cmd, await world.reply(cmd, predicate=not_loading)


async def test_upload_reports_broken_cards_and_keeps_the_good_ones(world: Bot) -> None:
    _cmd, reply = await upload(world, "biology.md", BIOLOGY)
    text = embed_text(reply)
    assert reply.ephemeral
    assert "Deck **biology**: 2 cards ready" in text
    assert "line 8: card has no answer" in text

    scope = str(world.guild.id)
    saved = world.services.settings.uploads_dir / scope / "biology.md"
    assert saved.read_bytes() == BIOLOGY
    assert [(d.name, d.cards) for d in world.services.store.list_decks(scope)] == [("biology", 2)]

    quiz = await world.slash("quiz", deck="biology")
    question = await world.reply(quiz, predicate=not_loading)
    assert (
        "photosynthesis" in embed_text(question).lower()
        or "mitochondria" in embed_text(question).lower()
    )


async def test_non_managers_are_refused(world: Bot) -> None:
    with pytest.raises(InjectionError):  # Discord hides the command from them by default...
        await world.emu.slash(
            "deck upload",
            user=world.bob,
            channel=world.channel,
            options={"file": Upload("x.md", BIOLOGY)},
        )
    # ...and a server may override that in its settings: the bot checks again itself.
    cmd = await world.emu.slash(
        "deck upload",
        user=world.bob,
        channel=world.channel,
        options={"file": Upload("sneaky.md", BIOLOGY)},
        override_permissions=True,
    )
    response = await world.emu.wait_for_response(cmd, timeout=WAIT)
    assert response.type == 4 and response.data is not None
    assert response.data["flags"] & 64
    assert "Manage Server" in response.data["content"]
    assert not (world.services.settings.uploads_dir / str(world.guild.id) / "sneaky.md").exists()
    assert "sneaky" not in [d.name for d in world.services.store.list_decks(str(world.guild.id))]


async def test_servers_cannot_see_each_others_decks(world: Bot) -> None:
    emu = world.emu
    other = await emu.create_guild("chem-lab", channels=("lab",))
    lab = emu.channel_named(other, "lab")
    chemist = emu.create_user("chemist")
    await emu.add_member(other, chemist, manage_guild=True)
    await emu.wait_until(
        lambda: world.runner.bot and world.runner.bot.get_guild(other.id), WAIT, "the new guild"
    )
    _, reply = await upload(world, "chemistry.csv", CHEMISTRY, user=chemist, channel=lab)
    assert "2 cards ready" in embed_text(reply)

    here = await world.slash("topics")
    topics_here = embed_text(await world.reply(here, predicate=not_loading))
    there = await world.slash("topics", user=chemist, channel=lab)
    topics_there = embed_text(await world.reply(there, predicate=not_loading))
    assert "biology" in topics_here and "chemistry" not in topics_here
    assert "chemistry" in topics_there and "biology" not in topics_there
    assert "000_75fa53af5a744319" in topics_here and "000_75fa53af5a744319" in topics_there

    quiz = await world.slash("quiz", user=chemist, channel=lab, deck="biology")
    assert "no cards" in embed_text(await world.reply(quiz, predicate=not_loading))
    asked = await world.slash(
        "ask", user=chemist, channel=lab, question="What does photosynthesis produce?"
    )
    answer = await world.emu.wait_for_original(
        asked, lambda m: not_loading(m) and "▍" not in embed_text(m), timeout=WAIT
    )
    assert "None of the cards cover that" in embed_text(answer)
    typed = await emu.autocomplete(
        "quiz", user=chemist, channel=lab, focused="deck", options={"deck": ""}
    )
    await emu.wait_for_response(typed, timeout=WAIT)
    assert "biology" not in [c["value"] for c in typed.choices or []]
    assert "chemistry" in [c["value"] for c in typed.choices or []]


async def test_bad_files_are_refused_with_a_reason(world: Bot) -> None:
    cmd = await world.emu.slash(
        "deck upload",
        user=world.admin,
        channel=world.channel,
        options={"file": Upload("notes.pdf", b"%PDF-1.4")},
    )
    response = await world.emu.wait_for_response(cmd, timeout=WAIT)
    assert response.data is not None and "Upload a deck file (.apkg, " in response.data["content"]

    _, reply = await upload(world, "binary.md", b"\x00\x01\x02 not text")
    text = embed_text(reply)
    assert "was not saved" in text and "line 1: binary file" in text
    assert not (world.services.settings.uploads_dir / str(world.guild.id) / "binary.md").exists()


async def test_list_and_remove(world: Bot) -> None:
    _, reply = await upload(world, "spare deck!.csv", CHEMISTRY)
    # Issue 14: a deck keeps the name its file gave it (it was made "safe": spare_deck).
    assert "Deck **spare deck!**" in embed_text(reply)
    listed = await world.slash("deck list", user=world.admin)
    response = await world.emu.wait_for_response(listed, timeout=WAIT)
    listing = embed_text(await world.emu.wait_for_original(listed, timeout=WAIT))
    assert response.type == 4 and "biology" in listing and "spare deck!" in listing

    typed = await world.emu.autocomplete(
        "deck remove",
        user=world.admin,
        channel=world.channel,
        focused="name",
        options={"name": "spa"},
    )
    await world.emu.wait_for_response(typed, timeout=WAIT)
    assert [c["value"] for c in typed.choices or []] == ["spare deck!"]

    quiz = await world.slash("quiz", deck="spare deck!")
    question = await world.reply(quiz, predicate=not_loading)

    removed = await world.slash("deck remove", user=world.admin, name="spare deck!")
    assert "Removed deck **spare deck!** (2 cards)" in embed_text(
        await world.reply(removed, predicate=not_loading)
    )
    folder = world.services.settings.uploads_dir / str(world.guild.id)
    assert not [p for p in folder.iterdir() if p.name.startswith("spare_deck")]
    stale = await world.click(question, "ans")  # a question from the removed deck
    refusal = await world.emu.wait_for_response(stale, timeout=WAIT)
    assert refusal.type == 4 and refusal.data is not None and refusal.data["flags"] & 64
    assert "no longer available" in refusal.data["content"]
    again = await world.slash("deck remove", user=world.admin, name="spare deck!")
    assert "no deck named" in embed_text(await world.reply(again, predicate=not_loading))


async def test_uploaded_decks_are_reindexed_from_disk_at_start(world: Bot) -> None:
    scope = str(world.guild.id)
    index = world.services.index
    index.remove_deck(scope, "biology")  # as if the index had been lost
    assert not index.cards((scope,), deck="biology")
    world.services.decks.resync()
    assert len(index.cards((scope,), deck="biology")) == 2


async def test_names_in_any_script_stay_distinct_and_collisions_are_numbered(world: Bot) -> None:
    for filename in ("生物.md", "化学.csv", "名前.md"):
        _, reply = await upload(
            world, filename, CHEMISTRY if filename.endswith(".csv") else BIOLOGY
        )
        assert f"Deck **{filename.rsplit('.', 1)[0]}**" in embed_text(reply)
    _, reply = await upload(world, "生物.csv", CHEMISTRY)  # another file, the same deck name
    text = embed_text(reply)
    assert "Deck **生物 (2)**" in text and "was taken by another file" in text
    _, reply = await upload(world, "生物.md", BIOLOGY)  # the same file again replaces its deck
    assert "Deck **生物**: 2 cards ready (0 new, 0 changed)" in embed_text(reply)
    listed = await world.slash("deck list", user=world.admin)
    await world.emu.wait_for_response(listed, timeout=WAIT)
    listing = embed_text(await world.emu.wait_for_original(listed, timeout=WAIT))
    for name in ("生物", "生物 (2)", "化学", "名前"):
        assert f"**{name}**" in listing
    scope = str(world.guild.id)
    decks = {c.deck for c in world.services.index.cards((scope,))}
    assert {"生物", "生物 (2)", "化学", "名前"} <= decks
    for name in ("生物", "生物 (2)", "化学", "名前"):
        removed = await world.slash("deck remove", user=world.admin, name=name)
        assert f"Removed deck **{name}**" in embed_text(
            await world.reply(removed, predicate=not_loading)
        )


async def test_an_anki_package_upload_and_a_deck_export(world: Bot, tmp_path_factory) -> None:
    from tests.core.decks.anki_fixtures import make_packages

    package = make_packages(tmp_path_factory.mktemp("anki"))["apkg"]
    _, reply = await upload(world, "Anki decks.apkg", package.read_bytes())
    assert "Deck **Anki decks**: 8 cards ready" in embed_text(reply)
    scope = str(world.guild.id)
    decks = {c.deck for c in world.services.index.cards((scope,))}
    assert {"Biology::Cells", "Chemistry"} <= decks
    exported = await world.slash("deck export", user=world.admin, name="Biology")
    message = await world.reply(exported, predicate=not_loading)
    attachments = message.current.get("attachments") or []
    assert [a["filename"] for a in attachments] == ["Biology.apkg"]
    removed = await world.slash("deck remove", user=world.admin, name="Anki decks")
    assert "Removed deck **Anki decks** (8 cards)" in embed_text(
        await world.reply(removed, predicate=not_loading)
    )
