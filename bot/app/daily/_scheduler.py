"""The daily-push scheduler: one `tick(now)` finds what is due, records intents, sends.

The cog calls `tick` every `daily_tick_s` seconds with the real clock; tests call it with a
fake one. A tick:

1. claims every active subscription whose slot has come: the rules of `bot.core.daily`
   decide the local day (catch-up today, skip ended days), cards are chosen (due first,
   then new on the topic) and the intent is written to the ledger with the cards;
2. picks up intents an earlier run left open (a crash or a lost answer between intent and
   result) that are still for today;
3. sends everything through the paced sender, with nonces from (subscription, day, part),
   and records each outcome. DMs closed pause the subscription and leave the person a
   notice; a deleted channel pauses the channel's subscription and tells the server owner.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.app.daily import _render
from bot.app.daily._sender import ChannelGone, DeliveryError, DMClosed, PacedSender
from bot.core import daily
from bot.core.cards import Card
from bot.core.tutor import Tutor, scopes_for
from bot.errors import FlashtutorError
from bot.infra.store import ProgressStore
from bot.infra.subscriptions import PushRecord, Subscription, SubscriptionStore

log = logging.getLogger(__name__)

NONCE_WINDOW = timedelta(minutes=4)
"""Discord remembers an enforced nonce for a few minutes; past that a resend looks first."""
DM_CLOSED_NOTICE = (
    "I couldn't send your daily quiz: your DMs from me are closed, so I paused it. Allow "
    "direct messages from this server's members (or from me), then run /daily on to resume."
)


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


class DailyScheduler:
    """Delivers daily pushes exactly once; time is always the `now` passed to `tick`."""

    def __init__(
        self,
        tutor: Callable[[], Tutor],
        store: ProgressStore,
        sender: PacedSender,
        *,
        guild_owner: Callable[[str], int | None] = lambda guild_id: None,
    ) -> None:
        self._tutor = tutor
        self.store = store
        self.subs = SubscriptionStore(store)
        self.sender = sender
        self.guild_owner = guild_owner
        self._lock = asyncio.Lock()

    @property
    def tutor(self) -> Tutor:
        """The tutor, built on first use (so loading the cog never loads the models)."""
        return self._tutor()

    async def tick(self, now: datetime) -> TickReport:
        """Claim what is due at `now`, resend open intents, deliver, record outcomes."""
        async with self._lock:  # two overlapping ticks would send open intents twice
            report = TickReport()
            jobs = await asyncio.to_thread(self.claim, now, report)
            report.claimed = len(jobs)
            claimed = {(j.sub.id, j.record.local_date) for j in jobs}
            resumed = await asyncio.to_thread(self._reopen, now, claimed, report)
            report.resumed = len(resumed)
            jobs += resumed
            await asyncio.gather(*(self._deliver(job, now, report) for job in jobs))
            if jobs or report.skipped_days:
                log.info("daily tick %s: %s", now.isoformat(timespec="seconds"), report)
            return report

    # --- claiming (worker thread) ----------------------------------------------------------

    def claim(self, now: datetime, report: TickReport | None = None) -> list[Job]:
        """Step 1 of a tick (blocking): decide, choose cards, record intents; sends nothing."""
        report = report or TickReport()
        pools: dict[tuple[str | None, str | None], list[Card]] = {}
        jobs: list[Job] = []
        for sub in self.subs.due(now):
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
            chosen = self._choose(sub, pool, now)
            session = 0
            if sub.kind == "dm" and sub.user_id:
                session = self.store.open_quiz(
                    user_id=sub.user_id,
                    guild_id=None,
                    topic=sub.topic,
                    deck=None,
                    public=False,
                    now=now,
                )
            record = self.subs.begin_push(sub, decided, chosen, session, now)
            if record is None:
                continue
            by_id = {c.card_id: c for c in pool}
            job = Job(sub, record, [by_id[c] for c in record.card_ids if c in by_id])
            if sub.kind == "channel":
                job.yesterday = self._yesterday(sub, record, now)
            jobs.append(job)
        return jobs

    def _scope(self, sub: Subscription) -> str | None:
        # A DM has no server: its buttons can only see the shipped decks.
        return sub.guild_id if sub.kind == "channel" else None

    def _pool(
        self, sub: Subscription, pools: dict[tuple[str | None, str | None], list[Card]]
    ) -> list[Card]:
        key = (self._scope(sub), sub.topic)
        if key not in pools:
            cards: list[Card] = []
            if sub.topic:
                cards = self.tutor.on_topic(sub.topic, key[0])
            # A topic that matches nothing falls back to every visible card, not to silence.
            pools[key] = cards or self.tutor.cards.cards(scopes_for(key[0]))
        return pools[key]

    def _choose(self, sub: Subscription, pool: list[Card], now: datetime) -> list[tuple[str, str]]:
        ids = [c.card_id for c in pool]
        if sub.kind == "dm" and sub.user_id:
            due = self.store.due_card_ids(sub.user_id, now, among=ids, limit=sub.cards)
            return daily.choose_cards(ids, due, self.store.seen_card_ids(sub.user_id), sub.cards)
        # A channel walks through the pool: never-posted cards first, then the longest ago.
        posted = [c for p in self.subs.pushes(sub.id) for c in p.card_ids]
        last = {card_id: i for i, card_id in enumerate(posted)}
        order = sorted(ids, key=lambda c: last.get(c, -1))
        return daily.choose_cards(order, [], set(posted), 1)

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

    def _reopen(
        self, now: datetime, claimed: set[tuple[int, date]], report: TickReport
    ) -> list[Job]:
        jobs: list[Job] = []
        for record in self.subs.open_pushes():
            if (record.subscription_id, record.local_date) in claimed:
                continue
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
                    cards.append(self.tutor.card(card_id, self._scope(sub)))
                except FlashtutorError:
                    continue  # removed from its deck since the intent
            job = Job(sub, record, cards, stale=now - record.intended_at > NONCE_WINDOW)
            if sub.kind == "channel":
                job.yesterday = self._yesterday(sub, record, now)
            jobs.append(job)
        return jobs

    # --- delivering ------------------------------------------------------------------------

    async def _deliver(self, job: Job, now: datetime, report: TickReport) -> None:
        sub, record = job.sub, job.record
        if not job.cards:
            await asyncio.to_thread(self.subs.fail_push, sub.id, record.local_date, "no_cards", now)
            report.failed += 1
            return
        try:
            ids = await self._send(job)
        except (DMClosed, ChannelGone) as exc:
            if sub.kind == "dm":
                # Closed DMs, or a DM channel Discord refuses even when asked for afresh:
                # either way the person cannot be reached; they are told at their next command.
                await asyncio.to_thread(self._pause_dm, sub, record, exc.reason, now)
            else:
                await asyncio.to_thread(self._pause, sub, record, exc.reason, now)
                await self._tell_owner(sub, record, now)
            report.failed += 1
            report.paused += 1
        except Exception as exc:
            # Left as an intent: the next tick sends it again (same nonce) if still today.
            expected = isinstance(exc, DeliveryError | FlashtutorError)
            log.warning(
                "daily push %s/%s not delivered yet: %s",
                sub.id,
                record.local_date,
                exc,
                exc_info=not expected,
            )
            report.left_open += 1
            report.errors.append(str(exc))
        else:
            await asyncio.to_thread(self.subs.finish_push, sub.id, record.local_date, ids, now)
            report.sent += 1

    async def _send(self, job: Job) -> list[str]:
        sub, record = job.sub, job.record
        if sub.kind == "channel":
            channel_id = int(sub.channel_id or 0)
            messages = [_render.channel_message(sub, record, job.cards[0], job.yesterday)]
        else:
            # Normally remembered since /daily on: the push is then one request per message.
            # Rows from before that (or whose opening failed) open the DM here, once.
            channel_id = int(sub.channel_id) if sub.channel_id else await self._open_dm(sub)
            messages = _render.dm_messages(sub, record, job.cards, channel_id)
        found = await self._already_posted(channel_id, record) if job.stale else {}
        ids: list[str] = []
        reopened = False
        index = 0
        while index < len(messages):
            mark = _render.marker(record.local_date, index, len(messages))
            if mark in found:
                ids.append(found[mark])
                index += 1
                continue
            try:
                ids.append(await self.sender.send(messages[index]))
            except ChannelGone:
                # A remembered DM channel Discord no longer knows (e.g. the bot's application
                # changed): ask for the DM channel again, once, and send everything there. The
                # same id back means the person's DMs are unreachable, not a stale id.
                if sub.kind != "dm" or index or reopened:
                    raise
                reopened = True
                fresh = await self._open_dm(sub)
                if fresh == channel_id:
                    raise
                channel_id = fresh
                messages = _render.dm_messages(sub, record, job.cards, channel_id)
                continue
            index += 1
        return ids

    async def _open_dm(self, sub: Subscription) -> int:
        channel_id = await self.sender.open_dm(int(sub.user_id or 0))
        await asyncio.to_thread(self.subs.set_channel, sub.id, str(channel_id))
        return channel_id

    async def _already_posted(self, channel_id: int, record: PushRecord) -> dict[str, str]:
        """Footer marker -> message id of this push's messages among the channel's newest."""
        found: dict[str, str] = {}
        try:
            recent = await self.sender.recent_messages(channel_id)
        except DeliveryError:
            return found
        except Exception as exc:  # reading history is a best effort before a resend
            log.debug("could not read channel %s: %s", channel_id, exc)
            return found
        prefix = f"{_render.MARK} · {record.local_date.isoformat()} · "
        for message in recent:
            for embed in message.get("embeds") or []:
                text = (embed.get("footer") or {}).get("text") or ""
                if text.startswith(prefix):
                    found[text] = str(message["id"])
        return found

    def _pause_dm(self, sub: Subscription, record: PushRecord, error: str, now: datetime) -> None:
        # The ledger keeps what happened (dm_closed or channel_gone); the subscription is
        # paused as "dm_closed", the reason /daily status and the notice explain to a person.
        self.subs.fail_push(sub.id, record.local_date, error, now)
        self.subs.pause(sub.id, "dm_closed", now)
        if sub.user_id:
            self.subs.add_notice(sub.user_id, DM_CLOSED_NOTICE, now)

    def _pause(self, sub: Subscription, record: PushRecord, reason: str, now: datetime) -> None:
        self.subs.fail_push(sub.id, record.local_date, reason, now)
        self.subs.pause(sub.id, reason, now)

    async def _tell_owner(self, sub: Subscription, record: PushRecord, now: datetime) -> None:
        """A channel's daily question stopped: DM the server owner (or keep a notice)."""
        owner = self.guild_owner(sub.guild_id or "")
        if owner is None:
            log.warning("daily channel %s is gone; no owner known to tell", sub.channel_id)
            return
        text = (
            f"The daily question for channel <#{sub.channel_id}> in your server is paused: "
            "I can no longer post there (the channel was deleted or my permissions changed). "
            "A manager can pick a channel again with /daily channel."
        )
        try:
            channel_id = await self.sender.open_dm(owner)
            nonce = f"fn{sub.id}.{record.local_date:%Y%m%d}"
            await self.sender.send(
                _render.notice_message(channel_id, nonce, "Daily question paused", text)
            )
        except DeliveryError:
            await asyncio.to_thread(self.subs.add_notice, str(owner), text, now)
