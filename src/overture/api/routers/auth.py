"""Dashboard sign-in: paste a key, get a session (a random id in an HttpOnly, SameSite=Lax cookie, Secure
on https; the server keeps its hash, key and expiry: services/sessions.py). The form carries a
pre-session token, so another site cannot sign a browser in (web/sessions.py). Signing out ends the
session on the server, not only in the browser. JSON clients use the key itself on every request.
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from overture.services.access import authenticate
from overture.web.auth import current_principal, sessions
from overture.web.deps import ContainerDep
from overture.web.errors import error_body
from overture.web.responses import Json
from overture.web.sessions import (
    SESSION_COOKIE,
    SIGNIN_FIELD,
    clear_signin_cookie,
    cross_site_refusal,
    set_signin_cookie,
    signin_refusal,
    signin_token,
)

router = APIRouter(tags=["dashboard"], include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - Overture</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/app.css"></head>
<body><main class="signin card">
<h1>Sign in to Overture</h1>{signed_in}
<form method="post" action="/signin">
<input type="hidden" name="next" value="{next}">
<input type="hidden" name="signin_token" value="{token}">
<label for="key">API key</label><br>
<input id="key" name="key" type="password" autocomplete="off" required style="width:100%">
{error}<p><button type="submit">Sign in</button></p></form>
<p><small>No key? An admin makes one with <code>overture keys create --role viewer</code>.</small></p>
</main></body></html>"""


def _safe_next(target: str) -> str:
    # Only a path on this site: never an open redirect to another host ("//evil", "https://...").
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _page(next_path: str, request: Request, error: str = "", status: int = 200) -> HTMLResponse:
    """The form, with this browser's pre-session token in it and in its cookie (kept if it has one)."""
    principal = current_principal(request)
    signed_in = f"<p>Signed in as {escape(principal.actor)}.</p>" if principal else ""
    shown = f'<p role="alert" class="error">{escape(error)}</p>' if error else ""
    token = signin_token(request)
    html = _PAGE.format(next=escape(_safe_next(next_path)), error=shown, signed_in=signed_in, token=token)
    response = HTMLResponse(html, status_code=status)
    set_signin_cookie(response, request, token)
    return response


@router.get("/signin")
def signin_page(request: Request, next: str = "/") -> HTMLResponse:  # noqa: A002 - the query parameter's name
    return _page(next, request)


@router.post("/signin")
async def signin(
    request: Request,
    container: ContainerDep,
    key: Annotated[str, Form(max_length=512)],
    next: Annotated[str, Form(max_length=2000)] = "/",  # noqa: A002
    signin_token: Annotated[str | None, Form(alias=SIGNIN_FIELD, max_length=100)] = None,
) -> Response:
    refused = signin_refusal(request, signin_token, public_url=container.settings.public_url)
    if refused is not None:  # checked before the key: a forged form learns nothing about it
        return _page(next, request, refused, status=403)
    principal = await run_in_threadpool(authenticate, container.uow, container.clock, key.strip())
    if principal is None:
        return _page(next, request, "That key is unknown, mistyped or revoked.", status=401)
    store = sessions(request)
    earlier = request.cookies.get(SESSION_COOKIE)
    if earlier:  # a new id on every sign-in, and the one it replaces ends (no session fixation)
        await run_in_threadpool(store.close, earlier)
    opened = await run_in_threadpool(store.open, principal)
    response = RedirectResponse(_safe_next(next), status_code=303)
    store.set_cookie(response, request, opened.session_id)
    clear_signin_cookie(response, request)
    return response


@router.post("/signout")
async def signout(request: Request, container: ContainerDep) -> Response:
    refused = cross_site_refusal(request, public_url=container.settings.public_url)
    if refused is not None:  # another site may not sign a browser out either
        return Json(error_body("csrf_failed", refused), status_code=403)
    store = sessions(request)
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        await run_in_threadpool(store.close, session_id)
    response = RedirectResponse("/signin", status_code=303)
    store.clear_cookie(response, request)
    return response
