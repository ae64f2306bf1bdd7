"""Every body the bot sends and every body the emulator answers, checked against Discord's spec.

- A request body that breaks the spec's request schema for its route is refused as Discord
  refuses it: 400, code 50035 "Invalid Form Body", with the offending fields' paths
  (``form_errors``). Integer snowflakes pass, as on Discord (``openapi.REQUEST_ERRATA``).
- A JSON response (REST, the interaction callback, errors and 429s) or a gateway payload that
  breaks the spec's schema is the emulator's own bug: it is recorded (``violations``) and
  counted in ``stats()["emulator_errors"]``, and the answer goes out unchanged so the test
  that exposed it can still say what it saw.

Answers and dispatches are checked later, when the findings are read (``violations``,
``checked``, ``stats()``), from a copy of the JSON as sent: the check never stands between
what the emulator does and the bot hearing of it, so it changes no timing a test observes.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .form_errors import flatten, from_schema, invalid_form_body
from .openapi import Spec, spec

Json = dict[str, Any]

# Gateway dispatch -> where the spec's object schemas apply inside its payload. A path is
# dotted keys; "[]" walks a list, "{}" a mapping's values; "" is the payload itself.
# "Channel" is any channel (the union GET /channels/{id} answers with).
GATEWAY_SCHEMAS: dict[str, list[tuple[str, str]]] = {
    "READY": [("user", "UserResponse")],
    "GUILD_CREATE": [
        ("", "GuildResponse"),
        ("channels[]", "Channel"),
        ("threads[]", "Channel"),
        ("members[]", "GuildMemberResponse"),
    ],
    "CHANNEL_CREATE": [("", "Channel")],
    "CHANNEL_UPDATE": [("", "Channel")],
    "CHANNEL_DELETE": [("", "Channel")],
    "THREAD_CREATE": [("", "Channel")],
    "THREAD_UPDATE": [("", "Channel")],
    "GUILD_ROLE_CREATE": [("role", "GuildRoleResponse")],
    "GUILD_ROLE_UPDATE": [("role", "GuildRoleResponse")],
    "GUILD_MEMBER_ADD": [("", "GuildMemberResponse")],
    "GUILD_MEMBERS_CHUNK": [("members[]", "GuildMemberResponse")],
    "MESSAGE_CREATE": [("", "MessageResponse")],
    "MESSAGE_UPDATE": [("", "MessageResponse")],
    "INTERACTION_CREATE": [
        ("user", "UserResponse"),
        ("member", "GuildMemberResponse"),
        ("channel", "Channel"),
        ("message", "MessageResponse"),
        ("data.resolved.users{}", "UserResponse"),
        ("data.resolved.roles{}", "GuildRoleResponse"),
        ("data.resolved.channels{}", "Channel"),
        ("data.resolved.attachments{}", "AttachmentResponse"),
    ],
}


@dataclass
class SpecViolation:
    """One body that breaks Discord's spec."""

    t: float
    kind: str  # "request" (the bot's), "response" or "gateway" (the emulator's)
    where: str  # "POST /channels/{channel_id}/messages", "200 GET /users/@me", "READY user"
    errors: dict[str, str]  # field path -> what is wrong ("" is the body itself)

    def to_json(self, t0: float) -> Json:
        """Serialise for the control API."""
        return {"t": self.t - t0, "kind": self.kind, "where": self.where, "errors": self.errors}


