"""Security headers on every response: pages, API answers, errors and static files alike.

The Content-Security-Policy allows scripts from this hub only (no inline script, no CDN), so an
injected ``<script>`` does not run; the dashboard's templates, the sign-in page and the /docs and
/redoc pages load every script from /static. Inline *styles* stay allowed: the templates and SVG
charts use style attributes, and htmx, Swagger UI and ReDoc inject ``<style>`` elements. Pages may
not be framed (clickjacking), by CSP ``frame-ancestors`` and, for older browsers, X-Frame-Options.

Pure ASGI and installed outermost, so that refusals made before routing carry the headers too.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        # Swagger UI and ReDoc draw icons and embed a font as data: URIs; ReDoc searches in a blob: worker.
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
_RAW = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _RAW:
                    if name.decode() not in headers:  # a response that sets its own keeps it
                        headers.raw.append((name, value))
            await send(message)

        await self.app(scope, receive, with_headers)


def install_security_headers(app: FastAPI) -> None:
    """Install last, so that it is the outermost middleware and sees every response."""
    app.add_middleware(SecurityHeaders)
