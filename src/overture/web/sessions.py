"""The dashboard's cookies: the session (a random id whose row services/sessions keeps) and the sign-in
form's pre-session token, with the checks that keep another site from signing a browser in.

Login CSRF: without a check, another site could post its own key to /signin from a victim's browser,
which would then act (and record what it does) as the attacker. GET /signin therefore sets a random
token in a short-lived SameSite=Strict cookie and puts the same value in the form (a double-submit
token: another site can neither read the cookie nor have the browser send it cross-site); POST /signin
refuses a form whose field is missing or differs. ``Origin`` and ``Sec-Fetch-Site``, when the browser
sends them, must say the form came from this hub.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from fastapi import Request
from starlette.responses import Response

from overture.bootstrap import Container
from overture.domain.access import Principal
from overture.services.access import KeyCache
from overture.services.sessions import OpenedSession, SignedIn, close_session, open_session, signed_in

SESSION_COOKIE = "overture_session"
SIGNIN_COOKIE = "overture_signin"
SIGNIN_FIELD = "signin_token"
SIGNIN_PATH = "/signin"
# Long enough to find and paste a key; a stale form is refused with a fresh token to try again with.
SIGNIN_TOKEN_MAX_AGE_S = 3600
_TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


class Sessions:
    """Opens, reads and closes dashboard sessions for the app (kept on ``app.state.sessions``)."""

    def __init__(self, container: Container, key_cache: KeyCache) -> None:
        self._container = container
        self._key_cache = key_cache

    @property
    def max_age_s(self) -> int:
        return self._container.settings.session_max_age_s

    def open(self, principal: Principal) -> OpenedSession:
        c = self._container
        return open_session(c.uow, c.clock, principal, max_age=timedelta(seconds=self.max_age_s))

    def read(self, session_id: str) -> SignedIn | None:
        return signed_in(self._container.uow, self._container.clock, session_id, cache=self._key_cache)

    def close(self, session_id: str) -> None:
        close_session(self._container.uow, self._container.clock, session_id)

    def set_cookie(self, response: Response, request: Request, session_id: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            session_id,
            max_age=self.max_age_s,
            httponly=True,
            samesite="lax",
            secure=_https(request),
        )

    @staticmethod
    def clear_cookie(response: Response, request: Request) -> None:
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=_https(request))


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def signin_token(request: Request) -> str:
    """The pre-session token of this browser's sign-in form: its cookie's, or a new one."""
    held = request.cookies.get(SIGNIN_COOKIE, "")
    return held if len(held) == _TOKEN_LENGTH else secrets.token_urlsafe(32)


def set_signin_cookie(response: Response, request: Request, token: str) -> None:
    # Strict: the browser sends it only with requests from this site's own pages; path: only to /signin.
    response.set_cookie(
        SIGNIN_COOKIE,
        token,
        max_age=SIGNIN_TOKEN_MAX_AGE_S,
        path=SIGNIN_PATH,
        httponly=True,
        samesite="strict",
        secure=_https(request),
    )


def clear_signin_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SIGNIN_COOKIE, path=SIGNIN_PATH, httponly=True, samesite="strict", secure=_https(request))


def signin_refusal(request: Request, sent: str | None, *, public_url: str | None) -> str | None:
    """Why this sign-in form is refused, in plain words; None when it came from this hub's own page."""
    cross = cross_site_refusal(request, public_url=public_url)
    if cross is not None:
        return cross
    held = request.cookies.get(SIGNIN_COOKIE)
    if not sent or not held:
        return "this sign-in form is stale or not from this hub (its token is missing); sign in again from this page"
    if not secrets.compare_digest(sent, held):
        return "this sign-in form is stale or not from this hub (its token does not match); sign in again"
    return None


def cross_site_refusal(request: Request, *, public_url: str | None) -> str | None:
    """Why a form post is refused as sent from another site; None when nothing says it was.

    Browsers send ``Sec-Fetch-Site`` and ``Origin`` with form posts; clients that send neither (curl,
    tests) are judged by the token alone."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return f"this form was sent from another site (Sec-Fetch-Site: {fetch_site}); sign in from this hub's page"
    origin = request.headers.get("origin")
    if origin is None:
        return None
    # The host, not the scheme: behind a proxy ending TLS the hub sees http while the browser says https.
    ours = {request.url.netloc.lower()}
    if public_url:
        ours.add(urlsplit(public_url).netloc.lower())
    if urlsplit(origin).netloc.lower() not in ours:
        return f"this form was sent from {origin}, not from this hub; sign in from this hub's page"
    return None
