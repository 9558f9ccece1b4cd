"""Who may call what: the policy table of every route, and the one app-wide dependency enforcing it.

A caller presents an API key (``Authorization: Bearer ovt_...`` or ``X-API-Key``) or the dashboard's
session cookie. Each route needs one of:

- ``PUBLIC``: anyone (health, the sign-in page, /docs and /redoc; /openapi.json and static files are
  not routes of ours and are public too);
- a role: ``viewer`` < ``operator`` < ``admin``;
- ``channel``: a channel key for the channel the request is for (the order body's channel, the
  webhook's platform, the CSV partner...), or an operator or admin;
- ``signed``: the storefront webhooks, which Shopify and WooCommerce authenticate with an HMAC
  signature (checked by the router, 401 when wrong) since they cannot send a key; a key, if one is
  sent anyway, must be for that platform;
- ``seller``: a seller key, for its own routes (``/v1/seller/...``) and its own dashboard page (``/seller``
  and its forms), the seller always the key's. A seller key is refused everywhere else; its session
  asking for another dashboard page is sent to ``/seller`` (where signing in lands it).

A route missing from the table gets the default: GET/HEAD need ``viewer``; any other method needs
``admin`` under /v1 and ``operator`` elsewhere (dashboard form actions). Missing or bad key: 401
with WWW-Authenticate (dashboard pages redirect to /signin instead); wrong role: 403 naming the role
needed. Both are decided before the endpoint runs, so neither changes anything.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from overture.bootstrap import Container
from overture.domain.access import Principal, Role
from overture.services.access import KeyCache, authenticate, cached_principal
from overture.web.errors import error_body
from overture.web.responses import Json
from overture.web.sessions import SESSION_COOKIE, Sessions

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Who acts when auth is off (local experiments and tests not about access): recorded as the actor.
LOCAL = Principal("local", "local", Role.ADMIN)
REALM = 'Bearer realm="overture"'


@dataclass(frozen=True, slots=True)
class Need:
    """What a route needs: a role, or a channel decided from the request by ``channel_of``."""

    kind: str  # "public" | "role" | "channel" | "signed" | "seller"
    role: Role | None = None
    channel_of: Callable[[Request], Any] | None = None

    def describe(self) -> str:
        if self.kind == "role" and self.role is not None:
            return self.role.value
        return self.kind


async def _order_channel(request: Request) -> str | None:
    # The body is read (and cached by Starlette for the endpoint) to learn which channel it is for;
    # one that is not JSON has no channel and goes to quarantine only for operators and above.
    try:
        document = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return None
    channel = document.get("channel") if isinstance(document, dict) else None
    return channel if isinstance(channel, str) else None


def _fixed(channel: str) -> Callable[[Request], Any]:
    async def of(_: Request) -> str:
        return channel

    return of


async def _csv_partner(request: Request) -> str | None:
    return request.query_params.get("partner")


PUBLIC = Need("public")
VIEWER = Need("role", Role.VIEWER)
OPERATOR = Need("role", Role.OPERATOR)
ADMIN = Need("role", Role.ADMIN)
SELLER = Need("seller")  # a seller key, for its own offers, orders, statements and incidents

# Every route whose need is not the default, by (method, path template).
POLICY: dict[tuple[str, str], Need] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,  # probes carry no key; it names its checks, nothing of the data
    ("GET", "/docs"): PUBLIC,  # the API's documentation pages (ui/docs.py), as public as /openapi.json
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/signin"): PUBLIC,
    ("POST", "/signin"): PUBLIC,
    ("POST", "/signout"): PUBLIC,
    # Channel intake: a channel key for its own channel, or operator+.
    ("POST", "/v1/orders"): Need("channel", channel_of=_order_channel),
    ("POST", "/v1/channels/edi"): Need("channel", channel_of=_fixed("edi")),
    ("POST", "/v1/channels/edifact"): Need("channel", channel_of=_fixed("edifact")),
    ("POST", "/v1/channels/csv"): Need("channel", channel_of=_csv_partner),
    ("POST", "/v1/channels/pos/batches"): Need("channel", channel_of=_fixed("pos")),
    ("POST", "/v1/webhooks/wms/shipments"): Need("channel", channel_of=_fixed("wms")),
    ("POST", "/v1/channels/shopify/webhooks"): Need("signed", channel_of=_fixed("shopify")),
    ("POST", "/v1/channels/woocommerce/webhooks"): Need("signed", channel_of=_fixed("woocommerce")),
    ("POST", "/v1/webhooks/payments"): Need("signed", channel_of=_fixed("stripe")),  # Stripe-Signature
    ("POST", "/v1/channels/loop/webhooks"): Need("signed", channel_of=_fixed("loop")),  # X-Loop-Signature
    ("POST", "/v1/webhooks/carrier"): Need("signed", channel_of=_fixed("easypost")),  # X-Hmac-Signature
    ("POST", "/v1/edi/as2"): Need("signed", channel_of=_fixed("as2")),  # AS2: the partner's S/MIME signature
    # Operator: exception actions, cancellations, stock movements, documents to partners.
    ("POST", "/v1/exceptions/{exception_id}/resolve"): OPERATOR,
    ("POST", "/v1/orders/{order_id}/cancel"): OPERATOR,
    ("POST", "/v1/orders/{order_id}/cancel-lines"): OPERATOR,
    ("POST", "/v1/orders/{order_id}/edits"): OPERATOR,
    ("POST", "/v1/orders/{order_id}/refunds"): OPERATOR,
    ("POST", "/v1/orders/{order_id}/returns"): OPERATOR,
    ("POST", "/v1/returns/{return_id}/review"): OPERATOR,
    ("POST", "/v1/returns/{return_id}/receipt"): OPERATOR,
    ("POST", "/v1/returns/{return_id}/lines/{line_no}/refurbished"): OPERATOR,
    ("POST", "/v1/inventory/receipts"): OPERATOR,
    ("POST", "/v1/inventory/adjustments"): OPERATOR,
    ("PUT", "/v1/inventory/{sku}/locations/{location_id}/safety-stock"): OPERATOR,
    ("POST", "/v1/partners/{partner_id}/inventory-advice"): OPERATOR,
    ("POST", "/v1/supply"): OPERATOR,
    ("POST", "/v1/supply/{supply_id}/receipts"): OPERATOR,
    ("PATCH", "/v1/supply/{supply_id}"): OPERATOR,
    ("POST", "/v1/supply/{supply_id}/cancel"): OPERATOR,
    ("POST", "/v1/backlog/plan"): OPERATOR,  # planning alone changes nothing; applying is an exception action
    # A seller's whole account, entries and payouts: operators only for now (viewers see the dashboard's
    # seller pages, without the links to these).
    ("GET", "/v1/sellers/{seller_id}/statements"): OPERATOR,
    # Onboarding and incidents (issue 18): operators and customer service decide, sellers answer on
    # their own /v1/seller/ routes; the risk rules are settings (admin, the default for a PUT).
    ("POST", "/v1/sellers/{seller_id}/onboarding"): OPERATOR,
    ("POST", "/v1/marketplace/onboarding/cases/{case_id}/decide"): OPERATOR,
    ("GET", "/v1/marketplace/onboarding/rules"): OPERATOR,
    ("POST", "/v1/orders/{order_id}/incidents"): OPERATOR,
    ("GET", "/v1/incidents"): OPERATOR,  # customers' messages
    ("GET", "/v1/incidents/{incident_id}"): OPERATOR,
    ("POST", "/v1/incidents/{incident_id}/escalate"): OPERATOR,
    ("POST", "/v1/incidents/{incident_id}/resolve"): OPERATOR,
    # Admin: keys (reading them too), master data and settings.
    ("POST", "/v1/keys"): ADMIN,
    ("GET", "/v1/keys"): ADMIN,
    ("GET", "/v1/changes"): ADMIN,  # names every key and who used it
    ("DELETE", "/v1/keys/{key_id}"): ADMIN,
    ("POST", "/v1/locations"): ADMIN,
    ("PATCH", "/v1/locations/{location_id}"): ADMIN,
    ("POST", "/settings/locations/{location_id}"): ADMIN,  # the locations page's edit (as PATCH above)
    ("GET", "/settings/keys"): ADMIN,  # the keys page lists every key, as GET /v1/keys does
    ("POST", "/settings/keys"): ADMIN,
    ("POST", "/settings/keys/{key_id}/revoke"): ADMIN,
    ("GET", "/settings/changes"): ADMIN,  # as GET /v1/changes: it names every key
    ("POST", "/v1/skus"): ADMIN,
    ("PUT", "/v1/sourcing/settings"): ADMIN,
    ("PUT", "/v1/rules/{scope}"): ADMIN,
    ("POST", "/settings/rules/{scope}"): ADMIN,  # the rules page's save (its dry run changes nothing: operator)
    ("PUT", "/v1/partners/{partner_id}"): ADMIN,
    ("PUT", "/v1/partners/{partner_id}/csv"): ADMIN,
    # Prometheus sends a bearer token (scrape config "authorization"), so /metrics is for viewers.
    ("GET", "/metrics"): VIEWER,
}


def need_for(method: str, path: str) -> Need:
    need = POLICY.get((method, path))
    if need is not None:
        return need
    if path.startswith("/v1/seller/") or path in ("/v1/seller", "/seller") or path.startswith("/seller/"):
        return SELLER
    if method in SAFE_METHODS:
        return VIEWER
    return ADMIN if path.startswith("/v1/") else OPERATOR


def api_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """Every (method, path template) the app serves through its routers (dependencies run there)."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:  # an included router (FastAPI >= 0.160 keeps them nested)
            for context in contexts():
                if isinstance(context.original_route, APIRoute):
                    for method in sorted(context.methods or ()):
                        yield method, context.path_format
        elif isinstance(route, APIRoute):
            for method in sorted(route.methods or ()):
                yield method, route.path_format


