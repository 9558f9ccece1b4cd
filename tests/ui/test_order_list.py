"""The orders list over the real app and store (SQLite and PostgreSQL): filters, search by any part of
any reference, cursor paging without gaps or repeats, the count, and the formula-safe CSV export.

Orders are placed through the API, so their search text is written as in production."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.services.plans import ShipmentRecord
from overture.services.ports.order_list import OrderFilter
from overture.store.tables import order_exceptions, orders
from tests.factories import add_locations, add_skus, order_payload, stock


def _place(client: TestClient, *, name: str = "Ann Buyer", email: str = "ann@example.com", **extra: Any) -> str:
    customer = {"reference": "C-1", "name": name, "email": email}
    answer = client.post("/v1/orders", json=order_payload(("A", 1), customer=customer, **extra))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _ids(page: str) -> list[str]:
    return re.findall(r'data-testid="order-row" data-order-id="([^"]+)"', page)


@pytest.fixture
def stocked(container: Container) -> Container:
    add_locations(container, ["EWR", "DFW"])
    add_skus(container, "A")
    stock(container, "A", "EWR", 500)
    return container


def test_search_finds_an_order_by_any_part_of_its_references(stocked: Container, client: TestClient) -> None:
    reference = [{"system": "customer", "kind": "po_number", "value": "PO-ACME-4711"}]
    wanted = _place(client, name="Zoë Marchetti", email="zoe.marchetti@shop.example", references=reference)
    _place(client)
    for term in ("4711", "acme-47", "MARCHETTI", "zoe.march", "shop.example", wanted[-8:].lower()):
        found = _ids(client.get("/orders", params={"q": term}).text)
        assert found == [wanted], term
    assert _ids(client.get("/orders", params={"q": "100"}).text)  # part of both postal codes (10001)
    assert _ids(client.get("/orders", params={"q": "nobody-has-this"}).text) == []
    # LIKE's wildcards in a term are literal characters, not "anything".
    assert _ids(client.get("/orders", params={"q": "%%%"}).text) == []


def test_search_finds_a_tracking_number_that_arrived_later(stocked: Container, client: TestClient) -> None:
    order_id = _place(client)
    with stocked.uow() as uow:
        shipment = ShipmentRecord("shp_1", order_id, "EWR", "ups", "1Z999AA10123456784", stocked.clock(), [])
        uow.fulfilment.add_shipment(shipment, None, stocked.clock())
        uow.commit()
    assert _ids(client.get("/orders", params={"q": "1z999aa1012"}).text) == [order_id]


def test_filters_combine_and_the_count_is_the_number_matching(stocked: Container, client: TestClient) -> None:
    web = [_place(client) for _ in range(3)]
    shop = [_place(client, channel="shop") for _ in range(2)]
    page = client.get("/orders", params={"channel": "shop"}).text
    assert sorted(_ids(page)) == sorted(shop)
    assert re.search(r'data-testid="order-count">2<', page)
    assert sorted(_ids(client.get("/orders", params={"channel": "web", "location": "EWR"}).text)) == sorted(web)
    assert _ids(client.get("/orders", params={"location": "DFW"}).text) == []
    assert _ids(client.get("/orders", params={"min_age_h": "1"}).text) == []  # all placed just now
    assert len(_ids(client.get("/orders", params={"max_age_h": "1"}).text)) == 5


def test_bad_filter_values_are_named_and_refused(stocked: Container, client: TestClient) -> None:
    answer = client.get("/orders", params={"min_age_h": "soon", "sla": "late", "exception": "gremlins"})
    assert answer.status_code == 422
    for reason in ("min_age_h: 'soon' is not a number", "sla: 'late' is not one of", "exception: 'gremlins'"):
        assert reason in html.unescape(answer.text)


def test_paging_by_cursor_visits_every_order_once_in_order(stocked: Container, client: TestClient) -> None:
    placed = [_place(client) for _ in range(7)]
    newest_first = sorted(placed, reverse=True)
    page_of = stocked.dashboard.order_list
    seen: list[str] = []
    after: str | None = None
    while True:
        found = page_of(OrderFilter(limit=3, after=after), stocked.clock())
        seen += [r["id"] for r in found.rows]
        assert found.count == 7
        if found.next_after is None:
            break
        after = found.next_after
    assert seen == newest_first
    back = page_of(OrderFilter(limit=3, before=newest_first[3]), stocked.clock())
    assert [r["id"] for r in back.rows] == newest_first[:3] and back.previous_before is None
    middle = page_of(OrderFilter(limit=3, before=newest_first[6]), stocked.clock())
    assert [r["id"] for r in middle.rows] == newest_first[3:6] and middle.previous_before == newest_first[3]
    oldest = page_of(OrderFilter(limit=3, sort="oldest"), stocked.clock())
    assert [r["id"] for r in oldest.rows] == sorted(placed)[:3]


def test_the_page_links_to_the_next_page_keeping_the_filters(stocked: Container, client: TestClient) -> None:
    for _ in range(52):
        _place(client)
    first = client.get("/orders", params={"channel": "web"}).text
    assert len(_ids(first)) == 50
    link = re.search(r'data-testid="page-next" hx-get="([^"]+)"', first)
    assert link is not None and "channel=web" in link.group(1) and "after=" in link.group(1)
    following = client.get(html.unescape(link.group(1))).text
    assert len(_ids(following)) == 2 and not set(_ids(following)) & set(_ids(first))


def test_an_htmx_filter_change_gets_only_the_rows(stocked: Container, client: TestClient) -> None:
    _place(client)
    answer = client.get("/orders", headers={"HX-Request": "true", "HX-Target": "order-list"})
    assert "<html" not in answer.text and len(_ids(answer.text)) == 1


def test_the_export_has_every_match_and_neutralises_formulas(stocked: Container, client: TestClient) -> None:
    evil = _place(client, name='=HYPERLINK("http://x.example")')
    _place(client, channel="shop")
    answer = client.get("/orders/export.csv", params={"channel": "web"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][0] == "order id" and [r[0] for r in rows[1:]] == [evil]
    assert rows[1][6].startswith("'=HYPERLINK")


def _hold(container: Container, order_id: str, kind: str, exc_id: str) -> None:
    with container.engine.begin() as c:
        c.execute(
            order_exceptions.insert(),
            {"id": exc_id, "order_id": order_id, "type": kind, "step": "ship", "reason": kind, "severity": "high",
             "allowed_actions": ["retry"], "details": {}, "status": "open", "created_at": container.clock()},
        )  # fmt: skip


def test_exception_and_sla_filters(stocked: Container, client: TestClient) -> None:
    placed = [_place(client) for _ in range(5)]
    _hold(stocked, placed[0], "insufficient_stock", "exc_a")
    _hold(stocked, placed[0], "insufficient_stock", "exc_b")  # two of one type: the order is listed once
    _hold(stocked, placed[1], "insufficient_stock", "exc_c")
    _hold(stocked, placed[2], "sla_breach", "exc_d")
    html_page = client.get("/orders", params={"exception": "insufficient_stock"}).text
    assert _ids(html_page) == sorted(placed[:2], reverse=True)
    assert re.search(r'data-testid="order-count">2<', html_page)
    assert _ids(client.get("/orders", params={"sla": "breached"}).text) == [placed[2]]
    # At risk: released more than 3/4 of the location's ship-by (48 h at EWR) ago, and not breached.
    old = stocked.clock() - timedelta(hours=40)
    with stocked.engine.begin() as c:
        for order_id in (placed[3], placed[2]):
            c.execute(sa.update(orders).where(orders.c.id == order_id).values(status="released", updated_at=old))
    assert _ids(client.get("/orders", params={"sla": "at_risk"}).text) == [placed[3]]
    both = client.get("/orders", params={"exception": "insufficient_stock", "q": placed[1][-10:]}).text
    assert _ids(both) == [placed[1]]
