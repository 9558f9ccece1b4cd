"""JSON error bodies turned into readable HTML for the dashboard's htmx requests.

htmx swaps an answer's body into the page (base.html configures it to swap 4xx and 5xx too). The
API's error handlers (errors.py, auth.py's CSRF and access refusals) answer JSON, which a person
should never see raw: for a request carrying ``HX-Request: true``, this middleware rewrites such an
answer into one line of plain words, each field with its reason, keeping the status. Requests
without the header pass straight through, untouched.
"""

from __future__ import annotations

from html import escape
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A reason written by Python rather than by us (pydantic's "Value error, ..."): the prefix says nothing.
_NOISE = ("Value error, ", "Assertion failed, ")


def plain_reason(text: str) -> str:
    """A reason without the prefixes libraries put before it."""
    for prefix in _NOISE:
        text = text.replace(prefix, "")
    return text


def readable(body: Any) -> str:
    """What an error body says: each field and its reason, else the message."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "the request was refused"
    fields = error.get("fields") or []
    if fields:
        return "; ".join(f"{f.get('field')}: {plain_reason(str(f.get('reason')))}" for f in fields)
    return plain_reason(str(error.get("message") or error.get("code") or "the request was refused"))


def error_fragment(text: str) -> bytes:
    return f'<span class="error" role="alert" data-testid="error-message">{escape(text)}</span>'.encode()


class HtmxErrors:
    """Pure ASGI, so answers to other requests are not buffered or slowed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (b"hx-request", b"true") not in scope.get("headers", []):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if message["status"] >= 400 and headers.get(b"content-type", b"").startswith(b"application/json"):
                    start = message  # held until the whole body is here
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                await _send_fragment(send, start, b"".join(chunks))
                return
            await send(message)

        await self.app(scope, receive, rewrite)


async def _send_fragment(send: Send, start: Message, body: bytes) -> None:
    try:
        text = readable(orjson.loads(body))
    except orjson.JSONDecodeError:
        text = "the request was refused"
    fragment = error_fragment(text)
    kept = [(k, v) for k, v in start.get("headers", []) if k not in (b"content-type", b"content-length")]
    headers = [*kept, (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(fragment)).encode())]
    await send({"type": "http.response.start", "status": start["status"], "headers": headers})
    await send({"type": "http.response.body", "body": fragment})
