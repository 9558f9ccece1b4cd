"""``GET /metrics`` scraped from the app and parsed with prometheus_client's own parser.

Each figure is checked against the store it describes (orders by channel and status, open
exceptions) or against what the test did (connector outcomes against the WMS simulator's
injected faults, request counts). Process-wide counters are compared before and after, since
other tests in the session add to them too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.connectors.http import ConnectorConfig
from overture.connectors.wms import WmsConnector
from overture.domain.exceptions import ExceptionType, OrderException, default_actions, default_severity
from overture.domain.ids import new_id
from overture.services.errors import ConflictError
from overture.services.ports import UnitOfWork
from overture.services.ports.connector_errors import RetryableConnectorError, ThrottledError
from overture.services.ports.wms import ReleaseLine, WmsRelease
from overture.services.retry import in_transaction
from overture.simulators.server import SimulatorServer
from overture.simulators.wms import create_wms_app
from overture.store.tables import order_exceptions, orders
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.observability.scraping import scrape, value


def test_orders_and_exceptions_match_the_store(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "SKU-1")
    stock(container, "SKU-1", "EWR", 100)
    before = scrape(client)
    for channel, sku in [("web", "SKU-1"), ("web", "SKU-1"), ("amazon", "SKU-1"), ("web", "NOPE")]:
        response = client.post("/v1/orders", json=order_payload((sku, 1), channel=channel))
        assert response.status_code == 201, response.text
    order_id = response.json()["id"]
    assert client.get(f"/v1/orders/{order_id}").status_code == 200

    after = scrape(client)
    with container.engine.connect() as c:
        in_store = c.execute(
            sa.select(orders.c.channel, orders.c.status, sa.func.count()).group_by(orders.c.channel, orders.c.status)
        ).all()
        open_by_type = c.execute(
            sa.select(order_exceptions.c.type, sa.func.count())
            .where(order_exceptions.c.status == "open")
            .group_by(order_exceptions.c.type)
        ).all()
    exposed = {(s.labels["channel"], s.labels["status"]): s.value for s in after["overture_orders"]}
    assert exposed == {(channel, status): float(count) for channel, status, count in in_store}
    assert sum(exposed.values()) == 4
    assert ("web", "on_hold") in exposed  # the unknown SKU held its order
    assert {s.labels["type"]: s.value for s in after["overture_exceptions"]} == {
        kind: float(count) for kind, count in open_by_type
    }
    raised = value(after, "overture_exceptions_raised_total", type="unknown_sku")
    assert raised - value(before, "overture_exceptions_raised_total", type="unknown_sku") == 1

    # No dispatcher runs here, so the four order.placed rows wait: the lag is their age, not zero.
    lag = value(after, "overture_outbox_lag_seconds")
    assert 0 < lag < 60

    # Requests are labelled by route template, never by the raw path with its id.
    posted = value(after, "overture_http_requests_total", method="POST", route="/v1/orders", status="201")
    assert posted - value(before, "overture_http_requests_total", method="POST", route="/v1/orders", status="201") == 4
    assert value(after, "overture_http_requests_total", method="GET", route="/v1/orders/{order_id}", status="200") >= 1
    assert not [s for s in after["overture_http_requests_total"] if order_id in s.labels["route"]]
    assert value(after, "overture_http_request_seconds_count", method="POST", route="/v1/orders") >= 4


def test_an_unknown_path_is_one_series_not_one_per_path(client: TestClient) -> None:
    client.get("/no/such/thing-1")
    client.get("/no/such/thing-2")
    routes = {s.labels["route"] for s in scrape(client)["overture_http_requests_total"]}
    assert "unmatched" in routes
    assert not any(route.startswith("/no/such") for route in routes)


@pytest.fixture(scope="module")
def wms_url() -> Iterator[str]:
    with SimulatorServer(create_wms_app(ship_delay_s=60)) as server:
        yield server.url


def a_release(order_id: str) -> WmsRelease:
    return WmsRelease(order_id, "EWR", [ReleaseLine(1, "SKU-1", 1)], {"postal_code": "10001"}, None)


def test_connector_calls_count_throttling_timeouts_and_latency(client: TestClient, wms_url: str) -> None:
    httpx.post(f"{wms_url}/_reset", timeout=5).raise_for_status()
    # The first release is refused with 429, the next one hangs past the client's timeout, the third succeeds.
    plan = {"operation": "release", "fail_first": 1, "status": 429, "retry_after": 1}
    httpx.post(f"{wms_url}/_faults", json=plan, timeout=5).raise_for_status()
    before = scrape(client)

    async def calls() -> None:
        config = ConnectorConfig(name="wms", base_url=wms_url, timeout_s=0.3)
        async with WmsConnector(config) as wms:
            with pytest.raises(ThrottledError):
                await wms.release(a_release("o-1"), idempotency_key="o-1:release")
            httpx.post(
                f"{wms_url}/_faults", json={"operation": "release", "timeout_first": 1, "hang_s": 2}, timeout=5
            ).raise_for_status()
            with pytest.raises(RetryableConnectorError) as timed_out:
                await wms.release(a_release("o-2"), idempotency_key="o-2:release")
            assert not isinstance(timed_out.value, ThrottledError)
            await wms.release(a_release("o-3"), idempotency_key="o-3:release")

    asyncio.run(calls())
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("overture_connector_calls_total", connector="wms", outcome="throttled") == 1
    assert delta("overture_connector_calls_total", connector="wms", outcome="timeout") == 1
    assert delta("overture_connector_calls_total", connector="wms", outcome="ok") == 1
    assert delta("overture_connector_calls_total", connector="wms", outcome="error") == 0
    assert delta("overture_connector_call_seconds_count", connector="wms") == 3
    buckets = [s for s in after["overture_connector_call_seconds_bucket"] if s.labels["connector"] == "wms"]
    assert {s.labels["le"] for s in buckets} >= {"0.005", "0.5", "+Inf"}
    # The timed-out call took at least the 0.3 s timeout, so it is above the 0.25 s bucket.
    assert (
        delta("overture_connector_call_seconds_bucket", connector="wms", le="+Inf")
        - delta("overture_connector_call_seconds_bucket", connector="wms", le="0.25")
        >= 1
    )


def _exception_on(order_id: str, at: datetime) -> OrderException:
    kind = ExceptionType.SLA_BREACH
    return OrderException(
        id=new_id("exc"),
        order_id=order_id,
        type=kind,
        step="ship",
        reason="late",
        severity=default_severity(kind),
        allowed_actions=default_actions(kind),
        details={},
        created_at=at,
    )


def test_a_retried_or_rolled_back_transaction_counts_what_it_committed_once(
    client: TestClient, container: Container
) -> None:
    """Metrics are counted after the commit: not for work rolled back, once for work retried."""
    add_skus(container, "SKU-1")
    order_id = client.post("/v1/orders", json=order_payload(("SKU-1", 1))).json()["id"]
    before = value(scrape(client), "overture_exceptions_raised_total", type="sla_breach")

    with container.uow() as uow:  # left without a commit: rolled back
        uow.fulfilment.add_exception(_exception_on(order_id, container.clock()))
    attempts = []

    def conflicting_once(uow: UnitOfWork) -> None:
        uow.fulfilment.add_exception(_exception_on(order_id, container.clock()))
        attempts.append(1)
        if len(attempts) == 1:
            raise ConflictError("another writer got there first")

    in_transaction(container.uow, conflicting_once)

    assert len(attempts) == 2
    after = value(scrape(client), "overture_exceptions_raised_total", type="sla_breach")
    assert after - before == 1
