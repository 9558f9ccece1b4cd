"""A seller's own dashboard page, /seller, over the real app and store (SQLite and PostgreSQL): signing
in with a seller key lands there, the seller sees only its own sub-orders and none of the operators'
pages, and its forms accept, refuse and ship through the services (the store changes; another seller's
sub-order is "not found", a refusal without a reason is one readable line)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape

import pytest
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.domain.access import Role
from overture.domain.marketplace.sub_orders import LineState, SubOrderStatus
from overture.services.access import create_key
from overture.services.marketplace import split
from overture.services.retry import read_only
from tests.factories import order_payload
from tests.services.marketplace.builders import approved_seller, offer
from tests.ui.seed import text_of
from tests.web.signin import sign_in

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HTMX = {"HX-Request": "true"}


@dataclass(frozen=True)
class Market:
    http: TestClient
    container: Container
    order_id: str  # -A: acme's (KETTLE line 1, PAN line 3), -B: bolt's (MUG line 2)
    acme: str  # seller keys
    bolt: str


@pytest.fixture
def market(auth_container: Container) -> Iterator[Market]:
    c = auth_container
    approved_seller(c, "acme", name="Acme Goods")
    approved_seller(c, "bolt", name="Bolt & Sons")
    offer(c, "acme", "KETTLE", "20.00", 5, title="Kettle")
    offer(c, "acme", "PAN", "31.50", 5, title="Pan")
    offer(c, "bolt", "MUG", "8.00", 5, title="Mug")
    operator = create_key(c.uow, c.clock, role=Role.OPERATOR, name="olga").token
    payload = order_payload(("KETTLE", 1), ("MUG", 2), ("PAN", 1))
    for line, price in zip(payload["lines"], ("20.00", "8.00", "31.50"), strict=True):
        line["unit_price"] = price
    with TestClient(create_app(c)) as http:
        placed = http.post("/v1/orders", json=payload, headers={"Authorization": f"Bearer {operator}"})
        assert placed.status_code == 201, placed.text
        order_id = str(placed.json()["id"])
        assert split.split_order(c.uow, order_id, clock=c.clock) == [f"{order_id}-A", f"{order_id}-B"]
        keys = [create_key(c.uow, c.clock, role=Role.SELLER, name=s, channel=s).token for s in ("acme", "bolt")]
        yield Market(http, c, order_id, *keys)


def _signed_in_page(market: Market, key: str) -> tuple[str, str]:
    """Sign in as a browser does (asking for HTML); the page it lands on and the session's CSRF token."""
    landed = sign_in(market.http, key, headers={"Accept": "text/html"})
    assert landed.status_code == 200 and landed.url.path == "/seller", (landed.url, landed.text[:300])
    token = CSRF.search(landed.text)
    assert token, "no csrf_token in the page's forms"
    return landed.text, token.group(1)


def _lines(market: Market, sub_order_id: str) -> dict[int, LineState]:
    found = read_only(market.container.uow, lambda uow: uow.marketplace.lines_of_sub_order(sub_order_id))
    return {x.line_no: x.status for x in found}


def _status(market: Market, sub_order_id: str) -> SubOrderStatus:
    sub = read_only(market.container.uow, lambda uow: uow.marketplace.sub_order(sub_order_id))
    assert sub is not None
    return sub.status


@pytest.mark.auth
def test_a_seller_signs_in_to_its_own_page_and_sees_only_its_own(market: Market) -> None:
    html, _ = _signed_in_page(market, market.acme)
    a, b = f"{market.order_id}-A", f"{market.order_id}-B"
    assert re.findall(r'data-testid="awaiting-sub-order" data-sub-order="([^"]+)"', html) == [a]
    assert b not in html and "MUG" not in html
    assert re.fullmatch(r"(2\.9|3\.0) d left", text_of(html, "time-left"))
    assert {"KETTLE", "PAN"} == set(re.findall(r'data-testid="portal-offer" data-sku="([^"]+)"', html))
    assert text_of(html, "portal-balance") == "0.00 USD"
    assert 'data-testid="nav-seller"' in html and 'data-testid="nav-overview"' not in html
    assert 'data-testid="search-box"' not in html
    # Every other page sends its browser home; the API and the operators' routes refuse it.
    elsewhere = market.http.get("/orders", headers={"Accept": "text/html"}, follow_redirects=False)
    assert elsewhere.status_code == 303 and elsewhere.headers["location"] == "/seller"
    for path in ("/sellers", f"/v1/orders/{market.order_id}", "/v1/sellers"):
        assert market.http.get(path, headers={"Accept": "application/json"}).status_code == 403, path
    bolt = TestClient(market.http.app)
    bolt_html, _ = _signed_in_page(
        Market(bolt, market.container, market.order_id, market.acme, market.bolt), market.bolt
    )
    assert re.findall(r'data-testid="awaiting-sub-order" data-sub-order="([^"]+)"', bolt_html) == [b]


