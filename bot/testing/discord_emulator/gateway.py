"""The gateway: HELLO, IDENTIFY/READY, heartbeats, RESUME with replay, and forced faults.

Frames are plain JSON text: discord.py asks for zlib in the URL query, but its
``received_message`` decodes text frames as JSON without decompressing them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from .ids import new_token
from .spec_check import SpecCheck
from .world import World

Json = dict[str, Any]
_log = logging.getLogger(__name__)


class GatewayHost(Protocol):
    """What the gateway needs of the emulator around it."""

    world: World
    application_id: int
    t0: float
    spec_check: SpecCheck
    privileged_intents_allowed: bool

    @property
    def gateway_url(self) -> str:
        """Where a client resumes."""
        ...

    def token_ok(self, token: str) -> bool:
        """Whether ``token`` is accepted."""
        ...

    def bot_self_json(self) -> Json:
        """The bot's own user object."""
        ...

    def notify(self) -> None:
        """Wake the waiters: something was recorded."""
        ...


class Intent:
    """Gateway intent bits the emulator honours."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15
    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


@dataclass
class Connection:
    """One websocket connection from the bot."""

    ws: web.WebSocketResponse
    request: web.Request
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: Session | None = None

    async def send(self, frame: Json) -> None:
        """Send one JSON frame; a closed socket is ignored (the frame stays buffered)."""
        async with self.lock:
            if self.ws.closed:
                return
            try:
                await self.ws.send_str(json.dumps(frame))
            except (ConnectionError, RuntimeError):
                _log.debug("send on a closing gateway socket dropped")


@dataclass
class Session:
    """A gateway session: survives reconnects until invalidated."""

    id: str
    intents: int
    shard: tuple[int, int]
    seq: int = 0
    frames: list[Json] = field(default_factory=list)
    conn: Connection | None = None
    resumable: bool = True

    def wants(self, guild_id: int | None) -> bool:
        """Whether an event for ``guild_id`` (None = DM) belongs to this session's shard."""
        shard_id, count = self.shard
        key = 0 if guild_id is None else (guild_id >> 22) % count
        return key == shard_id


