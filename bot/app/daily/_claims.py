"""Claiming daily pushes (worker threads): due subscriptions become intents, open intents jobs.

Several bot processes may share one PostgreSQL, each ticking its own scheduler. A process
claims a batch of due subscriptions for itself for `lease` (rows another process holds are
skipped, not waited for), writes each push's intent as its own (`owner`, `lease_until`),
and sends it. A process that dies leaves claims and intents whose lease runs out; another
process then takes them (`take_push` decides between rivals), and the push's nonce keeps
the resend from posting twice. One process alone behaves as before: its own claims and
intents are always its to take, also after a restart.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.app.daily import _render
from bot.core import daily
from bot.core.cards import Card
from bot.core.records import PushRecord, Subscription
from bot.core.subscriptions import DailyPushes
from bot.core.tutor import Tutor
from bot.errors import FlashtutorError

NONCE_WINDOW = timedelta(minutes=4)
"""Discord remembers an enforced nonce for a few minutes; past that a resend looks first."""
LEASE = timedelta(seconds=30)
"""How long a claim or an intent stays a process's own without being renewed; under the
nonce window, so a push taken over from a dead process is resent with its nonce in time."""


def process_owner() -> str:
    """This process's name in claims and leases: host and pid (a restart is a new owner)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Job:
    """One push to deliver: its subscription, ledger row and what to show."""

    sub: Subscription
    record: PushRecord
    cards: list[Card]
    yesterday: _render.Yesterday | None = None
    stale: bool = False
    """The intent is older than Discord's nonce memory: look for the push before resending."""


@dataclass
class TickReport:
    """What one tick did."""

    claimed: int = 0
    resumed: int = 0
    sent: int = 0
    failed: int = 0
    paused: int = 0
    skipped_days: int = 0
    left_open: int = 0
    errors: list[str] = field(default_factory=list)


class PushClaims:
    """Turns due subscriptions into intents this process owns, and takes over open ones."""

    def __init__(
        self,
        tutor: Callable[[], Tutor],
        subs: DailyPushes,
        *,
        owner: str | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        self._tutor = tutor
        self.subs = subs
        self.owner = owner or process_owner()
        self.lease = lease
        self._started: tuple[datetime, float] | None = None

    @property
    def tutor(self) -> Tutor:
        """The tutor, built on first use (so loading the cog never loads the models)."""
        return self._tutor()

    def lease_end(self, now: datetime) -> datetime:
        """When a claim made now ends: `now` moved on by the time this tick has run.

        Decisions use the tick's `now` (tests move it); a lease must follow the real
        clock, or the later batches of a long tick would be claimed already expired.
        """
        if self._started is None or self._started[0] != now:
            self._started = (now, time.monotonic())
        return now + timedelta(seconds=time.monotonic() - self._started[1]) + self.lease

    def claim(
        self, now: datetime, report: TickReport, limit: int = 1_000_000
    ) -> tuple[int, list[Job]]:
        """Claim up to `limit` due subscriptions, decide, choose cards, write intents.

        Returns (subscriptions claimed, jobs to send); sends nothing.
        """
        until = self.lease_end(now)
        due = self.subs.claim_due(now, self.owner, until, limit)
        pools: dict[tuple[str | None, str | None], list[Card]] = {}
        jobs: list[Job] = []
        for sub in due:
            try:
                tz = sub.tz
            except FlashtutorError:  # a zone the tz database no longer has
                self.subs.pause(sub.id, "unknown_zone", now)
                report.paused += 1
                continue
            decided = daily.plan(sub.next_day, now, sub.at, tz)
            report.skipped_days += decided.skipped
            if decided.push_day is None:
                self.subs.advance(sub.id, decided.next_day, decided.next_due)
                continue
            pool = self._pool(sub, pools)
            chosen = self.subs.choose(sub, [c.card_id for c in pool], now)
            session = self.subs.open_session(sub, now)
            record = self.subs.begin_push(
                sub, decided, chosen, session, now, owner=self.owner, lease_until=until
            )
            if record is None:
                continue
            by_id = {c.card_id: c for c in pool}
            job = Job(sub, record, [by_id[c] for c in record.card_ids if c in by_id])
            if sub.kind == "channel":
                job.yesterday = self._yesterday(sub, record, now)
            jobs.append(job)
        return len(due), jobs

    def scope(self, sub: Subscription) -> str | None:
        """Whose decks a push may show: a DM has no server, so only the shipped decks."""
        return sub.guild_id if sub.kind == "channel" else None

    def _pool(
        self, sub: Subscription, pools: dict[tuple[str | None, str | None], list[Card]]
    ) -> list[Card]:
        key = (self.scope(sub), sub.topic)
        if key not in pools:
            cards: list[Card] = []
            if sub.topic:
                cards = self.tutor.on_topic(sub.topic, key[0])
            # A topic that matches nothing falls back to every visible card, not to silence.
            pools[key] = cards or self.tutor.visible_cards(key[0])
        return pools[key]

    def _yesterday(
        self, sub: Subscription, record: PushRecord, now: datetime
    ) -> _render.Yesterday | None:
        before = self.subs.previous_push(sub.id, record.local_date)
        if before is None or not before.card_ids:
            return None
        card_id = before.card_ids[0]
        answered, correct = self.subs.answers(card_id, sub.guild_id, before.intended_at, now)
        try:
            card: Card | None = self.tutor.card(card_id, sub.guild_id)
        except FlashtutorError:
            card = None
        return _render.Yesterday(card, answered, correct)

    def reopen(
        self, now: datetime, claimed: set[tuple[int, date]], report: TickReport
    ) -> list[Job]:
        """Open intents this process may send (its own, or a dead owner's), taken over."""
        until = self.lease_end(now)
        jobs: list[Job] = []
        for record in self.subs.open_pushes(self.owner, now):
            if (record.subscription_id, record.local_date) in claimed:
                continue
            if not self.subs.take_push(
                record.subscription_id, record.local_date, self.owner, until, now
            ):
                continue  # another process took it first
            sub = self.subs.get(record.subscription_id)
            if sub is None or sub.status != "active":
                self.subs.fail_push(record.subscription_id, record.local_date, "cancelled", now)
                continue
            if daily.local_day(now, sub.tz) != record.local_date:
                # The day is over: a late quiz would be a second one tomorrow.
                self.subs.fail_push(sub.id, record.local_date, "expired", now)
                report.failed += 1
                continue
            cards: list[Card] = []
            for card_id in record.card_ids:
                try:
                    cards.append(self.tutor.card(card_id, self.scope(sub)))
                except FlashtutorError:
                    continue  # removed from its deck since the intent
            job = Job(sub, record, cards, stale=now - record.intended_at > NONCE_WINDOW)
            if sub.kind == "channel":
                job.yesterday = self._yesterday(sub, record, now)
            jobs.append(job)
        return jobs
