"""After the sale through the API, on SQLite and PostgreSQL: the money of an order line by line, a
partial cancel and an edit before release, a return received and settled, refunds beyond what a line
captured refused with nothing changed. Orders here carry no payment method: the channel collected the
money, so shipping a line records its due as collected and refunds are the channel's to pay out (the
PSP path is tests/workflows/test_returns_workflow.py)."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.domain.charging import Why
from overture.domain.money.ledger import RefundExceedsCaptured
from overture.domain.returns import RequestReturn, ReturnLineRequest, ReturnPolicy, ReturnReason
from overture.services import payments, return_settlement, returns
from overture.services.fulfilment import receive_shipment
from overture.services.plans import ShipmentRecord
from overture.services.ports import InboundMessage
from overture.store.tables import inventory_positions, money_entries
from tests.factories import add_locations, add_skus, order_payload, stock


def _order(client: TestClient, container: Container) -> dict[str, Any]:
    add_locations(container, ["EWR"])
    add_skus(container, "A", "B", "C")
    for sku in ("A", "B", "C"):
        stock(container, sku, "EWR", 10)
    body = order_payload(("A", 3), ("B", 1), ("C", 2))
    body["lines"][0]["unit_price"] = "10.00"
    body["lines"][1]["unit_price"] = "20.00"
    body["lines"][2]["unit_price"] = "5.00"
    body["charges"] = [
        {"kind": "discount", "amount": "-10.00", "code": "SAVE10"},
        {"kind": "tax", "amount": "4.40"},
        {"kind": "shipping", "amount": "7.99"},
    ]
    answer = client.post("/v1/orders", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _money(client: TestClient, order_id: str) -> dict[str, Any]:
    answer = client.get(f"/v1/orders/{order_id}/money")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _on_hand(container: Container, sku: str) -> tuple[int, int]:
    p = inventory_positions.c
    with container.engine.connect() as c:
        row = c.execute(sa.select(p.on_hand, p.reserved).where(p.sku == sku, p.location_id == "EWR")).one()
    return int(row.on_hand), int(row.reserved)


def _ship(container: Container, order_id: str) -> None:
    record = ShipmentRecord("shp_" + order_id, order_id, "EWR", "ups", "1Z999AA10123456784", container.clock(), [])
    message = InboundMessage("wms", json.dumps({"order_id": order_id}).encode(), container.clock())
    receive_shipment(container.uow, message, lambda _body: record, clock=container.clock)
    asyncio.run(payments.capture_shipped(container.uow, None, order_id, clock=container.clock))


def test_the_money_of_an_order_reconciles_line_by_line(client: TestClient, container: Container) -> None:
    order = _order(client, container)
    money = _money(client, order["id"])
    assert money["totals"]["due"] == "62.39"  # 60.00 - 10.00 + 4.40 + 7.99
    assert sum(Decimal(x["due"]) for x in money["lines"]) == Decimal("62.39")
    assert [x["discount"] for x in money["lines"]] == ["-5.00", "-3.33", "-1.67"]
    assert sum(Decimal(e["amount"]) for e in money["entries"]) == Decimal("62.39")
    assert money["totals"]["outstanding"] == "62.39"


def test_a_partial_cancel_gives_back_exactly_the_units_share_and_their_stock(
    client: TestClient, container: Container
) -> None:
    order = _order(client, container)
    preview = client.post(
        f"/v1/orders/{order['id']}/cancel-lines",
        json={"lines": [{"line_no": 1, "quantity": 1}], "reason": "x", "preview": True},
    )
    assert preview.status_code == 200, preview.text
    assert (
        preview.json()["difference"] == "-9.06"
    )  # its goods 10.00 less its discount share 1.67 plus its tax share 0.73
    assert _on_hand(container, "A") == (10, 3)  # a preview changes nothing
    done = client.post(
        f"/v1/orders/{order['id']}/cancel-lines", json={"lines": [{"line_no": 1, "quantity": 1}], "reason": "x"}
    )
    assert done.status_code == 200, done.text
    assert _on_hand(container, "A") == (10, 2)
    assert _money(client, order["id"])["totals"]["due"] == "53.33"


def test_an_edit_raises_the_price_and_the_money_follows(client: TestClient, container: Container) -> None:
    order = _order(client, container)
    body = {
        "lines": [
            {"line_no": 2, "unit_price": "25.00"},
            {"line_no": 4, "sku": "C", "quantity": 1, "unit_price": "5.00", "add": True},
        ],
        "reason": "customer upgraded",
    }
    answer = client.post(f"/v1/orders/{order['id']}/edits", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["difference"] == "9.54"  # +5.00 goods, -0.83 discount, +0.37 tax; +5.00 line 4
    lines = {x["line_no"]: x for x in _money(client, order["id"])["lines"]}
    assert lines[2]["charge"] == "25.00" and lines[4]["due"] == "5.00"


def test_a_return_is_received_restocked_and_settled_for_its_units_share(
    client: TestClient, container: Container
) -> None:
    order = _order(client, container)
    _ship(container, order["id"])
    assert _money(client, order["id"])["totals"]["outstanding"] == "0.00"
    asked = client.post(
        f"/v1/orders/{order['id']}/returns",
        json={"external_id": "R-1", "lines": [{"line_no": 1, "quantity": 1, "reason": "damaged"}]},
    )
    assert asked.status_code == 201, asked.text
    ret = asked.json()
    assert ret["status"] == "approved"
    again = client.post(
        f"/v1/orders/{order['id']}/returns",
        json={"external_id": "R-1", "lines": [{"line_no": 1, "quantity": 1, "reason": "damaged"}]},
    )
    assert again.status_code == 200 and again.json()["id"] == ret["id"]
    received = client.post(
        f"/v1/returns/{ret['id']}/receipt", json={"location_id": "EWR", "lines": [{"line_no": 1, "units": ["restock"]}]}
    )
    assert received.status_code == 200, received.text
    assert _on_hand(container, "A")[0] == 8  # 10 - 3 shipped + 1 restocked
    asyncio.run(return_settlement.settle_return(container.uow, None, ret["id"], clock=container.clock))
    money = _money(client, order["id"])
    line = next(x for x in money["lines"] if x["line_no"] == 1)
    assert line["refunded"] == "9.06" and money["totals"]["outstanding"] == "0.00"
    assert client.get(f"/v1/returns/{ret['id']}").json()["status"] == "settled"


def test_a_refund_beyond_what_a_line_captured_is_refused_and_nothing_is_written(
    container: Container, client: TestClient
) -> None:
    order = _order(client, container)
    _ship(container, order["id"])
    with container.engine.connect() as c:
        before = c.execute(sa.select(sa.func.count()).select_from(money_entries)).scalar_one()
    with pytest.raises(
        RefundExceedsCaptured, match=r"line 2: a refund of 2500 minor units .* more than the 2080 captured"
    ):
        asyncio.run(
            payments.refund(
                container.uow,
                None,
                order["id"],
                key="too-much",
                per_line={1: 100, 2: 2500},
                owed=[],
                why=Why("goodwill", "tester", container.clock()),
            )
        )
    with container.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(money_entries)).scalar_one() == before


def test_a_return_of_more_than_shipped_names_the_field(client: TestClient, container: Container) -> None:
    order = _order(client, container)
    _ship(container, order["id"])
    answer = client.post(
        f"/v1/orders/{order['id']}/returns",
        json={"external_id": "R-2", "lines": [{"line_no": 2, "quantity": 2, "reason": "other"}]},
    )
    assert answer.status_code == 422
    assert "lines[0].quantity" in answer.text and "1 unit(s) left" in answer.text


def test_a_return_over_the_threshold_waits_in_the_exception_queue_and_is_approved_there(
    client: TestClient, container: Container
) -> None:
    order = _order(client, container)
    _ship(container, order["id"])
    lines = (
        ReturnLineRequest(3, ReturnReason.NOT_AS_DESCRIBED, line_no=1),
        ReturnLineRequest(1, ReturnReason.OTHER, line_no=2),
    )
    command = RequestReturn("api", "R-BIG", lines, order_id=order["id"])
    strict = ReturnPolicy(auto_approve_minor=2_000)  # 20.00 approved at once; this return gives back more
    asked = returns.request_return(container.uow, command, message=None, policy=strict, clock=container.clock)
    ret = client.get(f"/v1/returns/{asked.ret.id}").json()
    assert ret["status"] == "awaiting_review"
    queue = client.get("/v1/exceptions", params={"type": "return_review", "status": "open"}).json()["items"]
    (exception,) = [e for e in queue if e["order_id"] == order["id"]]
    assert ret["id"] in exception["reason"] and "over the 20.00 USD approved at once" in exception["reason"]
    refused = client.post(f"/v1/exceptions/{exception['id']}/resolve", json={"action": "retry", "actor": "ops"})
    assert refused.status_code == 409
    answer = client.post(f"/v1/exceptions/{exception['id']}/resolve", json={"action": "override", "actor": "ops"})
    assert answer.status_code == 200, answer.text
    assert client.get(f"/v1/returns/{ret['id']}").json()["status"] == "approved"
    assert client.get("/v1/exceptions", params={"type": "return_review", "status": "open"}).json()["items"] == []


def test_a_return_request_that_does_not_read_is_kept_in_quarantine_and_names_its_fields(
    client: TestClient, container: Container
) -> None:
    from overture.store.tables import inbound_messages

    missing = client.post(
        "/v1/orders/ord_x/returns", json={"lines": [{"line_no": 1, "quantity": 1, "reason": "damaged"}]}
    )
    not_json = client.post(
        "/v1/orders/ord_x/returns", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert missing.status_code == 422, missing.text
    assert [f["field"] for f in missing.json()["error"]["fields"]] == ["external_id"]
    assert not_json.status_code == 400
    with container.engine.connect() as c:
        kept = c.execute(sa.select(inbound_messages.c.status).where(inbound_messages.c.channel == "returns:api")).all()
    assert [row.status for row in kept] == ["quarantined", "quarantined"]
