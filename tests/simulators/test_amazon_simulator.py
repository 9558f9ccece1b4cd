"""The SP-API Orders simulator: pagination, filters, throttling like SP-API, auth, faults, seeded data.

Most tests call the app in-process (TestClient); the last ones serve it over real HTTP to the real connector.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from overture.channels.amazon import command_total, translate
from overture.connectors.amazon import AmazonLimits, AmazonOrdersConnector, OperationLimit
from overture.connectors.http import ConnectorConfig
from overture.domain.money import Money
from overture.services.ports.connector_errors import PermanentConnectorError
from overture.simulators import SimulatorServer
from overture.simulators.__main__ import _parser
from overture.simulators.amazon import TokenBucket, create_amazon_app
from overture.simulators.amazon_seed import seed_orders

US = "ATVPDKIKX0DER"
FAST = (1000.0, 1000)
ORDERS = "/orders/v0/orders"


def simulator(orders: list[dict[str, Any]] | None = None, **options: Any) -> TestClient:
    options.setdefault("get_orders_limit", FAST)
    options.setdefault("get_order_items_limit", FAST)
    return TestClient(create_amazon_app(orders=orders if orders is not None else seed_orders(5), **options))


def list_orders(client: TestClient, **params: str) -> httpx.Response:
    return client.get(ORDERS, params={"CreatedAfter": "2024-01-01T00:00:00Z", "MarketplaceIds": US, **params})


def ids(response: httpx.Response) -> list[str]:
    return [o["AmazonOrderId"] for o in response.json()["payload"]["Orders"]]


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["code"]
    return code


# ---- getOrders ------------------------------------------------------------------------------------


def test_orders_come_in_pages_joined_by_next_tokens() -> None:
    seeded = seed_orders(5)
    client = simulator(seeded, page_size=2)
    pages, token = [], None
    while True:
        response = list_orders(client, **({"NextToken": token} if token else {}))
        assert response.status_code == 200
        pages.append(ids(response))
        token = response.json()["payload"].get("NextToken")
        if token is None:
            break
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [i for page in pages for i in page] == [e["order"]["AmazonOrderId"] for e in seeded]  # oldest first


def test_max_results_per_page_overrides_the_page_size() -> None:
    client = simulator(page_size=2)
    assert len(ids(list_orders(client, MaxResultsPerPage="4"))) == 4
    assert error_code(list_orders(client, MaxResultsPerPage="101")) == "InvalidInput"


def test_a_token_keeps_the_list_it_was_cut_from() -> None:
    client = simulator(seed_orders(3), page_size=2)
    first = list_orders(client)
    newcomer = seed_orders(1, seed=99, start=datetime(2024, 6, 1, tzinfo=UTC))[0]
    client.post("/_orders", json={"orders": [newcomer]}).raise_for_status()
    rest = list_orders(client, NextToken=first.json()["payload"]["NextToken"])
    assert len(ids(first) + ids(rest)) == 3 and newcomer["order"]["AmazonOrderId"] not in ids(rest)
    assert newcomer["order"]["AmazonOrderId"] in ids(list_orders(client))  # a new listing sees it, first


def test_filters_by_creation_date_update_date_and_marketplace() -> None:
    seeded = seed_orders(4) + seed_orders(1, marketplace_id="A1PA6795UKMFR9", seed=3)
    client = simulator(seeded)
    third = seeded[2]["order"]["PurchaseDate"]
    assert ids(list_orders(client, CreatedAfter=third)) == [e["order"]["AmazonOrderId"] for e in seeded[2:4]]
    by_update = client.get(ORDERS, params={"LastUpdatedAfter": third, "MarketplaceIds": US})
    assert len(ids(by_update)) == 2
    both = list_orders(client, MarketplaceIds=f"{US},A1PA6795UKMFR9")
    assert len(ids(both)) == 5


@pytest.mark.parametrize(
    "params",
    [
        {"CreatedAfter": "2024-01-01T00:00:00Z"},
        {"MarketplaceIds": US},
        {"CreatedAfter": "yesterday", "MarketplaceIds": US},
        {"CreatedAfter": "2024-01-01T00:00:00Z", "MarketplaceIds": US, "NextToken": "made-up"},
    ],
)
def test_bad_queries_get_invalid_input_like_the_sandbox(params: dict[str, str]) -> None:
    response = simulator().get(ORDERS, params=params)
    assert (response.status_code, error_code(response)) == (400, "InvalidInput")


# ---- getOrderItems ------------------------------------------------------------------------------------


def test_items_come_in_pages_too() -> None:
    entry = seed_orders(1, skus=("A", "B", "C"), seed=5)[0]
    entry["items"] = entry["items"] * 3  # enough lines for three pages
    client = simulator([entry], items_page_size=2)
    order_id = entry["order"]["AmazonOrderId"]
    path = f"{ORDERS}/{order_id}/orderItems"
    first = client.get(path).json()["payload"]
    assert first["AmazonOrderId"] == order_id and len(first["OrderItems"]) == 2
    second = client.get(path, params={"NextToken": first["NextToken"]}).json()["payload"]
    assert second["OrderItems"] == entry["items"][2:4]


def test_items_of_an_unknown_order_are_not_found() -> None:
    response = simulator().get(f"{ORDERS}/000-0000000-0000000/orderItems")
    assert (response.status_code, error_code(response)) == (404, "NotFound")


def test_a_pending_order_has_items_without_prices() -> None:
    pending = seed_orders(4)[3]
    assert pending["order"]["OrderStatus"] == "Pending"
    client = simulator([pending])
    [item] = client.get(f"{ORDERS}/{pending['order']['AmazonOrderId']}/orderItems").json()["payload"]["OrderItems"][:1]
    assert "ItemPrice" not in item and "ItemTax" not in item and item["QuantityOrdered"] >= 1


# ---- throttling, auth, faults, control -------------------------------------------------------------------


def test_an_empty_bucket_answers_429_quota_exceeded_with_the_rate_header() -> None:
    client = simulator(get_orders_limit=(0.0167, 2))
    assert [list_orders(client).status_code for _ in range(3)] == [200, 200, 429]
    throttled = list_orders(client)
    assert error_code(throttled) == "QuotaExceeded"
    assert throttled.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    assert "Retry-After" not in throttled.headers  # SP-API does not say when
    assert client.get("/_stats").json()["throttled"] == {"getOrders": 2}
    # getOrderItems has its own bucket.
    order_id = seed_orders(1)[0]["order"]["AmazonOrderId"]
    assert client.get(f"{ORDERS}/{order_id}/orderItems").status_code == 200


def test_every_answer_carries_a_request_id_and_the_rate() -> None:
    response = list_orders(simulator(get_orders_limit=(2.5, 5)))
    assert response.headers["x-amzn-RateLimit-Limit"] == "2.5"
    assert response.headers["x-amzn-RequestId"]


def test_the_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(0.5, 2, clock=lambda: now[0])
    assert [bucket.try_take() for _ in range(3)] == [True, True, False]
    now[0] = 1.9
    assert not bucket.try_take()
    now[0] = 2.0
    assert bucket.try_take()


def test_limits_and_page_sizes_change_at_runtime_and_reset_restores_them() -> None:
    client = simulator(get_orders_limit=(0.0167, 1))
    assert list_orders(client).status_code == 200 and list_orders(client).status_code == 429
    config = {"page_size": 1, "limits": {"getOrders": {"rate_per_s": 1000, "burst": 10}}}
    client.post("/_config", json=config).raise_for_status()
    assert list_orders(client).status_code == 200 and len(ids(list_orders(client))) == 1
    unknown = {"limits": {"getOrderBuyerInfo": {"rate_per_s": 1, "burst": 1}}}
    assert client.post("/_config", json=unknown).status_code == 422
    client.post("/_orders", json={"orders": seed_orders(1, seed=42)}).raise_for_status()
    client.post("/_reset").raise_for_status()
    assert client.get("/_config").json()["limits"]["getOrders"] == {"rate_per_s": 0.0167, "burst": 1}
    assert len(client.get("/_records").json()["orders"]) == 5


def test_an_access_token_is_required_when_configured() -> None:
    client = simulator(access_token="Atza|right")
    denied = list_orders(client)
    assert (denied.status_code, error_code(denied)) == (403, "Unauthorized")
    allowed = client.get(
        ORDERS,
        params={"CreatedAfter": "2024-01-01T00:00:00Z", "MarketplaceIds": US},
        headers={"x-amz-access-token": "Atza|right"},
    )
    assert allowed.status_code == 200


def test_injected_faults_answer_first_and_are_counted() -> None:
    client = simulator()
    client.post("/_faults", json={"operation": "getOrders", "fail_first": 1, "status": 503}).raise_for_status()
    assert [list_orders(client).status_code for _ in range(2)] == [503, 200]
    stats = client.get("/_stats").json()["getOrders"]
    assert (stats["calls"], stats["faulted"]) == (2, 1)


def test_orders_added_must_have_the_required_fields() -> None:
    response = simulator().post("/_orders", json={"orders": [{"order": {"AmazonOrderId": "1"}, "items": []}]})
    assert response.status_code == 422


# ---- the seeded orders ---------------------------------------------------------------------------


def test_seeded_orders_add_up_to_their_order_total() -> None:
    seeded = seed_orders(40)
    priced = [entry for entry in seeded if entry["order"]["OrderStatus"] != "Pending"]
    assert len(priced) == 36
    for entry in priced:
        total = entry["order"]["OrderTotal"]
        assert command_total(translate(orjson.dumps(entry))) == Money(total["Amount"], total["CurrencyCode"])


def test_seeding_is_deterministic_and_spread_over_statuses() -> None:
    assert seed_orders(10) == seed_orders(10)
    statuses = [entry["order"]["OrderStatus"] for entry in seed_orders(10)]
    assert statuses.count("Unshipped") == 7 and {"Pending", "Canceled", "Shipped"} <= set(statuses)
    assert all(entry["order"]["OrderStatus"] == "Unshipped" for entry in seed_orders(10, statuses=False))


def test_command_line_knows_the_amazon_simulator() -> None:
    args = _parser().parse_args(["amazon", "--orders", "30", "--page-size", "5"])
    assert (args.system, args.orders, args.page_size) == ("amazon", 30, 5)


# ---- over real HTTP, with the real connector --------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[SimulatorServer]:
    app = create_amazon_app(
        orders=seed_orders(7),
        page_size=2,
        items_page_size=1,
        get_orders_limit=(10.0, 1),
        get_order_items_limit=FAST,
        access_token="Atza|t",
    )
    with SimulatorServer(app) as server:
        yield server


def connector(url: str, *, token: str = "Atza|t") -> AmazonOrdersConnector:
    # Asks for more than the simulator allows: its 429s and rate header have to slow the connector down.
    limits = AmazonLimits(get_orders=OperationLimit(1000, 50), get_order_items=OperationLimit(1000, 50))
    return AmazonOrdersConnector(ConnectorConfig("amazon", url), access_token=token, limits=limits)


def test_the_connector_pages_through_the_simulator_despite_throttling(served: SimulatorServer) -> None:
    httpx.post(f"{served.url}/_reset").raise_for_status()

    async def scenario() -> tuple[list[str], list[list[str]], int]:
        async with connector(served.url) as amazon:
            found = [o["AmazonOrderId"] async for o in amazon.iter_orders(datetime(2024, 1, 1, tzinfo=UTC), [US])]
            items = [[i["SellerSKU"] for i in await amazon.all_order_items(order_id)] for order_id in found]
            return found, items, amazon.stats.throttled

    found, items, throttled = asyncio.run(scenario())
    seeded = seed_orders(7)
    assert found == [entry["order"]["AmazonOrderId"] for entry in seeded]
    assert items == [[i["SellerSKU"] for i in entry["items"]] for entry in seeded]
    stats = httpx.get(f"{served.url}/_stats").json()
    # A burst of one at 10 a second: the connector's second call comes far sooner than 100 ms after its first.
    assert throttled == stats["throttled"]["getOrders"] >= 1
    assert stats["getOrders"]["calls"] == 4 + throttled  # four pages, each throttled call tried again


def test_a_wrong_token_is_a_permanent_error(served: SimulatorServer) -> None:
    async def scenario() -> None:
        async with connector(served.url, token="Atza|stale") as amazon:
            await amazon.get_orders(datetime.now(UTC) - timedelta(days=1), [US])

    with pytest.raises(PermanentConnectorError, match="Unauthorized"):
        asyncio.run(scenario())
