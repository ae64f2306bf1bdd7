"""Discord-style JSON answers: ``json_response`` and ``ApiError``, Discord's
``{"message", "code"}`` error."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

Json = dict[str, Any]


class ApiError(Exception):
    """A Discord JSON error: ``{"message": ..., "code": ...}`` with an HTTP status."""

    def __init__(self, status: int, code: int, message: str, errors: Json | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def response(self) -> web.Response:
        """The error as an HTTP response."""
        body: Json = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return json_response(body, status=self.status)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response with exactly ``application/json`` (discord.py compares it verbatim)."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )
