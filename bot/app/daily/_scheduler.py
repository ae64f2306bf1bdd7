"""The daily-push scheduler: one `tick(now)` finds what is due, records intents, sends.

The cog calls `tick` every `daily_tick_s` seconds with the real clock; tests call it with a
fake one. A tick:

1. claims a batch of active subscriptions whose slot has come (`bot.app.daily._claims`:
   several processes sharing one database each claim their own): the rules of
   `bot.core.daily` decide the local day (catch-up today, skip ended days), cards are
   chosen (due first, then new on the topic) and the intent is written to the ledger;
2. picks up intents an earlier run left open (a crash or a lost answer between intent and
   result, or a process that died holding them) that are still for today;
3. sends them through the paced sender, with nonces from (subscription, day, part), while
   the next batch is claimed, and records each outcome. DMs closed pause the subscription
   and leave the person a notice; a deleted channel pauses the channel's subscription and
   tells the server owner.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.app.daily import _render
from bot.app.daily._claims import LEASE, NONCE_WINDOW, Job, PushClaims, TickReport
from bot.app.daily._sender import ChannelGone, DeliveryError, DMClosed, PacedSender
from bot.core.records import PushRecord, Subscription
from bot.core.subscriptions import DailyPushes
from bot.core.tutor import Tutor
from bot.errors import FlashtutorError

__all__ = ["DM_CLOSED_NOTICE", "NONCE_WINDOW", "DailyScheduler", "Job", "TickReport"]

log = logging.getLogger(__name__)

DM_CLOSED_NOTICE = (
    "I couldn't send your daily quiz: your DMs from me are closed, so I paused it. Allow "
    "direct messages from this server's members (or from me), then run /daily on to resume."
)


class DailyScheduler:
    """Delivers daily pushes exactly once; time is always the `now` passed to `tick`."""

    def __init__(
        self,
        tutor: Callable[[], Tutor],
        subs: DailyPushes,
        sender: PacedSender,
        *,
        guild_owner: Callable[[str], int | None] = lambda guild_id: None,
        owner: str | None = None,
        lease: timedelta = LEASE,
        batch: int | None = None,
    ) -> None:
        self._tutor = tutor
        self.subs = subs
        self.sender = sender
        self.guild_owner = guild_owner
        self.claims = PushClaims(tutor, subs, owner=owner, lease=lease)
        # About two seconds of sending per claimed batch: processes sharing the database
        # take turns in small bites, and a dead one leaves little to take over.
        self.batch = batch or max(8, int(sender.bucket.rate * 2))
        self._lock = asyncio.Lock()

    @property
    def tutor(self) -> Tutor:
        """The tutor, built on first use (so loading the cog never loads the models)."""
        return self._tutor()

    async def tick(self, now: datetime) -> TickReport:
        """Claim what is due at `now` batch by batch, resend open intents, deliver, record.

        The next batch is claimed while the current one is sent, so the sender never waits
        for the database; the tick ends when nothing due is left to claim.
        """
        async with self._lock:  # two overlapping ticks would send open intents twice
            report = TickReport()
            count, jobs = await asyncio.to_thread(self.claims.claim, now, report, self.batch)
            report.claimed = len(jobs)
            claimed = {(j.sub.id, j.record.local_date) for j in jobs}
            resumed = await asyncio.to_thread(self.claims.reopen, now, claimed, report)
            report.resumed = len(resumed)
            jobs += resumed
            while jobs or count:
                ahead = (
                    asyncio.create_task(
                        asyncio.to_thread(self.claims.claim, now, report, self.batch)
                    )
                    if count
                    else None
                )
                await asyncio.gather(*(self._deliver(job, now, report) for job in jobs))
                count, jobs = await ahead if ahead is not None else (0, [])
                report.claimed += len(jobs)
            if report.claimed or report.resumed or report.skipped_days:
                log.info("daily tick %s: %s", now.isoformat(timespec="seconds"), report)
            return report

    # --- claiming (worker thread; see bot.app.daily._claims) ------------------------------

    def claim(self, now: datetime, report: TickReport | None = None) -> list[Job]:
        """Claim everything due at `now` (blocking): decide, choose cards, record intents."""
        return self.claims.claim(now, report or TickReport())[1]

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