@dataclass
class SpecCheck:
    """The emulator's spec checks and what they found."""

    enabled: bool = True
    _found: list[SpecViolation] = field(default_factory=list)
    _checked: dict[str, int] = field(
        default_factory=lambda: {"request": 0, "response": 0, "gateway": 0}
    )
    _pending: deque[Callable[[], None]] = field(default_factory=deque)
    _spec: Spec | None = None

    @property
    def spec(self) -> Spec:
        """The loaded spec (loaded on first use, once per process)."""
        if self._spec is None:
            self._spec = spec()
        return self._spec

    @property
    def violations(self) -> list[SpecViolation]:
        """Every body that broke the spec so far (the pending checks are run first)."""
        self.flush()
        return self._found

    @property
    def checked(self) -> dict[str, int]:
        """How many bodies were checked, by kind: request, response, gateway."""
        self.flush()
        return self._checked

    @property
    def pending(self) -> int:
        """How many answers and dispatches wait to be checked."""
        return len(self._pending)

    def count(self, kind: str) -> int:
        """How many violations of ``kind`` were found."""
        return sum(1 for v in self.violations if v.kind == kind)

    def flush(self) -> None:
        """Run the checks of answers and dispatches still waiting."""
        while self._pending:
            self._pending.popleft()()

    def _record(self, kind: str, where: str, errors: dict[str, str]) -> None:
        self._found.append(SpecViolation(time.monotonic(), kind, where, errors))

    # requests --------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any, *, multipart: bool) -> None:
        """Raise the 400 "Invalid Form Body" Discord gives when ``body`` breaks the spec."""
        if not self.enabled:
            return
        template = self.spec.operation(method, path)
        if template is None:
            return
        validator = self.spec.request_validator(method, template, multipart)
        if validator is None:
            return
        self._checked["request"] += 1
        errors = list(validator.iter_errors(body))
        if not errors:
            return
        nested = from_schema(self.spec.requests, errors)
        self._record("request", f"{method} {template}", flatten(nested))
        raise invalid_form_body(nested)

    # responses -------------------------------------------------------------------------

    def response(self, method: str, path: str, status: int, body: bytes | None) -> None:
        """Check a JSON answer (``body`` as sent) against the spec's schema for its status."""
        if self.enabled and status < 500:
            # The spec documents no server errors: a 5xx here is an injected outage.
            self._pending.append(lambda: self._response(method, path, status, body))

    def _response(self, method: str, path: str, status: int, raw: bytes | None) -> None:
        template = self.spec.operation(method, path)
        if template is None:
            return
        where = f"{status} {method} {template}"
        key = self.spec.response_key(method, template, status)
        if key is None:
            self._record("response", where, {"": f"the spec lists no {status} answer here"})
            return
        validator = self.spec.response_validator(method, template, key)
        self._checked["response"] += 1
        if validator is None:
            if raw:
                self._record("response", where, {"": "the spec defines no body for it"})
            return
        errors = list(validator.iter_errors(json.loads(raw) if raw else None))
        if errors:
            self._record("response", where, flatten(from_schema(self.spec.responses, errors)))

    # gateway ---------------------------------------------------------------------------

    def dispatch(self, event: str, data: Any) -> None:
        """Check a dispatch's objects against the spec's object schemas (a copy of ``data``)."""
        if self.enabled and event in GATEWAY_SCHEMAS:
            text = json.dumps(data)
            self._pending.append(lambda: self._dispatch(event, json.loads(text)))

    def _dispatch(self, event: str, data: Any) -> None:
        for selector, name in GATEWAY_SCHEMAS[event]:
            for where, value in _select(data, selector):
                self._checked["gateway"] += 1
                validator = self._object(name, value)
                errors = list(validator.iter_errors(value))
                if errors:
                    found = flatten(from_schema(self.spec.responses, errors))
                    self._record("gateway", f"{event} {where or '(payload)'}", found)

    def _object(self, name: str, value: Any) -> Any:
        if name == "Channel":
            kind = value.get("type") if isinstance(value, dict) else None
            name = _CHANNEL_SCHEMAS.get(kind, "GuildChannelResponse")
        return self.spec.object_validator(name)


_CHANNEL_SCHEMAS: dict[Any, str] = {
    0: "GuildChannelResponse",
    1: "PrivateChannelResponse",
    3: "PrivateGroupChannelResponse",
    10: "ThreadResponse",
    11: "ThreadResponse",
    12: "ThreadResponse",
}


def _select(data: Any, selector: str) -> Iterator[tuple[str, Any]]:
    """The values at ``selector`` in ``data`` (missing keys select nothing)."""
    items: list[tuple[str, Any]] = [("", data)]
    for step in [s for s in selector.split(".") if s]:
        name, walk = step, None
        if step.endswith(("[]", "{}")):
            name, walk = step[:-2], step[-2:]
        nxt: list[tuple[str, Any]] = []
        for where, value in items:
            if not isinstance(value, dict) or value.get(name) is None:
                continue
            inner, here = value[name], f"{where}.{name}" if where else name
            nxt += list(_walk(here, inner, walk))
        items = nxt
    return iter(items)


def _walk(where: str, value: Any, walk: str | None) -> Iterator[tuple[str, Any]]:
    if walk == "[]" and isinstance(value, list):
        yield from ((f"{where}.{i}", v) for i, v in enumerate(value))
    elif walk == "{}" and isinstance(value, dict):
        yield from ((f"{where}.{k}", v) for k, v in value.items())
    elif walk is None:
        yield where, value
