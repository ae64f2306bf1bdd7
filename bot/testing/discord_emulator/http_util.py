"""Shared HTTP plumbing: the app key, path parameters, body parsing (with the spec check)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from .answers import ApiError
from .messages import Upload

if TYPE_CHECKING:
    from .state import EmulatorState

Json = dict[str, Any]
EMULATOR_KEY: web.AppKey[EmulatorState] = web.AppKey("emulator")
API = "/api/v10"


def emulator_of(request: web.Request) -> EmulatorState:
    """The emulator serving ``request``."""
    return request.app[EMULATOR_KEY]


def snowflake_param(request: web.Request, name: str) -> int:
    """A numeric path parameter, or 404 like Discord for garbage ids."""
    raw = request.match_info[name]
    if not raw.isdigit():
        raise ApiError(404, 0, "404: Not Found")
    return int(raw)


async def read_body(request: web.Request) -> tuple[Json, list[Upload]]:
    """The JSON body, or ``payload_json`` plus ``files[n]`` from a multipart body.

    A body that breaks Discord's spec for the route raises the 400 Discord answers
    (code 50035, "Invalid Form Body", with the fields' paths).
    """
    multipart = request.content_type.startswith("multipart/")
    body, files = await _parse_body(request, multipart)
    if body is not None:
        path = request.path.removeprefix(API)
        emulator_of(request).spec_check.request(request.method, path, body, multipart=multipart)
    if body is None:
        return {}, files
    return (body if isinstance(body, dict) else {"_list": body}), files


async def _parse_body(request: web.Request, multipart: bool) -> tuple[Any, list[Upload]]:
    if multipart:
        payload: Json = {}
        files: dict[int, Upload] = {}
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            name = part.name or ""
            if name == "payload_json":
                payload = json.loads(await part.text())
            elif name.startswith("files[") and name.endswith("]"):
                index = int(name[6:-1])
                data = bytes(await part.read(decode=False))
                ctype = part.headers.get("Content-Type")
                files[index] = Upload(part.filename or f"file{index}", data, ctype)
        return payload, [files[i] for i in sorted(files)]
    if not request.can_read_body:
        return None, []
    raw = await request.read()
    if not raw.strip():
        return None, []
    try:
        return json.loads(raw), []
    except ValueError as exc:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from exc
