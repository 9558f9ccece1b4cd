"""Dashboard sign-in: paste a key, get a session cookie (signed, HttpOnly, SameSite=Lax, Secure on
https, limited age); sign out clears it. JSON clients use the key itself on every request instead."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from overture.services.access import authenticate
from overture.web.auth import SESSION_COOKIE, current_principal, sessions
from overture.web.deps import ContainerDep

router = APIRouter(tags=["dashboard"], include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - Overture</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/app.css"></head>
<body><main class="signin card">
<h1>Sign in to Overture</h1>{signed_in}
<form method="post" action="/signin">
<input type="hidden" name="next" value="{next}">
<label for="key">API key</label><br>
<input id="key" name="key" type="password" autocomplete="off" required style="width:100%">
{error}<p><button type="submit">Sign in</button></p></form>
<p><small>No key? An admin makes one with <code>overture keys create --role viewer</code>.</small></p>
</main></body></html>"""


def _safe_next(target: str) -> str:
    # Only a path on this site: never an open redirect to another host ("//evil", "https://...").
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _page(next_path: str, request: Request, error: str = "", status: int = 200) -> HTMLResponse:
    principal = current_principal(request)
    signed_in = f"<p>Signed in as {escape(principal.actor)}.</p>" if principal else ""
    shown = f'<p role="alert" class="error">{escape(error)}</p>' if error else ""
    html = _PAGE.format(next=escape(_safe_next(next_path)), error=shown, signed_in=signed_in)
    return HTMLResponse(html, status_code=status)


@router.get("/signin")
def signin_page(request: Request, next: str = "/") -> HTMLResponse:  # noqa: A002 - the query parameter's name
    return _page(next, request)


@router.post("/signin")
async def signin(
    request: Request,
    container: ContainerDep,
    key: Annotated[str, Form(max_length=512)],
    next: Annotated[str, Form(max_length=2000)] = "/",  # noqa: A002
) -> Response:
    principal = await run_in_threadpool(authenticate, container.uow, container.clock, key.strip())
    if principal is None:
        return _page(next, request, "That key is unknown, mistyped or revoked.", status=401)
    value, _ = await run_in_threadpool(sessions(request).issue, principal)
    response = RedirectResponse(_safe_next(next), status_code=303)
    sessions(request).set_cookie(response, request, value)
    return response


@router.post("/signout")
def signout() -> Response:
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response
