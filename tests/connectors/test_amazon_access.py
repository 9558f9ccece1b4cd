"""SP-API access as in production, against the simulator over HTTP: LWA access tokens from the refresh token
(reused, renewed when they lapse or are revoked, refused by name), the buyer's address behind a Restricted
Data Token, and the sandbox's documented static answers read as they are (tests/connectors/fixtures/amazon,
PROVENANCE.md)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from overture.channels.amazon import translate
from overture.connectors.amazon import AmazonLimits, AmazonOrdersConnector, OperationLimit
from overture.connectors.amazon_auth import LwaCredentials, LwaTokens, RdtAnswer, _LwaAnswer
from overture.connectors.amazon_source import AmazonOrderSource
from overture.connectors.contracts import expect
from overture.connectors.http import ConnectorConfig
from overture.services.ports.connector_errors import ApiDriftError, PermanentConnectorError
from overture.simulators import SimulatorServer
from overture.simulators.amazon import create_amazon_app
from overture.simulators.amazon_auth import LwaAuthority
from overture.simulators.amazon_seed import seed_orders
from overture.simulators.amazon_shipping import Refused, confirm

T = TypeVar("T")
FIXTURES = Path(__file__).parent / "fixtures" / "amazon"
FAST = OperationLimit(1000, 1000)
LIMITS = AmazonLimits(FAST, FAST, FAST, FAST, FAST, FAST)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def authority() -> LwaAuthority:
    return LwaAuthority()


@pytest.fixture
def amazon(authority: LwaAuthority) -> Iterator[SimulatorServer]:
    app = create_amazon_app(orders=seed_orders(3), lwa=authority, restricted_addresses=True)
    with SimulatorServer(app) as server:
        yield server


@asynccontextmanager
async def connected(
    url: str, authority: LwaAuthority, *, secret: str | None = None
) -> AsyncIterator[AmazonOrdersConnector]:
    credentials = LwaCredentials(authority.client_id, secret or authority.client_secret, authority.refresh_token)
    tokens = LwaTokens(ConnectorConfig("amazon-lwa", url), credentials)
    async with tokens, AmazonOrdersConnector(ConnectorConfig("amazon", url), tokens=tokens, limits=LIMITS) as connector:
        yield connector


def run(url: str, authority: LwaAuthority, work: Callable[[AmazonOrdersConnector], Awaitable[T]], **kw: Any) -> T:
    async def scenario() -> T:
        async with connected(url, authority, **kw) as connector:
            return await work(connector)

    return asyncio.run(scenario())


def first_order_id(url: str) -> str:
    held = httpx.get(f"{url}/_records", timeout=5).json()["orders"]
    value: str = held[0]["order"]["AmazonOrderId"]
    return value


def test_one_access_token_serves_many_calls_and_a_revoked_one_is_renewed_once(
    amazon: SimulatorServer, authority: LwaAuthority
) -> None:
    order_id = first_order_id(amazon.url)

    async def work(connector: AmazonOrdersConnector) -> list[str]:
        statuses = [str((await connector.get_order(order_id))["OrderStatus"]) for _ in range(3)]
        httpx.post(f"{amazon.url}/_lwa/expire", timeout=5).raise_for_status()  # the seller re-authorised
        statuses.append(str((await connector.get_order(order_id))["OrderStatus"]))
        return statuses

    assert run(amazon.url, authority, work) == ["Unshipped"] * 4
    assert authority.exchanges == 2  # once at first, once after SP-API's 403 on the revoked token
    stats = httpx.get(f"{amazon.url}/_stats", timeout=5).json()
    assert stats["getOrder"]["calls"] == 5  # 3 + the refused one + its retry


def test_a_token_is_renewed_a_minute_before_it_lapses() -> None:
    now = [0.0]
    authority = LwaAuthority(lifetime_s=120, clock=lambda: now[0])
    with SimulatorServer(create_amazon_app(orders=seed_orders(1), lwa=authority)) as server:
        order_id = first_order_id(server.url)

        async def scenario() -> None:
            credentials = LwaCredentials(authority.client_id, authority.client_secret, authority.refresh_token)
            tokens = LwaTokens(ConnectorConfig("lwa", server.url), credentials, clock=lambda: now[0])
            async with (
                tokens,
                AmazonOrdersConnector(ConnectorConfig("a", server.url), tokens=tokens, limits=LIMITS) as c,
            ):
                await c.get_order(order_id)
                now[0] = 59.0  # lifetime 120 s: kept until 60 s before it lapses
                await c.get_order(order_id)
                assert tokens.exchanges == 1
                now[0] = 61.0
                await c.get_order(order_id)
                assert tokens.exchanges == 2

        asyncio.run(scenario())
    assert authority.exchanges == 2


def test_a_refused_refresh_token_or_client_is_permanent_and_says_what_to_do(
    amazon: SimulatorServer, authority: LwaAuthority
) -> None:
    with pytest.raises(PermanentConnectorError, match="invalid_client"):
        run(amazon.url, authority, lambda c: c.get_order("x"), secret="wrong")
    revoked = LwaAuthority(refresh_token="Atzr|revoked")
    with pytest.raises(PermanentConnectorError) as raised:
        run(amazon.url, revoked, lambda c: c.get_order("x"))
    assert "invalid_grant" in str(raised.value) and "re-authorise the app in Seller Central" in str(raised.value)
    assert "simulator-secret" not in str(raised.value)


def test_the_address_comes_from_get_order_address_with_a_restricted_data_token(
    amazon: SimulatorServer, authority: LwaAuthority
) -> None:
    order_id = first_order_id(amazon.url)
    listed = run(amazon.url, authority, lambda c: c.get_order(order_id))
    assert set(listed["ShippingAddress"]) == {"City", "StateOrRegion", "PostalCode", "CountryCode"}

    address = run(amazon.url, authority, lambda c: c.get_order_address(order_id))

    assert address is not None and address["AddressLine1"] and address["Name"]
    # The plain access token is not enough for the restricted operation.
    token = run(amazon.url, authority, lambda c: c._tokens.access_token())
    refused = httpx.get(f"{amazon.url}/orders/v0/orders/{order_id}/address", headers={"x-amz-access-token": token})
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "Unauthorized"


def test_a_pulled_message_carries_the_address_and_translates(amazon: SimulatorServer, authority: LwaAuthority) -> None:
    async def work(connector: AmazonOrdersConnector) -> list[bytes]:
        source = AmazonOrderSource(connector, ["ATVPDKIKX0DER"], channel="amazon")
        listed = [o async for o in source.orders_since(datetime(2025, 1, 1, tzinfo=UTC)) if o.skip_reason is None]
        return [await source.message(o) for o in listed]

    messages = run(amazon.url, authority, work)

    assert messages
    for body in messages:
        assert json.loads(body)["address"]["AddressLine1"]
        command = translate(body)
        assert command.ship_to.line1 and command.ship_to.name


def test_a_drifted_address_answer_is_api_drift_with_the_raw_answer(
    amazon: SimulatorServer, authority: LwaAuthority
) -> None:
    order_id = first_order_id(amazon.url)
    drift = {"operation": "getOrderAddress", "rename_fields": {"payload": "Payload"}}
    httpx.post(f"{amazon.url}/_faults", json=drift, timeout=5).raise_for_status()
    with pytest.raises(ApiDriftError) as raised:
        run(amazon.url, authority, lambda c: c.get_order_address(order_id))
    assert raised.value.problems == ("payload: missing or not an object",)
    assert '"Payload": {"AmazonOrderId"' in raised.value.raw


# ---- the sandbox's documented answers ------------------------------------------------------------


def test_the_sandbox_order_with_its_items_and_address_is_captured_at_its_total() -> None:
    (order,) = [
        o for o in fixture("sandbox_get_orders")["payload"]["Orders"] if o["AmazonOrderId"] == "902-1845936-5435065"
    ]
    items = fixture("sandbox_get_order_items")["payload"]["OrderItems"]
    address = fixture("sandbox_get_order_address")["payload"]["ShippingAddress"]
    assert "ShippingAddress" not in order  # the listing carries none: it takes getOrderAddress

    command = translate(json.dumps({"order": order, "items": items, "address": address}).encode())

    assert command.external_id == "902-1845936-5435065" and command.currency == "USD"
    assert (command.ship_to.line1, command.ship_to.city, command.ship_to.postal_code) == (
        "2201 WESTLAKE AVE",
        "SEATTLE",
        "98121-2778",
    )
    total = sum(x.unit_price * x.quantity for x in command.lines) + sum(c.amount for c in command.charges)
    assert total == command.declared_total == Decimal("11.01")


def test_the_documented_token_answers_fit_what_we_read() -> None:
    lwa = expect(_LwaAnswer, fixture("lwa_token"), connector="amazon-lwa", operation="lwa_token")
    assert lwa.access_token.startswith("Atza|") and lwa.expires_in == 3600
    rdt = expect(RdtAnswer, fixture("sandbox_restricted_data_token"), connector="amazon", operation="rdt")
    assert rdt.token.startswith("Atz.sprdt|")
    with pytest.raises(ApiDriftError, match="access_token: missing"):
        expect(_LwaAnswer, fixture("lwa_invalid_grant"), connector="amazon-lwa", operation="lwa_token")


def test_the_sandbox_confirmation_body_is_one_our_simulator_accepts() -> None:
    body = fixture("sandbox_confirm_shipment_request")
    item = {"OrderItemId": "79039765272157", "SellerSKU": "S", "QuantityOrdered": 1, "QuantityShipped": 0}
    entry = {
        "order": {"AmazonOrderId": "902-1106328-1059050", "OrderStatus": "Unshipped", "MarketplaceId": "ATVPDKIKX0DER"},
        "items": [item],
    }
    kept: list[dict[str, Any]] = []
    confirm(entry, body, kept)
    assert entry["order"]["OrderStatus"] == "Shipped" and item["QuantityShipped"] == 1 and len(kept) == 1
    # Its 400 case: the same body with a shipDate that is not ISO 8601.
    bad = {**body, "packageDetail": {**body["packageDetail"], "shipDate": "02/21/2022"}}
    entry["order"]["OrderStatus"] = "Unshipped"
    item["QuantityShipped"] = 0
    with pytest.raises(Refused) as refused:
        confirm(entry, bad, kept)
    assert refused.value.code == fixture("sandbox_confirm_shipment_400")["errors"][0]["code"]
