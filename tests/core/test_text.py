import re

from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import ZWSP, MentionGuard, clip, neutralize_mentions, split_sentences

# What Discord turns into a ping or a channel link.
LIVE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>")


def test_neutralize_defuses_every_mention_form() -> None:
    text = "hi @everyone and @here, <@123> <@!456> <@&789> see <#42>"
    out = neutralize_mentions(text)
    assert not LIVE_MENTION.search(out)
    # Readable: removing the zero-width spaces gives the original text back.
    assert out.replace(ZWSP, "") == text


def test_neutralize_leaves_plain_text_alone_and_is_idempotent() -> None:
    text = "Token embeddings are vectors; 3 < 4 and # is a hash."
    assert neutralize_mentions(text) == text
    once = neutralize_mentions("@everyone <#1>")
    assert neutralize_mentions(once) == once


def test_neutralize_catches_case_variants_and_fullwidth_free_forms() -> None:
    out = neutralize_mentions("@EVERYONE @Here <@!0012>")
    assert "@EVERYONE" not in out and "@Here" not in out and "<@!0012>" not in out


@given(st.lists(st.sampled_from(["@", "every", "one", "<", "#", "12", ">", "here", " ", "x"])))
def test_stream_guard_matches_whole_text(pieces: list[str]) -> None:
    guard = MentionGuard()
    streamed = "".join(guard.feed(p) for p in pieces) + guard.flush()
    whole = "".join(pieces)
    assert not LIVE_MENTION.search(streamed)
    assert streamed.replace(ZWSP, "") == whole


def test_split_mention_across_chunks_is_still_defused() -> None:
    guard = MentionGuard()
    out = guard.feed("see <") + guard.feed("#123> and @every") + guard.feed("one") + guard.flush()
    assert not LIVE_MENTION.search(out)


def test_clip_bounds_length_at_word_boundary() -> None:
    text = "one two three four five six seven"
    out = clip(text, 15)
    assert len(out) <= 15 and out.endswith("…")
    assert out == "one two three…"
    assert clip("short", 10) == "short"
    assert clip("anything", 0) == ""


def test_split_sentences_on_punctuation_lists_and_paragraphs() -> None:
    text = (
        "Tokens are units. Embeddings are vectors!\n\n- first item\n- second item\nIs it 3.5? Yes."
    )
    assert split_sentences(text) == [
        "Tokens are units.",
        "Embeddings are vectors!",
        "first item",
        "second item",
        "Is it 3.5?",
        "Yes.",
    ]
    assert split_sentences("  ") == []


def test_split_sentences_keeps_closing_quotes() -> None:
    text = 'Given "Thou shalt not make," it predicts "a machine." In skip-gram it is reversed.'
    assert split_sentences(text) == [
        'Given "Thou shalt not make," it predicts "a machine."',
        "In skip-gram it is reversed.",
    ]
