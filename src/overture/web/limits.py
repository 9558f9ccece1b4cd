"""Request bodies bounded at the door: a size limit per route enforced while the body streams in, and
a nesting limit on JSON bodies.

Without a bound, one 200 MB order took an API process to 1.86 GB, and an unsigned 200 MB post to a
signed webhook was read whole (to check its signature) before its 401. Here a ``Content-Length`` over
the route's limit is answered 413 before a byte is read; a body sent without one (chunked) is counted
as it arrives and refused the moment it passes the limit, so memory stays at one limit's worth.

Bulk intake (EDI, EDIFACT, AS2, CSV, POS batches, partner and address imports, SKU upserts) gets the
larger ``max_bulk_body_bytes``; everything else ``max_body_bytes``. A JSON body (``application/json``
or ``+json``) nested deeper than ``max_json_depth`` is refused 400 ``json_too_deep``: no document we
read nests past a few levels, and a deep one is a parser's stack or a validator's time spent for
nothing. Outside the intake routes (whose messages are kept raw and refused by their readers), a
JSON body holding a NUL (``\\u0000``) is refused 422 ``invalid_character``: PostgreSQL takes no NUL
in text, and SQLite would keep one that no other system can. A refused body is not stored: it was
never taken, and the sender is told so.

Pure ASGI, ahead of routing and of the auth dependency, so nothing reads a body before it is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from overture.services.errors import ErrorCode, FieldError
from overture.web.characters import REASON
from overture.web.errors import error_body
from overture.web.responses import Json

BULK_ROUTES = (
    re.compile(r"^/v1/channels/(edi|edifact|csv)$"),
    re.compile(r"^/v1/channels/pos/batches$"),
    re.compile(r"^/v1/edi/as2$"),
    re.compile(r"^/v1/partners/import$"),
    re.compile(r"^/v1/partners/[^/]+/addresses/import$"),
    re.compile(r"^/v1/skus$"),
)
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
# Inbound messages: kept raw before they are read, so a NUL in one is refused and quarantined by its
# reader (services/characters.py). Every other JSON body is a call of ours, refused here instead.
INTAKE_ROUTES = re.compile(r"^/v1/(orders$|channels/|webhooks/|edi/)")
_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")  # an escaped NUL, not an escaped backslash before "u0000"
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSE = np.frombuffer(b"]}", dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class BodyLimits:
    max_bytes: int
    max_bulk_bytes: int
    max_json_depth: int
    bulk_routes: Sequence[re.Pattern[str]] = BULK_ROUTES

    def limit_for(self, path: str) -> int:
        return self.max_bulk_bytes if any(route.match(path) for route in self.bulk_routes) else self.max_bytes


def json_depth(body: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (0 for a scalar); strings' brackets are not counted.
    Bytes, not a parse: a malformed body gets its depth too, and the parser its own error later."""
    stripped = _STRING.sub(b'""', body)
    data = np.frombuffer(stripped, dtype=np.uint8)
    steps = np.isin(data, _OPEN).astype(np.int32) - np.isin(data, _CLOSE).astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


class _TooLarge(Exception):
    pass


class LimitBodies:
    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(limit)(scope, receive, send)
            return
        if _is_json(scope):
            await self._json(scope, receive, send, limit)
            return
        await self._streamed(scope, receive, send, limit)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        seen, started = 0, False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if started:  # the app answered before it read the rest: nothing left to say
                raise
            await _too_large(limit)(scope, receive, send)

    async def _json(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        # The whole body is read here (bounded by the limit) to measure its depth before any parser does.
        chunks: list[bytes] = []
        seen, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                await _too_large(limit)(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        depth = json_depth(body)
        if depth > self.limits.max_json_depth:
            reason = f"nests {depth} levels deep; at most {self.limits.max_json_depth} are read"
            await Json(error_body("json_too_deep", f"the JSON body {reason}"), status_code=400)(scope, receive, send)
            return
        if not INTAKE_ROUTES.match(scope["path"]) and _NUL.search(body):
            error = FieldError("body", ErrorCode.INVALID_CHARACTER, REASON)
            refusal = error_body(ErrorCode.VALIDATION_FAILED, "the request's body holds a NUL character", [error])
            await Json(refusal, status_code=422)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: the client's disconnect, when it comes

    return again


def _content_length(scope: Scope) -> int | None:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _is_json(scope: Scope) -> bool:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or kind.endswith(b"+json")
    return False


def _too_large(limit: int) -> Json:
    message = f"the request body is larger than this route takes ({limit:,} bytes); nothing was kept"
    return Json(error_body("body_too_large", message, limit_bytes=limit), status_code=413)


def install_body_limits(app: FastAPI, limits: BodyLimits) -> None:
    """Install after the NUL guard, so that it runs before it, and before the throttle and the metrics."""
    app.add_middleware(LimitBodies, limits=limits)
