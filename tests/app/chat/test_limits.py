"""The per-person flood limiter."""

from __future__ import annotations

import pytest

from bot.app.chat._limits import FloodLimiter


def test_a_burst_is_cut_with_one_notice() -> None:
    lim = FloodLimiter(limit=5, window=10.0)
    seen = [lim.admit(1, 0.1 * i) for i in range(9)]
    assert [a.allowed for a in seen] == [True] * 5 + [False] * 4
    assert [a.notify for a in seen] == [False] * 5 + [True] + [False] * 3


def test_a_long_flood_gets_one_notice_and_a_trickle_through() -> None:
    lim = FloodLimiter(limit=5, window=10.0)
    seen = [lim.admit(1, 0.1 * i) for i in range(300)]  # ten a second for thirty seconds
    assert sum(a.notify for a in seen) == 1
    # Dropped messages do not extend the window: five per ten seconds still get through.
    assert 14 <= sum(a.allowed for a in seen) <= 16


def test_after_a_quiet_window_a_new_flood_is_noticed_again() -> None:
    lim = FloodLimiter(limit=5, window=10.0)
    first = [lim.admit(1, 0.1 * i) for i in range(8)]
    assert sum(a.notify for a in first) == 1
    assert lim.admit(1, 20.0).allowed
    second = [lim.admit(1, 20.1 + 0.1 * i) for i in range(8)]
    assert [a.allowed for a in second] == [True] * 4 + [False] * 4
    assert sum(a.notify for a in second) == 1


def test_a_person_who_waits_for_each_reply_is_never_limited() -> None:
    # Quick replies (commands, fallback answers) let a conversation pass five messages in ten
    # seconds: that is not a flood, nothing is waiting to be read.
    lim = FloodLimiter(limit=5, window=10.0)
    for i in range(20):
        admission = lim.admit(1, 0.5 * i)
        assert admission.allowed and not admission.notify, i
        lim.answered(1)
    assert lim.in_flight(1) == 0


def test_a_message_sent_while_others_wait_counts_the_recent_ones() -> None:
    lim = FloodLimiter(limit=5, window=10.0)
    for i in range(5):  # a brisk conversation, each message answered
        assert lim.admit(1, 0.5 * i).allowed
        lim.answered(1)
    assert lim.admit(1, 3.0).allowed  # nothing waiting: read, though the window is full
    late = lim.admit(1, 3.5)  # sent before that one is answered
    assert not late.allowed and late.notify
    lim.answered(1)
    assert lim.admit(1, 4.0).allowed, "caught up again"


def test_each_burst_after_catching_up_gets_its_own_notice() -> None:
    lim = FloodLimiter(limit=5, window=10.0)
    first = [lim.admit(1, 0.1 * i) for i in range(8)]
    assert sum(a.notify for a in first) == 1
    for _ in range(sum(a.allowed for a in first)):
        lim.answered(1)
    second = [lim.admit(1, 2.0 + 0.1 * i) for i in range(3)]
    assert [a.allowed for a in second] == [True, False, False]
    assert [a.notify for a in second] == [False, True, False]


def test_answers_never_count_below_zero() -> None:
    lim = FloodLimiter(limit=1, window=10.0)
    lim.answered(1)
    assert lim.in_flight(1) == 0
    assert lim.admit(1, 0.0).allowed and lim.in_flight(1) == 1
    assert not lim.admit(1, 0.1).allowed, "the window is full while one is in flight"


def test_people_are_limited_separately() -> None:
    lim = FloodLimiter(limit=2, window=10.0)
    assert lim.admit(1, 0.0).allowed and lim.admit(1, 0.1).allowed
    assert not lim.admit(1, 0.2).allowed
    assert lim.admit(2, 0.3).allowed


def test_memory_is_bounded() -> None:
    lim = FloodLimiter(limit=5, window=10.0, max_tracked=100)
    for person in range(1000):
        lim.admit(person, 0.0)
    assert lim.tracked() == 100


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        FloodLimiter(limit=0)