@pytest.mark.auth
def test_accept_refuse_and_ship_through_the_forms(market: Market) -> None:
    _, token = _signed_in_page(market, market.acme)
    sub = f"{market.order_id}-A"
    accepted = market.http.post(f"/seller/orders/{sub}/accept", data={"lines": "1", "csrf_token": token}, headers=HTMX)
    assert accepted.status_code == 200, accepted.text
    assert accepted.headers["HX-Retarget"] == "#seller-portal"
    assert text_of(accepted.text, "portal-happened") == f"{sub}: line(s) 1 accepted"
    assert _lines(market, sub) == {1: LineState.ACCEPTED, 3: LineState.PENDING}
    unsaid = market.http.post(f"/seller/orders/{sub}/refuse", data={"lines": "3", "csrf_token": token}, headers=HTMX)
    assert unsaid.status_code == 422
    assert text_of(unsaid.text, "error-message") == "reason: say why the lines are refused"
    form = {"lines": "3", "reason": "out of stock", "csrf_token": token}
    refused = market.http.post(f"/seller/orders/{sub}/refuse", data=form, headers=HTMX)
    assert refused.status_code == 200, refused.text
    assert _lines(market, sub)[3] is LineState.REFUSED and _status(market, sub) is SubOrderStatus.ACCEPTED
    assert re.findall(r'data-testid="to-ship-sub-order" data-sub-order="([^"]+)"', refused.text) == [sub]
    form = {"carrier": "ups", "tracking_number": "1Z999AA10123456784", "csrf_token": token}
    shipped = market.http.post(f"/seller/orders/{sub}/ship", data=form, headers=HTMX)
    assert shipped.status_code == 200, shipped.text
    assert _status(market, sub) is SubOrderStatus.SHIPPED and _lines(market, sub)[1] is LineState.SHIPPED
    assert re.findall(r'data-testid="shipped-row" data-sub-order="([^"]+)"', shipped.text) == [sub]
    assert text_of(shipped.text, "portal-balance") != "0.00 USD"  # the shipped line is credited
    # Without htmx, the form posts and the browser goes back to the page.
    again = market.http.post(f"/seller/orders/{sub}/ship", data=form, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/seller"


@pytest.mark.auth
def test_another_sellers_sub_order_or_a_stale_form_is_refused(market: Market) -> None:
    _, token = _signed_in_page(market, market.acme)
    bolts = f"{market.order_id}-B"
    for action, form in (("accept", {"lines": "2"}), ("refuse", {"lines": "2", "reason": "x"})):
        answer = market.http.post(f"/seller/orders/{bolts}/{action}", data={**form, "csrf_token": token}, headers=HTMX)
        assert answer.status_code == 404
        assert unescape(text_of(answer.text, "error-message")) == f"no sub-order {bolts!r}"
    ship = {"carrier": "ups", "tracking_number": "1Z999AA10123456784", "csrf_token": token}
    assert market.http.post(f"/seller/orders/{bolts}/ship", data=ship, headers=HTMX).status_code == 404
    assert _lines(market, bolts) == {2: LineState.PENDING}
    mine = f"{market.order_id}-A"
    stale = market.http.post(f"/seller/orders/{mine}/accept", data={"lines": "1", "csrf_token": "x" * 43})
    assert stale.status_code == 403 and _lines(market, mine)[1] is LineState.PENDING
    none = market.http.post(f"/seller/orders/{mine}/accept", data={"csrf_token": token}, headers=HTMX)
    assert none.status_code == 422 and text_of(none.text, "error-message") == "lines: tick the lines to accept"


@pytest.mark.auth
def test_only_a_seller_key_reaches_the_page(market: Market) -> None:
    c = market.container
    operator = create_key(c.uow, c.clock, role=Role.ADMIN, name="ada").token
    answer = market.http.get("/seller", headers={"Authorization": f"Bearer {operator}"})
    assert answer.status_code == 403 and "seller key" in answer.text


def test_with_auth_off_nobody_is_a_seller(client: TestClient) -> None:
    answer = client.get("/seller")
    assert answer.status_code == 404 and 'data-testid="not-found"' in answer.text
    assert client.post("/seller/orders/X-A/accept", data={"lines": "1"}).status_code == 404
