"""Loop Returns' webhooks through the API, on SQLite and PostgreSQL: a signed ``return.created`` asks for
the return of a shipped Shopify order (once, however often delivered); a wrong signature is kept and
answered 401; other triggers are kept and acknowledged; what cannot become a return is quarantined."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import SecretStr

from overture.app import create_app
from overture.bootstrap import Container, bootstrap
from overture.channels.signatures import sign
from overture.config import Settings
from overture.domain.commands import LineRequest, PlaceOrder, Reference
from overture.domain.parties import Address, Customer
from overture.services.capture import capture_order
from overture.services.fulfilment import receive_shipment
from overture.services.plans import ShipmentRecord
from overture.services.ports import InboundMessage
from overture.store.tables import inbound_messages, returns
from tests.factories import add_locations, add_skus, stock

SECRET = "loop-webhook-secret"
FIXTURES = Path(__file__).parents[1] / "channels" / "fixtures" / "loop"
URL = "/v1/channels/loop/webhooks"


@pytest.fixture
def loop_container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    settings = Settings(home=tmp_path, database_url=database_url, auth="off", loop_webhook_secret=SecretStr(SECRET))
    built = bootstrap(settings, migrate=False)
    yield built
    built.close()


@pytest.fixture
def loop_client(loop_container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(loop_container)) as test_client:
        yield test_client


def _shipped_shopify_order(container: Container) -> str:
    """Shopify order 5840012345678 (#1042): two T-shirts, shipped."""
    add_locations(container, ["EWR"])
    add_skus(container, "TSHIRT-BLK-M", "TSHIRT-BLK-L")
    stock(container, "TSHIRT-BLK-M", "EWR", 10)
    stock(container, "TSHIRT-BLK-L", "EWR", 10)
    command = PlaceOrder(
        channel="shopify",
        external_id="5840012345678",
        customer=Customer("C-1", "Ann Buyer", "ann@example.com"),
        ship_to=Address("10001", "US", "Ann Buyer", "1 Main St", city="New York", region="NY"),
        currency="USD",
        lines=(LineRequest("TSHIRT-BLK-M", 2, Decimal("25.00")),),
        references=(Reference("shopify", "order_name", "#1042"),),
    )
    message = InboundMessage("shopify", b"{}", container.clock())
    result = capture_order(
        message,
        lambda _body: command,
        idempotency_key=None,
        uow_factory=container.uow,
        geocoder=container.geocoder,
        clock=container.clock,
    )
    order_id = result.order.id
    record = ShipmentRecord("shp_" + order_id, order_id, "EWR", "ups", "1Z999AA10123456784", container.clock(), [])
    shipped = InboundMessage("wms", json.dumps({"order_id": order_id}).encode(), container.clock())
    receive_shipment(container.uow, shipped, lambda _body: record, clock=container.clock)
    return order_id


def _post(client: TestClient, body: bytes, *, signature: str | None = None) -> Any:
    headers = {"Content-Type": "application/json", "X-Loop-Signature": signature or sign(SECRET, body)}
    return client.post(URL, content=body, headers=headers)


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _messages(container: Container) -> list[tuple[str, str | None, str | None]]:
    m = inbound_messages.c
    with container.engine.connect() as c:
        rows = c.execute(sa.select(m.status, m.reason, m.order_id).where(m.channel == "loop").order_by(m.received_at))
        return [(r.status, r.reason, r.order_id) for r in rows]


def _returns(container: Container) -> int:
    with container.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(returns)).scalar_one())


