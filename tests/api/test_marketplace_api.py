"""The marketplace over HTTP, on SQLite and PostgreSQL: a seller key sees only its own offers and
sub-orders and nothing else of the hub; offers by CSV with per-row errors; a payment webhook delivered
three times (and a second event for the same authorisation) splits the order once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.channels.stripe_events import signature_header
from overture.domain.access import Role
from overture.services.access import create_key
from overture.services.marketplace import split
from overture.services.ports.money import PaymentRecord
from overture.services.retry import in_transaction, read_only
from tests.factories import order_payload
from tests.services.marketplace.builders import approved_seller, offer

SECRET = "whsec_overture_simulator"


def _key(container: Container, role: Role, channel: str | None = None) -> dict[str, str]:
    token = create_key(container.uow, container.clock, role=role, name=f"{role.value}-{channel}", channel=channel).token
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def secured(auth_container: Container) -> Iterator[TestClient]:
    for seller_id in ("acme", "bolt"):
        approved_seller(auth_container, seller_id)
    offer(auth_container, "acme", "KETTLE", "20.00", 5)
    offer(auth_container, "bolt", "MUG", "8.00", 5)
    with TestClient(create_app(auth_container)) as client:
        yield client


def _marketplace_order(client: TestClient, headers: dict[str, str]) -> str:
    payload = order_payload(("KETTLE", 1), ("MUG", 2))
    payload["lines"][0]["unit_price"], payload["lines"][1]["unit_price"] = "20.00", "8.00"
    answer = client.post("/v1/orders", json=payload, headers=headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def test_a_seller_key_sees_its_own_and_nothing_else(secured: TestClient, auth_container: Container) -> None:
    operator = _key(auth_container, Role.OPERATOR)
    acme, bolt = _key(auth_container, Role.SELLER, "acme"), _key(auth_container, Role.SELLER, "bolt")
    order_id = _marketplace_order(secured, operator)
    split.split_order(auth_container.uow, order_id, clock=auth_container.clock)
    mine = secured.get("/v1/seller/orders", headers=acme).json()["orders"]
    assert [o["id"] for o in mine] == [f"{order_id}-A"] and mine[0]["lines"][0]["sku"] == "KETTLE"
    assert secured.get(f"/v1/seller/orders/{order_id}-B", headers=acme).status_code == 404  # bolt's
    assert secured.post(f"/v1/seller/orders/{order_id}-B/accept", json={}, headers=acme).status_code == 404
    assert [o["sku"] for o in secured.get("/v1/seller/offers", headers=bolt).json()["offers"]] == ["MUG"]
    for path in (f"/v1/orders/{order_id}", "/v1/sellers", "/v1/exceptions", "/v1/sellers/acme/statements"):
        assert secured.get(path, headers=acme).status_code == 403, path
    assert secured.post("/v1/orders", json=order_payload(("MUG", 1)), headers=acme).status_code == 403
    assert secured.get("/v1/seller/orders", headers=operator).status_code == 403  # sellers' routes are theirs
    accepted = secured.post(f"/v1/seller/orders/{order_id}-A/accept", json={}, headers=acme)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    again = secured.post(f"/v1/seller/orders/{order_id}-A/accept", json={"lines": [1]}, headers=acme)
    assert again.status_code == 409 and "already accepted" in again.text


def test_offers_by_csv_apply_the_good_rows_and_name_the_bad(secured: TestClient, auth_container: Container) -> None:
    acme = _key(auth_container, Role.SELLER, "acme")
    body = (
        b"sku,gtin,title,price,quantity,lead_time_days\n"
        b"PAN,4006381333931,Steel pan 28cm,31.50,4,3\n"
        b"POT,4006381333932,Bad check digit,10.00,1,2\n"
        b"LID,,Glass lid,-2,1,2\n"
        b"BOWL,,Bowl,4.00,many,2\n"
    )
    answer = secured.post("/v1/seller/offers/csv", content=body, headers={**acme, "Content-Type": "text/csv"})
    assert answer.status_code == 207, answer.text
    report = answer.json()
    assert (report["created"], report["refused"]) == (1, 3)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(2, "gtin"), (3, "price"), (4, "quantity")]
    offers = {o["sku"]: o for o in secured.get("/v1/seller/offers", headers=acme).json()["offers"]}
    assert offers["PAN"]["price"] == "31.50" and offers["PAN"]["lead_time_days"] == 3


def _webhook(client: TestClient, event_id: str, intent: str, amount: int) -> Any:
    body = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "payment_intent.amount_capturable_updated",
            "created": int(time.time()),
            "api_version": "2025-02-24.acacia",
            "data": {
                "object": {
                    "id": intent,
                    "object": "payment_intent",
                    "amount": amount,
                    "currency": "usd",
                    "status": "requires_capture",
                    "amount_capturable": amount,
                    "amount_received": 0,
                    "metadata": {},
                }
            },
        }
    ).encode()
    signature = signature_header(body, SECRET, timestamp=int(time.time()))
    return client.post(
        "/v1/webhooks/payments",
        content=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


def test_a_payment_webhook_delivered_three_times_splits_once(secured: TestClient, auth_container: Container) -> None:
    order_id = _marketplace_order(secured, _key(auth_container, Role.OPERATOR))
    record = PaymentRecord(
        "pi_m1", order_id, "stripe", "pm_card_visa", "requires_payment_method", 3600, "USD", datetime.now(UTC)
    )
    in_transaction(auth_container.uow, lambda uow: uow.money.add_payment(record))
    outcomes = [_webhook(secured, "evt_1", "pi_m1", 3600).json()["outcome"] for _ in range(3)]
    assert outcomes == ["recorded", "duplicate", "duplicate"]
    assert _webhook(secured, "evt_2", "pi_m1", 3600).json()["outcome"] == "recorded"  # a second event, same money
    assert split.split_order(auth_container.uow, order_id, clock=auth_container.clock) == [
        f"{order_id}-A",
        f"{order_id}-B",
    ]
    subs = read_only(auth_container.uow, lambda uow: uow.marketplace.sub_orders_of(order_id))
    opened = read_only(auth_container.uow, lambda uow: uow.outbox.pending(split.TOPIC, 100))
    assert len(subs) == 2 and len(opened) == 2
    lines = read_only(auth_container.uow, lambda uow: uow.marketplace.lines_of_order(order_id))
    assert sorted((x.sub_order_id, x.status.value) for x in lines) == [
        (f"{order_id}-A", "pending"),
        (f"{order_id}-B", "pending"),
    ]
