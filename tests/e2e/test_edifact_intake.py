"""POST /v1/channels/edifact: a partner's ORDERS becomes an order and is answered with an ORDRSP."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.channels.edifact.checks import Verdict, check_document
from overture.channels.edifact.envelope import read
from overture.channels.edifact.ordrsp import OrderResponse, read_order_response
from overture.store.tables import inbound_messages, orders
from tests.channels.edifact.fixtures import ORDERS_01B_TWO_MESSAGES, ORDERS_96A, SENDER
from tests.factories import add_locations, add_skus, stock

ACME = {"name": "Acme Stores", "uom_factors": {"CT": 12}, "currency": "USD"}


def _seed(client: TestClient, container: Container, widgets: int = 100, gadgets: int = 100) -> None:
    assert client.put(f"/v1/partners/{SENDER}", json=ACME).status_code == 201
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET-RED", "GADGET")
    stock(container, "WIDGET-RED", "EWR", widgets)
    if gadgets:
        stock(container, "GADGET", "EWR", gadgets)


def _post(client: TestClient, text: str) -> tuple[int, dict[str, Any]]:
    response = client.post(
        "/v1/channels/edifact", content=text.encode(), headers={"content-type": "application/edifact"}
    )
    return response.status_code, response.json()


def _responses(ordrsp: str) -> list[OrderResponse]:
    document = read(ordrsp)
    assert document.all_problems() == []
    checked = check_document(document)
    assert all(c.verdict is Verdict.ACCEPTED for c in checked)
    return [read_order_response(c.message) for c in checked]


def _count_orders(container: Container) -> int:
    with container.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one())


def test_an_orders_becomes_a_routed_order_and_is_answered_with_an_ordrsp(
    client: TestClient, container: Container
) -> None:
    _seed(client, container)

    status, body = _post(client, ORDERS_96A)

    assert status == 200 and body["partner_id"] == SENDER
    (outcome,) = body["messages"]
    assert (outcome["type"], outcome["verdict"], outcome["order_status"], outcome["response"]) == (
        "ORDERS",
        "accepted",
        "routed",
        "29",
    )
    order = client.get(f"/v1/orders/{outcome['order_id']}").json()
    assert [(x["sku"], x["quantity"]) for x in order["lines"]] == [("WIDGET-RED", 24), ("GADGET", 5)]
    assert Decimal(order["total"]) == Decimal("122.25")  # the lines and the freight: MOA 86
    assert {"system": "buyer", "kind": "po_number", "value": "PO-7781"} in order["references"]
    (response,) = _responses(body["ordrsp"])
    assert (response.number, response.po_number, response.response) == (outcome["order_id"], "PO-7781", "29")
    assert [(line.line_no, line.action, line.ordered, line.confirmed) for line in response.lines] == [
        ("1", "5", Decimal(2), Decimal(2)),
        ("2", "5", Decimal(5), Decimal(5)),
    ]
    assert read(body["ordrsp"]).interchanges[0].recipient == (SENDER, "14")


def test_the_same_file_again_creates_nothing(client: TestClient, container: Container) -> None:
    _seed(client, container)
    _, first = _post(client, ORDERS_96A)
    status, second = _post(client, ORDERS_96A)

    assert status == 200
    assert second["messages"][0]["duplicate"] is True
    assert second["messages"][0]["order_id"] == first["messages"][0]["order_id"]
    assert second["ordrsp"] is None
    assert _count_orders(container) == 1


def test_an_order_on_hold_for_stock_is_answered_line_by_line(client: TestClient, container: Container) -> None:
    # One carton of widgets (12 of the 24 wanted) and no gadgets at all.
    _seed(client, container, widgets=12, gadgets=0)

    _, body = _post(client, ORDERS_96A)

    (outcome,) = body["messages"]
    assert (outcome["order_status"], outcome["response"]) == ("on_hold", "4")
    (response,) = _responses(body["ordrsp"])
    assert [(line.action, line.ordered, line.confirmed) for line in response.lines] == [
        ("3", Decimal(2), Decimal(1)),
        ("7", Decimal(5), Decimal(0)),
    ]


def test_several_orders_in_one_interchange_are_answered_in_one_ordrsp(client: TestClient, container: Container) -> None:
    _seed(client, container)

    _, body = _post(client, ORDERS_01B_TWO_MESSAGES)

    assert [(m["reference"], m["order_status"]) for m in body["messages"]] == [("M1", "routed"), ("M2", "routed")]
    assert [r.po_number for r in _responses(body["ordrsp"])] == ["PO-8001", "PO-8002"]
    assert _count_orders(container) == 2


def test_unknown_skus_are_not_accepted(client: TestClient, container: Container) -> None:
    assert client.put(f"/v1/partners/{SENDER}", json=ACME).status_code == 201

    _, body = _post(client, ORDERS_96A)

    assert body["messages"][0]["response"] == "27"
    assert [line.action for line in _responses(body["ordrsp"])[0].lines] == ["7", "7"]


def test_a_message_that_fails_our_checks_is_reported_and_not_ordered(client: TestClient, container: Container) -> None:
    _seed(client, container)
    text = ORDERS_96A.replace("UNT+28+1'", "UNT+29+1'")

    status, body = _post(client, text)

    assert status == 200 and body["ordrsp"] is None
    (outcome,) = body["messages"]
    assert outcome["verdict"] == "rejected" and outcome["order_id"] is None
    assert outcome["problems"][0]["code"] == "segment_count_mismatch"
    assert outcome["problems"][0]["segment_position"] == 30
    assert _count_orders(container) == 0


def test_garbage_and_unknown_senders_are_quarantined_with_422(client: TestClient, container: Container) -> None:
    garbage_status, garbage = _post(client, "this is not EDIFACT")
    unknown_status, unknown = _post(client, ORDERS_96A)

    assert garbage_status == 422 and "no_interchange" in garbage["error"]["fields"][0]["reason"]
    assert unknown_status == 422 and unknown["error"]["fields"][0]["field"] == "UNB.S002"
    with container.engine.connect() as c:
        kept = c.execute(sa.select(inbound_messages.c.status, inbound_messages.c.channel)).all()
    assert sorted(kept) == [("quarantined", "edifact"), ("quarantined", "edifact")]
    assert _count_orders(container) == 0