def test_a_created_return_is_asked_for_once_however_often_delivered(
    loop_client: TestClient, loop_container: Container
) -> None:
    order_id = _shipped_shopify_order(loop_container)
    body = _fixture("return_created.json")

    first = _post(loop_client, body)
    assert first.status_code == 201, first.text
    answer = first.json()
    assert (answer["outcome"], answer["order_id"], answer["channel"], answer["external_id"]) == (
        "created",
        order_id,
        "loop",
        "1673",
    )
    assert answer["settlement"] == "refund" and answer["status"] == "approved"
    ((line),) = answer["lines"]  # two units of one order line
    assert (line["line_no"], line["sku"], line["quantity"], line["reason"]) == (1, "TSHIRT-BLK-M", 2, "size_or_fit")

    again = _post(loop_client, body)
    assert again.status_code == 200, again.text
    assert (again.json()["outcome"], again.json()["id"]) == ("duplicate", answer["id"])
    assert _returns(loop_container) == 1
    assert _messages(loop_container) == [("accepted", None, order_id), ("duplicate", None, order_id)]


def test_the_order_is_found_by_its_shopify_name_when_its_id_is_not_sent(
    loop_client: TestClient, loop_container: Container
) -> None:
    order_id = _shipped_shopify_order(loop_container)
    document = json.loads(_fixture("return_created.json"))
    del document["provider_order_id"]
    answer = _post(loop_client, json.dumps(document).encode())
    assert answer.status_code == 201, answer.text
    assert answer.json()["order_id"] == order_id


def test_an_exchange_names_its_replacement(loop_client: TestClient, loop_container: Container) -> None:
    _shipped_shopify_order(loop_container)
    answer = _post(loop_client, _fixture("return_created_exchange.json"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["settlement"] == "exchange"
    assert answer.json()["lines"][0]["exchange_sku"] == "TSHIRT-BLK-L"


def test_a_wrong_signature_is_kept_in_quarantine_and_answered_401(
    loop_client: TestClient, loop_container: Container
) -> None:
    _shipped_shopify_order(loop_container)
    body = _fixture("return_created.json")
    answer = _post(loop_client, body, signature=sign("not-the-secret", body))
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] == "invalid_signature"
    missing = loop_client.post(URL, content=body, headers={"Content-Type": "application/json"})
    assert missing.status_code == 401
    assert _returns(loop_container) == 0
    assert _messages(loop_container) == [("quarantined", "invalid_signature", None)] * 2


@pytest.mark.parametrize("name", ["return_updated.json", "return_closed.json"])
def test_other_triggers_are_kept_with_the_order_and_acknowledged(
    name: str, loop_client: TestClient, loop_container: Container
) -> None:
    order_id = _shipped_shopify_order(loop_container)
    assert _post(loop_client, _fixture("return_created.json")).status_code == 201
    answer = _post(loop_client, _fixture(name))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["outcome"], answer.json()["order_id"]) == ("recorded", order_id)
    assert _returns(loop_container) == 1
    assert _messages(loop_container)[-1] == ("accepted", None, order_id)


def test_what_cannot_become_a_return_is_quarantined_with_the_reason(
    loop_client: TestClient, loop_container: Container
) -> None:
    _shipped_shopify_order(loop_container)
    document = json.loads(_fixture("return_created.json"))
    document["line_items"][0]["outcome"] = "donate"
    unreadable = _post(loop_client, json.dumps(document).encode())
    assert unreadable.status_code == 200, unreadable.text
    assert unreadable.json()["outcome"] == "quarantined"
    assert unreadable.json()["errors"][0]["field"] == "line_items[0].outcome"

    document = json.loads(_fixture("return_created.json"))
    document["provider_order_id"], document["order_name"] = "999", "#9999"
    unknown = _post(loop_client, json.dumps(document).encode())
    assert unknown.status_code == 200, unknown.text
    assert unknown.json()["errors"][0]["code"] == "not_found"

    document = json.loads(_fixture("return_created.json"))
    document["line_items"][0]["quantity"] = 5
    too_many = _post(loop_client, json.dumps(document).encode())
    assert too_many.status_code == 200, too_many.text
    assert too_many.json()["errors"][0]["field"] == "lines[0].quantity"

    assert _returns(loop_container) == 0
    reasons = [reason for status, reason, _ in _messages(loop_container)]
    assert reasons == ["validation_failed", "not_returnable", "validation_failed"]
