"""NUL (U+0000, ``%00``) in a request's path or query: refused at the door with a clean 422.

No id, key or filter Overture reads from a URL can hold a NUL, and PostgreSQL refuses one in any
text it is asked to compare, which surfaced as a 500. A URL is not a message a sender asked us to
keep (bodies are: they are stored raw, and an order holding NUL is refused and quarantined by
``services.characters``), so nothing is stored for such a request.

Pure ASGI, ahead of routing, so that nothing (auth included) reads the parameter before it is refused.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from overture.services.characters import NUL
from overture.services.errors import ErrorCode, FieldError
from overture.web.errors import error_body
from overture.web.responses import Json

REASON = "holds a NUL character (%00), which no identifier or parameter can"


def nul_parameters(path: str, query_string: bytes) -> list[FieldError]:
    """A field error for the path and for each query parameter (name or value) holding NUL."""
    errors = []
    if NUL in path:
        errors.append(FieldError("path", ErrorCode.INVALID_CHARACTER, REASON))
    if b"%00" in query_string or b"\x00" in query_string:
        for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
            if NUL in name or NUL in value:
                shown = name.replace(NUL, "%00")
                errors.append(FieldError(f"query.{shown}", ErrorCode.INVALID_CHARACTER, REASON))
    return errors


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # The server hands the path percent-decoded (%00 is a NUL here) and the query as sent.
            errors = nul_parameters(scope["path"], scope.get("query_string", b""))
            if errors:
                body = error_body(ErrorCode.VALIDATION_FAILED, "the request's URL holds a NUL character", errors)
                await Json(body, status_code=422)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install_nul_guard(app: FastAPI) -> None:
    """Install before the request metrics, so that those still count the refusals."""
    app.add_middleware(RefuseNul)
