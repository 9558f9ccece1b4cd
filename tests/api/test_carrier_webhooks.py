"""The carrier's tracking webhooks (POST /v1/webhooks/carrier) on SQLite and PostgreSQL: each event stored
raw, put on its order's timeline once (a redelivery changes nothing), a late scan never undoes a
delivery, a parcel the carrier cannot deliver opens one delivery exception that an operator closes, an
unsigned or unknown one kept in quarantine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import SecretStr

from overture.app import create_app
from overture.bootstrap import Container
from overture.simulators.carrier_events import TrackIn, event_for, signed
from overture.store.tables import inbound_messages, order_exceptions
from tests.factories import add_locations, add_skus, order_payload, stock

SECRET = "whsec-carrier"
TRACKING = "9400100000000000000001"


@pytest.fixture
def http(container: Container) -> Iterator[TestClient]:
    add_locations(container, ["EWR"])
    add_skus(container, "A")
    stock(container, "A", "EWR", 5)
    settings = container.settings.model_copy(update={"carrier_webhook_secret": SecretStr(SECRET)})
    with TestClient(create_app(replace(container, settings=settings))) as client:
        yield client


def shipped_order(http: TestClient) -> str:
    order_id: str = http.post("/v1/orders", json=order_payload(("A", 1))).json()["id"]
    notice = {
        "shipment_id": "SH-1",
        "order_id": order_id,
        "location_id": "EWR",
        "carrier": "USPS",
        "tracking_number": TRACKING,
        "shipped_at": "2026-12-07T10:00:00+00:00",
        "lines": [{"line_no": 1, "sku": "A", "quantity": 1}],
        "sequence": 1,
    }
    assert http.post("/v1/webhooks/wms/shipments", json=notice).status_code in (200, 201)
    return order_id


def send(
    http: TestClient, status: str, *, event_id: str | None = None, secret: str = SECRET, tracking: str = TRACKING
) -> Any:
    event = event_for(TrackIn(tracking_code=tracking, status=status, message=f"scan: {status}", event_id=event_id))
    raw = json.dumps(event).encode()
    return http.post("/v1/webhooks/carrier", content=raw, headers={"X-Hmac-Signature": signed(secret, raw)})


def notes(http: TestClient, order_id: str) -> list[str]:
    timeline = http.get(f"/v1/orders/{order_id}").json()["timeline"]
    return [e["note"] for e in timeline if e["type"] == "note" and (e["note"] or "").startswith(f"USPS {TRACKING}:")]


def test_scans_go_on_the_timeline_once_and_a_late_one_never_undoes_the_delivery(http: TestClient) -> None:
    order_id = shipped_order(http)
    assert send(http, "in_transit", event_id="evt_a").json()["outcome"] == "recorded"
    assert send(http, "in_transit", event_id="evt_a").json()["outcome"] == "duplicate"
    send(http, "delivered", event_id="evt_b")
    send(http, "out_for_delivery", event_id="evt_c")  # arrives after the delivery

    assert notes(http, order_id) == [
        f"USPS {TRACKING}: in transit: scan: in_transit",
        f"USPS {TRACKING}: delivered: scan: delivered",
        f"USPS {TRACKING}: out for delivery: scan: out_for_delivery (after delivery: kept as delivered)",
    ]


def test_a_failed_delivery_opens_one_exception_an_operator_closes(http: TestClient, container: Container) -> None:
    order_id = shipped_order(http)
    first = send(http, "failure").json()
    again = send(http, "failure").json()  # another scan of the same problem
    assert first["exception_id"] and again["exception_id"] is None
    (opened,) = http.get("/v1/exceptions", params={"type": "delivery_exception"}).json()["items"]
    assert (opened["order_id"], opened["details"]["tracking_number"], opened["allowed_actions"]) == (
        order_id,
        TRACKING,
        ["override"],
    )

    refused = http.post(f"/v1/exceptions/{opened['id']}/resolve", json={"action": "retry", "actor": "ops"})
    closed = http.post(
        f"/v1/exceptions/{opened['id']}/resolve",
        json={"action": "override", "actor": "ops", "note": "re-delivery booked"},
    )

    assert refused.status_code == 409 and closed.status_code in (200, 202), closed.text
    with container.engine.connect() as c:
        assert c.scalar(sa.select(order_exceptions.c.status).where(order_exceptions.c.id == opened["id"])) == "resolved"


def test_unsigned_and_unknown_events_are_kept_in_quarantine(http: TestClient, container: Container) -> None:
    shipped_order(http)
    forged = send(http, "delivered", secret="not-the-secret")
    unknown = send(http, "delivered", tracking="NOT-OURS")

    assert forged.status_code == 401 and forged.json()["error"]["code"] == "invalid_signature"
    assert unknown.status_code == 200 and unknown.json()["outcome"] == "quarantined"
    with container.engine.connect() as c:
        kept = c.execute(
            sa.select(inbound_messages.c.status, inbound_messages.c.reason).where(
                inbound_messages.c.channel == "easypost"
            )
        ).all()
    assert sorted(tuple(row) for row in kept) == [("quarantined", "invalid_signature"), ("quarantined", "not_found")]


def test_a_stores_stock_count_is_closed_by_an_operator_without_a_workflow(container: Container) -> None:
    from overture.domain.inventory import Location, LocationKind
    from overture.services import inventory

    store = Location("STORE-1", "Store 1", 40.75, -73.99, LocationKind.STORE, postal_code="10001")
    inventory.add_location(container.uow, store, clock=container.clock)
    add_skus(container, "MUG")
    stock(container, "MUG", "STORE-1", 1)
    with TestClient(create_app(container)) as client:
        sold = b"store,receipt,sku,quantity,unit_price\nSTORE-1,77,MUG,3,10\n"  # 3 sold, the book held 1
        assert (
            client.post("/v1/channels/pos/batches", content=sold, headers={"Content-Type": "text/csv"}).status_code
            == 200
        )
        (count,) = client.get("/v1/exceptions", params={"type": "stock_count"}).json()["items"]
        closed = client.post(
            f"/v1/exceptions/{count['id']}/resolve", json={"action": "override", "actor": "ana", "note": "2 found"}
        )
        assert closed.status_code in (200, 202), closed.text
        assert client.get("/v1/exceptions", params={"type": "stock_count", "status": "open"}).json()["items"] == []
