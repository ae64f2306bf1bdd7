"""The emulator: one aiohttp server on 127.0.0.1 (gateway, REST, control) around its state."""

from __future__ import annotations

from aiohttp import web

from . import control, control_readback, rest, rest_interactions, rest_messages
from .http_util import EMULATOR_KEY
from .state import EmulatorState


class Emulator(EmulatorState):
    """A loopback Discord API v10: gateway + REST + control, for the real discord.py client.

    Use ``async with Emulator() as emu:`` (or ``await emu.start()``/``await emu.stop()``);
    then point discord.py at ``emu.api_base`` and ``emu.gateway_url`` (see ``patch_discord``).
    The in-process API is ``EmulatorState``'s (``state.py``).
    """

    _runner: web.AppRunner | None = None

    def make_app(self) -> web.Application:
        """The aiohttp application serving everything on one port."""
        app = web.Application(middlewares=[rest.api_middleware], client_max_size=64 * 1024**2)
        app[EMULATOR_KEY] = self
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/gateway", self.gateway.handle)
        rest.add_routes(app)
        rest_messages.add_routes(app)
        rest_interactions.add_routes(app)
        control.add_routes(app)
        control_readback.add_routes(app)
        return app

    async def start(self) -> Emulator:
        """Bind 127.0.0.1 (a free port when ``port`` is 0) and start serving."""
        self._runner = web.AppRunner(self.make_app(), handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None:
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        """Close sockets and stop serving."""
        self.release_connections()  # a held handler would otherwise stall the shutdown
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