class Gateway:
    """Serves the gateway websocket and routes dispatches to the live sessions."""

    def __init__(self, emulator: GatewayHost, heartbeat_interval_ms: int) -> None:
        self.emu = emulator
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.ack_heartbeats = True
        self.sessions: dict[str, Session] = {}
        self.current: dict[tuple[int, int], Session] = {}
        self.connections: list[Connection] = []
        self.events: list[Json] = []
        # Cleared to keep reconnecting clients waiting for HELLO, so a test can dispatch
        # events while the bot is away and check that RESUME replays them.
        self.accepting = asyncio.Event()
        self.accepting.set()

    # bookkeeping ----------------------------------------------------------------------

    def _note(self, kind: str, **extra: Any) -> None:
        self.events.append({"t": time.monotonic() - self.emu.t0, "kind": kind, **extra})
        self.emu.notify()

    def count(self, kind: str) -> int:
        """How many gateway events of ``kind`` happened (identify, resume, resumed, ...)."""
        return sum(1 for e in self.events if e["kind"] == kind)

    def live_sessions(self) -> list[Session]:
        """The newest session per shard that is still valid."""
        return [s for s in self.current.values() if s.resumable]

    def intents(self) -> int | None:
        """Intents of the newest session, or None before the first IDENTIFY."""
        sessions = self.live_sessions()
        return sessions[-1].intents if sessions else None

    # websocket handler ----------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one websocket connection until it closes."""
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        conn = Connection(ws=ws, request=request)
        self.connections.append(conn)
        await self.accepting.wait()
        self._note("hello", query=dict(request.query))
        await conn.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    await self._on_frame(conn, json.loads(msg.data))
                except Exception as exc:
                    # Keep the socket: an emulator bug must not look like a gateway outage.
                    _log.exception("gateway frame handling failed")
                    self._note("error", error=repr(exc))
        finally:
            self.connections.remove(conn)
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            self._note("closed", code=ws.close_code)
        return ws

    async def _on_frame(self, conn: Connection, frame: Json) -> None:
        op = frame.get("op")
        data = frame.get("d")
        if op == 1:
            if self.ack_heartbeats:
                await conn.send({"op": 11})
            self._note("heartbeat", seq=data)
        elif op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})
        elif op == 8:
            await self._request_members(conn, data or {})
        elif op == 3:
            self._note("presence", data=data)
        else:
            self._note("unknown_op", op=op)

    async def _identify(self, conn: Connection, data: Json) -> None:
        if not self.emu.token_ok(str(data.get("token", ""))):
            self._note("identify_refused")
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & Intent.PRIVILEGED and not self.emu.privileged_intents_allowed:
            # What Discord does when the application has not enabled the intent.
            self._note("identify_refused", intents=intents)
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = tuple(data.get("shard") or (0, 1))
        session = Session(id=new_token("s"), intents=intents, shard=(shard[0], shard[1]))
        old = self.current.get(session.shard)
        if old is not None:
            old.resumable = False
        self.sessions[session.id] = session
        self.current[session.shard] = session
        session.conn = conn
        conn.session = session
        self._note("identify", session_id=session.id, intents=session.intents, shard=shard)
        guilds = [
            g for g in self.emu.world.guilds.values() if session.wants(g.id) and not g.bot_removed
        ]
        ready: Json = {
            "v": 10,
            "user": self.emu.bot_self_json(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.emu.gateway_url,
            "application": {"id": str(self.emu.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "geo_ordered_rtc_regions": [],
        }
        if data.get("shard"):
            ready["shard"] = list(shard)
        await self._dispatch_to(session, "READY", ready)
        for guild in guilds:
            await self._dispatch_to(
                session, "GUILD_CREATE", self.emu.world.guild_create_json(guild)
            )

    async def _resume(self, conn: Connection, data: Json) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        token_ok = self.emu.token_ok(str(data.get("token", "")))
        if session is None or not session.resumable or not token_ok:
            self._note("resume_refused", session_id=data.get("session_id"))
            await conn.send({"op": 9, "d": False})
            return
        if session.conn is not None and session.conn is not conn:
            await session.conn.ws.close(code=4000)
        session.conn = conn
        conn.session = session
        last = int(data.get("seq") or 0)
        missed = [f for f in session.frames if f["s"] > last]
        self._note("resume", session_id=session.id, seq=last, replayed=len(missed))
        for frame in missed:
            await conn.send(frame)
        await self._dispatch_to(session, "RESUMED", {})
        self._note("resumed", session_id=session.id)

    async def _request_members(self, conn: Connection, data: Json) -> None:
        world = self.emu.world
        guild = world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None or conn.session is None:
            return
        chunk = {
            "guild_id": str(guild.id),
            "members": [world.member_json(guild, uid) for uid in guild.members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._dispatch_to(conn.session, "GUILD_MEMBERS_CHUNK", chunk)

    # dispatching ----------------------------------------------------------------------

    async def _dispatch_to(self, session: Session, event: str, data: Json) -> None:
        self.emu.spec_check.dispatch(event, data)
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.frames.append(frame)
        if session.conn is not None:
            await session.conn.send(frame)
        self.emu.notify()

    async def dispatch(
        self,
        event: str,
        data: Json | Callable[[Session], Json | None],
        *,
        guild_id: int | None,
        intent: int = 0,
    ) -> int:
        """Send ``event`` to every live session on the right shard that has ``intent``.

        ``data`` may be a function of the session (to strip content the session may not see);
        returning None skips that session. Returns how many sessions received it.
        """
        sent = 0
        for session in self.live_sessions():
            if not session.wants(guild_id) or (intent and not session.intents & intent):
                continue
            payload = data(session) if callable(data) else data
            if payload is None:
                continue
            await self._dispatch_to(session, event, payload)
            sent += 1
        return sent

    # forced faults --------------------------------------------------------------------

    def _live_conns(self) -> list[Connection]:
        return [s.conn for s in self.live_sessions() if s.conn is not None]

    async def drop(self) -> int:
        """Cut every bot connection without a close frame (like a network failure)."""
        conns = self._live_conns()
        for conn in conns:
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
        self._note("drop", connections=len(conns))
        return len(conns)

    async def close_with(self, code: int) -> int:
        """Close every bot connection with a close frame carrying ``code`` (e.g. 4000)."""
        conns = self._live_conns()
        for conn in conns:
            await conn.ws.close(code=code, message=b"closed by the emulator")
        self._note("close_sent", code=code, connections=len(conns))
        return len(conns)

    async def request_reconnect(self) -> int:
        """Send op 7 RECONNECT to every bot connection."""
        conns = self._live_conns()
        for conn in conns:
            await conn.send({"op": 7, "d": None})
        self._note("reconnect_sent", connections=len(conns))
        return len(conns)

    async def invalidate_session(self, resumable: bool) -> int:
        """Send op 9 INVALID_SESSION; when not resumable the session is forgotten."""
        sessions = self.live_sessions()
        for session in sessions:
            conn = session.conn
            if not resumable:
                session.resumable = False
            if conn is not None:
                await conn.send({"op": 9, "d": resumable})
        self._note("invalid_session_sent", resumable=resumable, sessions=len(sessions))
        return len(sessions)

    async def close_all(self) -> None:
        """Close every socket (used when the emulator stops)."""
        for conn in list(self.connections):
            await conn.ws.close(code=1001)
