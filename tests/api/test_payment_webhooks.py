"""The payment provider's webhooks, on SQLite and PostgreSQL: a signed Event about one of our
authorisations updates it and is noted on its order, once per event id; an Event whose figure
disagrees with the ledger says so; a forged one is refused and nothing is kept."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.channels.stripe_events import signature_header
from overture.services.ports.money import PaymentRecord
from overture.services.retry import in_transaction
from overture.store.tables import inbound_messages, payments
from tests.factories import add_locations, add_skus, order_payload, stock

SECRET = "whsec_overture_simulator"


def _order_with_payment(client: TestClient, container: Container) -> str:
    add_locations(container, ["EWR"])
    add_skus(container, "A")
    stock(container, "A", "EWR", 5)
    order_id = str(client.post("/v1/orders", json=order_payload(("A", 1))).json()["id"])
    record = PaymentRecord(
        "pi_123", order_id, "stripe", "pm_card_visa", "requires_capture", 999, "USD", datetime.now(UTC)
    )
    in_transaction(container.uow, lambda uow: uow.money.add_payment(record))
    return order_id


def _event(kind: str, **fields: Any) -> bytes:
    intent = {
        "id": "pi_123",
        "object": "payment_intent",
        "amount": 999,
        "currency": "usd",
        "status": "succeeded",
        "amount_capturable": 0,
        "amount_received": 0,
        "metadata": {},
        **fields,
    }
    body = {
        "id": "evt_1",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "api_version": "2025-02-24.acacia",
        "data": {"object": intent},
    }
    return json.dumps(body).encode()


def _post(client: TestClient, body: bytes, secret: str = SECRET) -> Any:
    signature = signature_header(body, secret, timestamp=int(time.time()))
    return client.post(
        "/v1/webhooks/payments",
        content=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


def test_a_confirmation_is_recorded_once_and_a_disagreement_is_said(client: TestClient, container: Container) -> None:
    order_id = _order_with_payment(client, container)
    body = _event("payment_intent.succeeded", amount_received=999)
    first = _post(client, body)
    assert first.status_code == 200, first.text
    assert first.json()["outcome"] == "recorded" and first.json()["order_id"] == order_id
    assert "9.99 USD captured, the ledger 0.00: the two disagree" in first.json()["note"]
    assert _post(client, body).json()["outcome"] == "duplicate"
    with container.engine.connect() as c:
        assert c.scalar(sa.select(payments.c.status).where(payments.c.intent_id == "pi_123")) == "succeeded"
    notes = [
        e["note"] for e in client.get(f"/v1/orders/{order_id}").json()["timeline"] if "evt_1" in str(e.get("note", ""))
    ]
    assert len(notes) == 1


def test_a_forged_event_is_refused_and_nothing_is_kept(client: TestClient, container: Container) -> None:
    _order_with_payment(client, container)
    answer = _post(client, _event("payment_intent.succeeded"), secret="whsec_someone_else")
    assert answer.status_code == 401
    with container.engine.connect() as c:
        assert c.scalar(sa.select(sa.func.count()).where(inbound_messages.c.channel == "stripe")) == 0
