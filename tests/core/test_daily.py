"""The pure daily-push rules: wall-clock slots, DST gaps and repeats, catch-up and skipping."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import daily
from bot.errors import InputError

pytestmark = pytest.mark.daily

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def simulate(
    next_day: date, at: time, tz: ZoneInfo, start: datetime, end: datetime, step: timedelta
) -> list[tuple[date, datetime]]:
    """Tick a fake clock from start to end; return (local day, tick time) of every push."""
    pushes: list[tuple[date, datetime]] = []
    now, end = start.astimezone(UTC), end.astimezone(UTC)  # step in UTC, not in wall time
    while now <= end:
        decided = daily.plan(next_day, now, at, tz)
        if decided.push_day is not None:
            pushes.append((decided.push_day, now))
        next_day = decided.next_day
        now += step
    return pushes


def test_push_goes_out_at_the_local_minute() -> None:
    at = time(9, 0)
    first = daily.first_day(datetime(2026, 6, 1, 12, 0, tzinfo=UTC), at, BERLIN)
    assert first == date(2026, 6, 2)  # 09:00 Berlin had passed: tomorrow
    pushes = simulate(
        first,
        at,
        BERLIN,
        datetime(2026, 6, 1, 12, 0, tzinfo=UTC),
        datetime(2026, 6, 4, 12, 0, tzinfo=UTC),
        timedelta(seconds=30),
    )
    assert [d for d, _ in pushes] == [date(2026, 6, 2), date(2026, 6, 3), date(2026, 6, 4)]
    for day, when in pushes:
        local = when.astimezone(BERLIN)
        assert local.date() == day and (local.hour, local.minute) == (9, 0)


def test_a_skipped_wall_time_still_pushes_once() -> None:
    # 2026-03-08: New York jumps from 02:00 to 03:00, so 02:30 does not exist.
    at = time(2, 30)
    pushes = simulate(
        date(2026, 3, 7),
        at,
        NY,
        datetime(2026, 3, 7, 0, 0, tzinfo=NY),
        datetime(2026, 3, 9, 23, 0, tzinfo=NY),
        timedelta(minutes=1),
    )
    assert [d for d, _ in pushes] == [date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)]
    gap_day = pushes[1][1].astimezone(NY)
    assert (gap_day.hour, gap_day.minute) == (3, 30)  # RFC 5545: the offset before the gap
    assert daily.slot(date(2026, 3, 8), at, NY) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_a_repeated_wall_time_pushes_once_at_its_first_occurrence() -> None:
    # 2026-11-01: New York goes back from 02:00 to 01:00, so 01:30 happens twice.
    at = time(1, 30)
    pushes = simulate(
        date(2026, 11, 1),
        at,
        NY,
        datetime(2026, 11, 1, 4, 0, tzinfo=UTC),
        datetime(2026, 11, 2, 12, 0, tzinfo=UTC),
        timedelta(minutes=1),
    )
    assert [d for d, _ in pushes] == [date(2026, 11, 1), date(2026, 11, 2)]
    assert pushes[0][1] == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, the first one
    assert pushes[1][1].astimezone(NY).hour == 1


def test_downtime_catches_up_today_and_skips_ended_days() -> None:
    at = time(9, 0)
    # Waiting for Monday's push; the bot comes back on Thursday at 15:00 local.
    back = datetime(2026, 6, 4, 15, 0, tzinfo=BERLIN)
    decided = daily.plan(date(2026, 6, 1), back, at, BERLIN)
    assert decided.push_day == date(2026, 6, 4)  # today's missed slot: pushed late
    assert decided.skipped == 3  # Mon, Tue, Wed: not piled up
    assert decided.next_day == date(2026, 6, 5)
    # Back before today's slot: nothing now, today's slot is next.
    early = daily.plan(date(2026, 6, 1), datetime(2026, 6, 4, 8, 0, tzinfo=BERLIN), at, BERLIN)
    assert early.push_day is None and early.skipped == 3
    assert early.next_due == datetime(2026, 6, 4, 7, 0, tzinfo=UTC)


def test_the_local_day_decides_not_the_utc_day() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    now = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)  # already 2 June, 08:30 in Tokyo
    assert daily.local_day(now, tokyo) == date(2026, 6, 2)
    decided = daily.plan(date(2026, 6, 2), now, time(8, 0), tokyo)
    assert decided.push_day == date(2026, 6, 2)


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(
        [
            "America/New_York",
            "Europe/Berlin",
            "Australia/Lord_Howe",
            "America/Santiago",
            "Asia/Kolkata",
            "Pacific/Chatham",
        ]
    ),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)),
    step_minutes=st.sampled_from([1, 7, 29, 181]),
)
def test_at_most_one_push_per_local_day_and_none_lost_while_running(
    zone: str, hour: int, minute: int, start: datetime, step_minutes: int
) -> None:
    tz = ZoneInfo(zone)
    at = time(hour, minute)
    begin = start.replace(tzinfo=UTC)
    end = begin + timedelta(days=4)
    first = daily.first_day(begin, at, tz)
    pushes = simulate(first, at, tz, begin, end, timedelta(minutes=step_minutes))
    days = [d for d, _ in pushes]
    assert len(days) == len(set(days))
    for day, when in pushes:
        assert when >= daily.slot(day, at, tz)
        assert daily.local_day(when, tz) == day  # never pushed for a day that had ended
    # Every day whose slot (plus one tick) fell inside the run was pushed.
    day = first
    while daily.slot(day, at, tz) + timedelta(minutes=step_minutes) <= end:
        if daily.local_day(daily.slot(day, at, tz) + timedelta(minutes=step_minutes), tz) == day:
            assert day in days
        day += timedelta(days=1)


def test_times_zones_and_counts_are_checked() -> None:
    assert daily.parse_time(None) == time(9, 0)
    assert daily.parse_time("7:05pm") == time(19, 5)
    assert daily.parse_time("12am") == time(0, 0)
    assert daily.parse_time(" 21 ") == time(21, 0)
    for bad in ("25:00", "9:75", "noon", "13pm", "0am"):
        with pytest.raises(InputError):
            daily.parse_time(bad)
    assert daily.zone("Europe/Berlin") == BERLIN
    with pytest.raises(InputError, match="Europe/Berlin"):
        daily.zone("Europe/Berln")
    with pytest.raises(InputError):
        daily.zone("../../etc/passwd")
    assert daily.zone_choices("berl")[0] == "Europe/Berlin"
    assert len(daily.zone_choices("a")) == 25
    with pytest.raises(InputError):
        daily.check_cards(21)


def test_nonces_are_short_stable_and_distinct() -> None:
    day = date(2026, 6, 1)
    assert daily.nonce(7, day) == daily.nonce(7, day)
    ids = {
        daily.nonce(s, d, p)
        for s in (1, 12, 9_999_999)
        for d in (day, day + timedelta(1))
        for p in range(4)
    }
    assert len(ids) == 24
    assert all(len(n) <= 25 for n in ids)


def test_due_cards_first_then_new_then_practice() -> None:
    pool = ["a", "b", "c", "d", "e"]
    chosen = daily.choose_cards(pool, due=["d", "zz", "b"], seen={"b", "d", "a"}, n=4)
    assert chosen == [("d", "due"), ("b", "due"), ("c", "new"), ("e", "new")]
    assert [c for c, _ in daily.choose_cards(pool, [], {"a", "b", "c", "d", "e"}, 2)] == ["a", "b"]
    assert daily.split_parts([str(i) for i in range(12)]) == [
        ["0", "1", "2", "3", "4"],
        ["5", "6", "7", "8", "9"],
        ["10", "11"],
    ]