class NotAuthenticated(Exception):
    def __init__(self, reason: str, *, page: bool) -> None:
        super().__init__(reason)
        self.page = page


class Forbidden(Exception):
    pass


class CsrfFailed(Exception):
    pass


class SellerHome(Exception):
    """A seller's browser asked for a dashboard page other than its own: it is sent to /seller."""


def _route_template(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path_format", None) or getattr(route, "path", request.url.path))


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key") or None


def _is_page(request: Request, method: str) -> bool:
    # A browser asking for a dashboard page is sent to sign in; API clients get the 401.
    return (
        method in SAFE_METHODS
        and not request.url.path.startswith("/v1/")
        and "text/html" in request.headers.get("accept", "")
    )


def sessions(request: Request) -> Sessions:
    found: Sessions = request.app.state.sessions
    return found


async def _session_principal(request: Request) -> tuple[Principal, str] | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    found = await run_in_threadpool(sessions(request).read, session_id)
    return None if found is None else (found.principal, found.csrf_token)


def _key_cache(request: Request) -> KeyCache | None:
    cache: KeyCache | None = getattr(request.app.state, "key_cache", None)
    return cache


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()  # cached: the endpoint reads the same form
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if sent is None or not secrets.compare_digest(sent, expected):
        raise CsrfFailed("this form is stale or not from the dashboard; reload the page and try again")


async def _identify(request: Request, method: str) -> Principal | None:
    token = _presented_key(request)
    container: Container = request.app.state.container
    if token is not None:
        cache = _key_cache(request)
        principal = cached_principal(cache, container.clock, token) if cache is not None else None
        if principal is None:  # not cached (or refused): the store decides, off the event loop
            principal = await run_in_threadpool(authenticate, container.uow, container.clock, token, cache=cache)
        if principal is None:
            raise NotAuthenticated("the API key is unknown, malformed or revoked", page=False)
        return principal
    session = await _session_principal(request)
    if session is None:
        return None
    principal, csrf = session
    if method not in SAFE_METHODS:
        await _check_csrf(request, csrf)
    request.state.csrf_token = csrf
    return principal


async def authorize(request: Request) -> Principal:
    """The app-wide dependency: who is calling, and may they call this route? Sets request.state.principal."""
    container: Container = request.app.state.container
    if container.settings.auth == "off":
        request.state.principal = LOCAL
        return LOCAL
    method = request.method
    need = need_for(method, _route_template(request))
    if need.kind == "public":
        return await _public(request, method)
    principal = await _identify(request, method)
    if principal is None:
        if need.kind == "signed":  # the router checks the platform's signature (401 when wrong)
            return await _public(request, method)
        raise NotAuthenticated("an API key is required (Authorization: Bearer <key>)", page=_is_page(request, method))
    request.state.principal = principal
    if need.kind == "seller":  # the seller's own routes: its key, and only its key
        if principal.seller_id is None:
            raise Forbidden(f"this needs a seller key; the key is {principal.role.value}")
        return principal
    if principal.seller_id is not None:
        if _is_page(request, method):
            raise SellerHome
        raise Forbidden("a seller key reaches only /v1/seller/ and /seller (its own offers, orders and statements)")
    if need.kind == "role":
        assert need.role is not None
        if not principal.at_least(need.role):
            raise Forbidden(f"this needs the {need.role.value} role (or above); the key is {principal.role.value}")
        return principal
    assert need.channel_of is not None
    channel = await need.channel_of(request)
    if not principal.may_post_for(channel):
        raise Forbidden(
            f"this needs a channel key for {channel!r} or the operator role; the key is "
            + (f"a channel key for {principal.channel!r}" if principal.role is Role.CHANNEL else principal.role.value)
        )
    return principal


async def _public(request: Request, method: str) -> Principal:
    # A public route still learns who is signed in (the sign-in page shows it), but never refuses.
    try:
        principal = await _identify(request, method) if method in SAFE_METHODS else None
    except NotAuthenticated:
        principal = None
    request.state.principal = principal
    return principal or Principal("anonymous", "anonymous", Role.CHANNEL)


def current_principal(request: Request) -> Principal | None:
    """Who the app-wide dependency found (None on public routes for anonymous callers)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal


def actor_of(request: Request) -> str | None:
    """The actor to record for what this request does: the key's name; None when auth is off."""
    principal = current_principal(request)
    return None if principal is None or principal is LOCAL else principal.actor


async def changed_by(request: Request) -> str:
    """Who a change to keys, rules, master data, settings or stock is recorded as made by: the
    signed-in key ("name (role)"), or ``local (auth off)`` on a hub that requires no keys."""
    return actor_of(request) or "local (auth off)"


def claimed_note(signed_in: str | None, claimed: str | None) -> str:
    """The name a request body claims when a signed-in key is the actor: kept as a note, never the actor."""
    if signed_in and claimed and claimed != signed_in:
        return f" (the request named {claimed!r})"
    return ""


PrincipalDep = Annotated[Principal, Depends(authorize)]
ChangedBy = Annotated[str, Depends(changed_by)]


def _not_authenticated(request: Request, error: Exception) -> Response:
    assert isinstance(error, NotAuthenticated)
    if error.page:
        # Back to the same page after sign-in, query included (a search, the queue's filters).
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
    body = error_body("not_authenticated", str(error))
    return Json(body, status_code=401, headers={"WWW-Authenticate": REALM})


def _forbidden(_: Request, error: Exception) -> Response:
    return Json(error_body("forbidden", str(error)), status_code=403)


def _csrf_failed(_: Request, error: Exception) -> Response:
    return Json(error_body("csrf_failed", str(error)), status_code=403)


def _seller_home(_: Request, __: Exception) -> Response:
    return RedirectResponse("/seller", status_code=303)


def install_auth(app: FastAPI, container: Container) -> None:
    """Check the mode, keep the sessions, and map refusals onto 401/403/redirects."""
    settings = container.settings
    if settings.auth == "off":
        from overture.config import is_loopback

        if not is_loopback(settings.host):  # model_copy skips validators: check again here
            raise ValueError(f"auth: 'off' is refused when the API binds to {settings.host!r}")
    # Keys read in the last couple of seconds are not read again: a store read per request saved.
    app.state.key_cache = KeyCache()
    app.state.sessions = Sessions(container, app.state.key_cache)
    app.add_exception_handler(NotAuthenticated, _not_authenticated)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(CsrfFailed, _csrf_failed)
    app.add_exception_handler(SellerHome, _seller_home)
