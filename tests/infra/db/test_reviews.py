"""A review starts from what its repository knows of the card's row: a guess, checked.

Each test makes the guess wrong for real (another store on the same database wrote the card,
the person's rows were deleted, a transaction rolled back) and checks that the review was
computed from the row as it really is, on both engines.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.infra.db.known_schedules import KnownSchedules, Schedule
from bot.infra.store import ProgressStore
from tests.infra.conftest import Engine

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def review(store: ProgressStore, card: str, hours: int, verdict: str = "correct") -> Any:
    score = {"correct": 0.9, "incorrect": 0.1}[verdict]
    when = NOW + timedelta(hours=hours)
    return store.record_review(
        user_id="u1", card_id=card, score=score, verdict=verdict, now=when, guild_id="g1"
    )


def replayed(*steps: tuple[int, str]) -> dict[str, Any] | None:
    """The state one store alone reaches after these reviews of card c1, in this order."""
    with ProgressStore.in_memory() as alone:
        for hours, verdict in steps:
            review(alone, "c1", hours, verdict)
        return alone.card_state("u1", "c1")


def test_a_card_written_by_another_process_meanwhile_builds_on_that(engine: Engine) -> None:
    with engine.store() as mine, engine.store() as other:
        review(mine, "c1", 0)  # `mine` now knows the row (reps 1)
        review(other, "c1", 1, "incorrect")
        review(other, "c1", 2)
        result = review(mine, "c1", 3)  # from a stale guess
        assert result.reps == 4
        assert mine.card_state("u1", "c1") == replayed(
            (0, "correct"), (1, "incorrect"), (2, "correct"), (3, "correct")
        )
    assert engine.raw("SELECT reps, lapses FROM card_state") == [(4, 1)]
    assert engine.raw("SELECT COUNT(*) FROM reviews") == [(4,)]


def test_a_card_whose_row_was_deleted_starts_fresh_and_nothing_comes_back(
    engine: Engine,
) -> None:
    with engine.store() as mine:
        review(mine, "c1", 0)
        review(mine, "c1", 1)
        # Deleted behind the repository's back (another process forgot the person).
        engine.raw("DELETE FROM reviews WHERE user_id = 'u1'")
        engine.raw("DELETE FROM card_state WHERE user_id = 'u1'")
        assert review(mine, "c1", 2).reps == 1
        assert mine.card_state("u1", "c1") == replayed((2, "correct"))
    assert engine.raw("SELECT reps, lapses FROM card_state") == [(1, 0)]
    assert engine.raw("SELECT COUNT(*) FROM reviews") == [(1,)]


def test_forgetting_a_person_drops_what_the_store_knew_of_them(engine: Engine) -> None:
    with engine.store() as mine:
        review(mine, "c1", 0)
        review(mine, "c2", 0)
        assert len(mine.reviews.known) == (2 if mine.db.guessed_pairs_pay else 0)
        mine.forget_user("u1")
        assert len(mine.reviews.known) == 0
        assert review(mine, "c1", 1).reps == 1
        assert mine.card_state("u1", "c1") == replayed((1, "correct"))
    assert engine.raw("SELECT card_id, reps FROM card_state") == [("c1", 1)]


def test_a_review_rolled_back_is_not_built_on(engine: Engine) -> None:
    with engine.store() as mine:
        review(mine, "c1", 0)
        try:
            with mine.atomic():
                review(mine, "c1", 1, "incorrect")  # known to the store, then undone
                raise RuntimeError("the rest of the transaction failed")
        except RuntimeError:
            pass
        assert review(mine, "c1", 2).reps == 2
        assert mine.card_state("u1", "c1") == replayed((0, "correct"), (2, "correct"))
    assert engine.raw("SELECT reps, lapses FROM card_state") == [(2, 0)]
    assert engine.raw("SELECT COUNT(*) FROM reviews") == [(2,)]


def test_a_new_store_reviews_cards_seen_before_from_their_rows(engine: Engine) -> None:
    with engine.store() as before:
        review(before, "c1", 0, "incorrect")
    with engine.store() as after:  # a restart: nothing known
        assert review(after, "c1", 1).reps == 2
        assert after.card_state("u1", "c1") == replayed((0, "incorrect"), (1, "correct"))


def test_write_pair_or_read_answers_with_the_row_from_before(engine: Engine) -> None:
    with engine.store() as store:
        db = store.db
        engine.raw("INSERT INTO decks VALUES ('g', 'd', 'p', 1, 't')")
        read = ("SELECT cards, path FROM decks WHERE scope = ?", ("g",))
        change = ("UPDATE decks SET cards = ? WHERE scope = ? AND cards = ?", (2, "g", 1))
        then = (
            "INSERT INTO decks (scope, name, path, cards, added_at) VALUES (?, ?, ?, ?, ?)",
            ("h", "e", "q", 0, "t"),
        )
        applied, rows = db.write_pair_or_read(read, change, then)
        assert applied and [tuple(r) for r in rows] == [(1, "p")]
        assert rows[0]["cards"] == 1 and rows[0]["path"] == "p"
        # Again: the row is no longer as expected, nothing is written, the row comes back.
        applied, rows = db.write_pair_or_read(read, change, then)
        assert not applied and [(r["cards"], r["path"]) for r in rows] == [(2, "p")]
        nothing = ("SELECT cards FROM decks WHERE scope = ?", ("nobody",))
        assert db.write_pair_or_read(nothing, change, then) == (False, [])
        with db.tx():  # the same inside a transaction
            assert db.write_pair_or_read(nothing, change, then) == (False, [])
    assert sorted(engine.raw("SELECT name, cards FROM decks")) == [("d", 2), ("e", 0)]


def test_known_schedules_keep_the_most_recently_used() -> None:
    known = KnownSchedules(capacity=2)
    row = Schedule("{}", 1, 0)
    known.put("u1", "a", row)
    known.put("u1", "b", row)
    assert known.get("u1", "a") == row  # now the most recent
    known.put("u2", "c", row)
    assert known.get("u1", "b") is None
    assert known.get("u1", "a") == row and known.get("u2", "c") == row
    known.put("u2", "c", None)
    assert known.get("u2", "c") is None
    known.drop_user("u1")
    assert len(known) == 0
