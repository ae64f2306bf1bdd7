"""Daily pushes: when a subscription's quiz is due, which local day it belongs to, what it holds.

Pure rules, no I/O: the scheduler in `bot.app.daily` and the store in
`bot.infra.subscriptions` call these with `now` passed in.

A push follows the person's wall clock. Local times that do not exist or exist twice
because of daylight saving are resolved as iCalendar does (RFC 5545, section 3.3.5): a
time inside a gap is read with the offset before the gap (02:30 on a day that jumps from
02:00 to 03:00 is pushed at 03:30), and a time that repeats means its first occurrence.
Each local day has exactly one slot, so a day always gets at most one push.

Catch-up and skipping: a bot that was down at a slot pushes later the same local day;
days that ended while it was down are skipped, never piled up.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.scheduling import require_utc
from bot.errors import InputError

DEFAULT_TIME = time(9, 0)
"""When a daily quiz arrives unless the person chooses."""
DEFAULT_ZONE = "UTC"
MIN_CARDS = 1
MAX_CARDS = 20
DEFAULT_CARDS = 5
CARDS_PER_MESSAGE = 5
"""Cards in one pushed message: each card's buttons fill one of Discord's 5 component rows."""
MAX_NONCE = 25
"""Discord accepts a message nonce of at most 25 characters."""

_TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)


def parse_time(text: str | None) -> time:
    """A wall-clock time from `09:00`, `9:30`, `21`, `7pm` or `7:15 am` (default 09:00)."""
    if text is None or not text.strip():
        return DEFAULT_TIME
    match = _TIME.match(text)
    if match is None:
        raise InputError(f"“{text.strip()[:20]}” is not a time: write it like 09:00 or 7:30pm.")
    hour, minute = int(match[1]), int(match[2] or 0)
    half = (match[3] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise InputError(f"“{text.strip()}” is not a time: with am/pm the hour is 1–12.")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise InputError(f"“{text.strip()}” is not a time of day: use 00:00 to 23:59.")
    return time(hour, minute)


def format_time(at: time) -> str:
    """`HH:MM`, as stored and shown."""
    return f"{at.hour:02d}:{at.minute:02d}"


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA time zone name the installed tz database knows, sorted."""
    return tuple(sorted(available_timezones()))


def zone(name: str | None) -> ZoneInfo:
    """The time zone called `name` (default UTC), or InputError naming close matches."""
    name = (name or DEFAULT_ZONE).strip()
    if name in zone_names():
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    close = zone_choices(name, limit=3)
    hint = f" Did you mean {', '.join(close)}?" if close else " Use a name like Europe/Berlin."
    raise InputError(f"“{name[:60]}” is not a time zone I know.{hint}")


def zone_choices(typed: str, limit: int = 25) -> list[str]:
    """Zone names for autocomplete: prefix matches of the name or its city first, then others."""
    key = typed.strip().casefold().replace(" ", "_")
    if not key:
        common = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo")
        return list(common[:limit])
    first: list[str] = []
    rest: list[str] = []
    for name in zone_names():
        folded = name.casefold()
        if folded.startswith(key) or folded.rsplit("/", 1)[-1].startswith(key):
            first.append(name)
        elif key in folded:
            rest.append(name)
    return (first + rest)[:limit]


def slot(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on local `day` (gaps and repeats as in RFC 5545)."""
    # fold=0 is exactly RFC 5545's rule: the offset before a gap, the first of a repeat.
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz)
    return local.astimezone(UTC)


def local_day(now: datetime, tz: ZoneInfo) -> date:
    """The calendar day it is at `now` in `tz`."""
    return require_utc(now).astimezone(tz).date()


def first_day(since: datetime, at: time, tz: ZoneInfo) -> date:
    """The first local day whose slot is at or after `since` (a new subscription's first push)."""
    day = local_day(since, tz)
    return day if slot(day, at, tz) >= require_utc(since, "since") else day + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do for one subscription at `now`.

    `push_day` is the local day to push for now (None: nothing is due yet); `skipped` counts
    the days that ended without a push; `next_day`/`next_due` is what to wait for afterwards.
    """

    push_day: date | None
    skipped: int
    next_day: date
    next_due: datetime


def plan(next_day: date, now: datetime, at: time, tz: ZoneInfo) -> Plan:
    """Decide for a subscription waiting for `next_day`'s slot, at `now`.

    A slot that passed today is pushed now (catch-up); days before today are skipped.
    """
    now = require_utc(now)
    today = local_day(now, tz)
    skipped = max(0, (today - next_day).days)
    day = max(next_day, today)
    due = slot(day, at, tz)
    if due > now:
        return Plan(None, skipped, day, due)
    after = day + timedelta(days=1)
    return Plan(day, skipped, after, slot(after, at, tz))


def upcoming(next_day: date, now: datetime, at: time, tz: ZoneInfo) -> datetime:
    """When the next push goes out, as far as the schedule knows (now, if one is due)."""
    decided = plan(next_day, now, at, tz)
    return require_utc(now) if decided.push_day is not None else decided.next_due


def nonce(subscription_id: int, day: date, part: int = 0) -> str:
    """The message nonce of one part of one push: the same on every retry, unique otherwise."""
    text = f"fd{subscription_id}.{day:%Y%m%d}.{part}"
    if len(text) > MAX_NONCE:
        raise ValueError(f"subscription id {subscription_id} makes a nonce too long")
    return text


def choose_cards(
    pool: Sequence[str], due: Iterable[str], seen: Collection[str], n: int
) -> list[tuple[str, str]]:
    """Up to `n` (card id, reason) from `pool`: due cards first (in the order given), then
    new cards in pool order (most relevant first), then seen cards for practice.
    """
    n = max(MIN_CARDS, min(MAX_CARDS, n))
    in_pool = set(pool)
    chosen: list[tuple[str, str]] = []
    taken: set[str] = set()

    def take(card_id: str, reason: str) -> None:
        if len(chosen) < n and card_id in in_pool and card_id not in taken:
            chosen.append((card_id, reason))
            taken.add(card_id)

    for card_id in due:
        take(card_id, "due")
    for card_id in pool:
        if card_id not in seen:
            take(card_id, "new")
    for card_id in pool:
        take(card_id, "practice")
    return chosen


def split_parts(cards: Sequence[str], per_message: int = CARDS_PER_MESSAGE) -> list[list[str]]:
    """Cards grouped into the messages of one push."""
    return [list(cards[i : i + per_message]) for i in range(0, len(cards), per_message)]


def check_cards(n: int) -> int:
    """A card count within 1–20, or InputError."""
    if not MIN_CARDS <= n <= MAX_CARDS:
        raise InputError(f"A daily quiz holds {MIN_CARDS} to {MAX_CARDS} cards, not {n}.")
    return n
