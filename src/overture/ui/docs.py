"""The API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), served from this package.

FastAPI's own pages load Swagger UI and ReDoc from a CDN (blank without internet) and start them with
an inline script, which the Content-Security-Policy (web/headers.py) forbids. These pages load the
files ``make install`` fetched from the npm registry into ``static/vendor/`` (Makefile: swagger-ui-dist,
redoc) and start them from ``static/docs-init.js``. Without those files the page says how to get them.
Both pages are public, as /openapi.json is (web/auth.py); "Try it out" sends the key given to Swagger
UI's Authorize button as ``Authorization: Bearer``.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse

STATIC = Path(__file__).resolve().parent / "static"
SWAGGER_FILES = ("vendor/swagger-ui-bundle.js", "vendor/swagger-ui.css")
REDOC_FILES = ("vendor/redoc.standalone.js",)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">{head}</head>
<body>{body}</body></html>"""

_MISSING = """<main data-testid="missing-docs">
<h1>The API documentation's files are not installed</h1>
<p><code>src/overture/ui/static/{file}</code> is missing. It comes from the npm registry ({package}) and is
installed by <code>make install</code> (which needs <code>npm</code>). Run it, then reload this page.</p>
<p>The schema itself is at <a href="/openapi.json">/openapi.json</a>.</p>
</main>"""

router = APIRouter(include_in_schema=False)


def _missing(files: tuple[str, ...]) -> str | None:
    return next((name for name in files if not (STATIC / name).is_file()), None)


def _page(title: str, head: str, body: str, *, files: tuple[str, ...], package: str) -> HTMLResponse:
    missing = _missing(files)
    if missing is not None:
        body = _MISSING.format(file=escape(missing), package=package)
        return HTMLResponse(_PAGE.format(title=escape(title), head="", body=body), status_code=503)
    return HTMLResponse(_PAGE.format(title=escape(title), head=head, body=body))


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    head = '<link rel="stylesheet" href="/static/vendor/swagger-ui.css">'
    body = (
        '<div id="swagger-ui" data-openapi="/openapi.json"></div>'
        '<script src="/static/vendor/swagger-ui-bundle.js"></script><script src="/static/docs-init.js"></script>'
    )
    return _page("Overture API - Swagger UI", head, body, files=SWAGGER_FILES, package="swagger-ui-dist")


@router.get("/redoc")
def redoc() -> HTMLResponse:
    body = (
        '<div id="redoc" data-openapi="/openapi.json"></div>'
        '<script src="/static/vendor/redoc.standalone.js"></script><script src="/static/docs-init.js"></script>'
    )
    return _page("Overture API - ReDoc", "", body, files=REDOC_FILES, package="redoc")


def install_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc (create the app with ``docs_url=None, redoc_url=None``)."""
    app.include_router(router)
