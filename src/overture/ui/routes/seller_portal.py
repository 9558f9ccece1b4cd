"""A seller's own dashboard (issue 18, point 3): ``/seller`` shows the signed-in seller's sub-orders
awaiting its answer (the nearest deadline first, with the time left), the accepted ones to ship, the
recent shipped ones, its offers and its balance; each awaiting sub-order has a form to accept or refuse
lines (a refusal says why), each accepted one a form to ship with tracking.

The seller is the signed-in key's (web/auth.py lets a seller key reach ``/seller`` and nothing else of
the dashboard); no route takes a seller id, and a sub-order of another seller is "not found", as on the
API. The forms call the services the API's /v1/seller/ routes call, then nudge the sub-order's workflow
as those routes do; a refusal comes back as the service's error, which web/htmx_errors.py turns into
one readable line beside the form.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from overture.bootstrap import Container
from overture.domain.marketplace.sub_orders import SubOrder, SubOrderStatus
from overture.services.errors import ErrorCode, InvalidRequest, NotFound
from overture.services.marketplace import seller_orders, shipping
from overture.services.ports import UnitOfWork
from overture.services.retry import read_only
from overture.ui.routes.common import fragment, is_htmx, now, page, page_router
from overture.ui.routes.sellers import minor_money
from overture.ui.session import Actor
from overture.web.auth import current_principal
from overture.web.deps import ContainerDep, workflow_gateway

router = page_router()
RECENT_SHIPPED = 20
OPEN_LIMIT = 200  # awaiting and to ship: a seller with more pages through the API
Lines = Annotated[list[int] | None, Form()]
Short = Annotated[str, Form(max_length=64)]


def seller_of(request: Request) -> str:
    """The signed-in key's seller; never the URL's (with auth off nobody is a seller)."""
    principal = current_principal(request)
    seller_id = principal.seller_id if principal is not None else None
    if seller_id is None:
        raise NotFound("no seller: sign in with a seller key to see its orders")
    return seller_id


@router.get("/seller", response_class=HTMLResponse)
def portal(request: Request, container: ContainerDep) -> HTMLResponse:
    principal = current_principal(request)
    seller_id = principal.seller_id if principal is not None else None
    found = None if seller_id is None else read_only(container.uow, lambda uow: _reads(uow, seller_id))
    if found is None:
        what = "seller signed in (this page is a seller's own: sign in with a seller key)"
        return page(request, "not_found.html", {"what": what, "page": "seller"}, status_code=404)
    return page(request, "seller_portal.html", _context(container, found))


def _reads(uow: UnitOfWork, seller_id: str) -> dict[str, Any] | None:
    seller = uow.marketplace.seller(seller_id)
    if seller is None:
        return None

    def of(status: SubOrderStatus, limit: int) -> list[SubOrder]:
        return uow.marketplace.sub_orders_of_seller(seller_id, status=status.value, limit=limit)

    awaiting = sorted(of(SubOrderStatus.AWAITING_ACCEPTANCE, OPEN_LIMIT), key=lambda s: (s.accept_by, s.id))
    to_ship = sorted(of(SubOrderStatus.ACCEPTED, OPEN_LIMIT), key=lambda s: (s.ship_by or s.accept_by, s.id))
    shipped = of(SubOrderStatus.SHIPPED, RECENT_SHIPPED)
    return {
        "seller": seller,
        "awaiting": awaiting,
        "to_ship": to_ship,
        "shipped": shipped,
        "lines": {s.id: uow.marketplace.lines_of_sub_order(s.id) for s in (*awaiting, *to_ship, *shipped)},
        "offers": uow.marketplace.offers_of(seller_id),
    }


def _context(container: Container, found: dict[str, Any]) -> dict[str, Any]:
    seller = found["seller"]
    by_currency = container.dashboard.balances_by_currency(seller_id=seller.id).get(seller.id, {})
    by_currency.setdefault(seller.currency, 0)
    balances = [minor_money(by_currency.pop(seller.currency), seller.currency)]
    balances += [minor_money(minor, currency) for currency, minor in sorted(by_currency.items())]
    return {**found, "page": "seller", "now": now(container), "balances": balances}


async def _answered(
    request: Request, container: Container, seller_id: str, sub_order_id: str, happened: str
) -> Response:
    """Wake the sub-order's workflow (as the API does), then show the portal again, saying what was done."""
    await workflow_gateway(request).nudge_sub_order(sub_order_id)
    if not is_htmx(request):  # a form posted without htmx: back to the page
        return RedirectResponse("/seller", status_code=303)
    found = read_only(container.uow, lambda uow: _reads(uow, seller_id))
    if found is None:
        raise NotFound(f"no seller {seller_id!r}")
    answer = fragment(request, "_seller_portal_body.html", {**_context(container, found), "happened": happened})
    answer.headers["HX-Retarget"] = "#seller-portal"
    answer.headers["HX-Reswap"] = "innerHTML"
    return answer


def _ticked(lines: list[int] | None, verb: str) -> list[int]:
    if not lines:
        raise InvalidRequest("lines", f"tick the lines to {verb}", ErrorCode.REQUIRED)
    return lines


def _said(answer: seller_orders.Answer, verb: str) -> str:
    nos = ", ".join(map(str, answer.changed)) or "none"
    more = f"; placed again in {', '.join(answer.rerouted_to)}" if answer.rerouted_to else ""
    return f"{answer.sub_order.id}: line(s) {nos} {verb}{more}"


@router.post("/seller/orders/{sub_order_id}/accept", response_class=HTMLResponse)
async def accept(
    request: Request, sub_order_id: str, container: ContainerDep, actor: Actor, lines: Lines = None
) -> Response:
    seller_id = seller_of(request)
    answer = await run_in_threadpool(
        seller_orders.accept,
        container.uow,
        sub_order_id,
        seller_id=seller_id,
        actor=actor,
        clock=container.clock,
        line_nos=_ticked(lines, "accept"),
    )
    return await _answered(request, container, seller_id, sub_order_id, _said(answer, "accepted"))


@router.post("/seller/orders/{sub_order_id}/refuse", response_class=HTMLResponse)
async def refuse(
    request: Request,
    sub_order_id: str,
    container: ContainerDep,
    actor: Actor,
    lines: Lines = None,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    seller_id = seller_of(request)
    answer = await run_in_threadpool(
        seller_orders.refuse,
        container.uow,
        sub_order_id,
        seller_id=seller_id,
        actor=actor,
        reason=reason,
        clock=container.clock,
        line_nos=_ticked(lines, "refuse"),
    )
    return await _answered(request, container, seller_id, sub_order_id, _said(answer, "refused"))


@router.post("/seller/orders/{sub_order_id}/ship", response_class=HTMLResponse)
async def ship(
    request: Request,
    sub_order_id: str,
    container: ContainerDep,
    actor: Actor,
    carrier: Short = "",
    tracking_number: Short = "",
) -> Response:
    seller_id = seller_of(request)
    done = await run_in_threadpool(
        shipping.ship,
        container.uow,
        sub_order_id,
        seller_id=seller_id,
        carrier=carrier,
        tracking_number=tracking_number,
        actor=actor,
        clock=container.clock,
    )
    late = ", late" if done.late else ""
    valid = "" if done.tracking_valid else f" (not a valid {done.sub_order.carrier} number)"
    happened = (
        f"{sub_order_id}: shipped by {done.sub_order.carrier}, tracking {done.sub_order.tracking_number}{late}{valid}"
    )
    return await _answered(request, container, seller_id, sub_order_id, happened)
