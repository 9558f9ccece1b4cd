"""The SP-API Orders connector against httpx.MockTransport: pagination, pacing, 429 retries, errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

import httpx
import pytest

from overture.connectors.amazon import (
    GET_ORDER_ITEMS,
    GET_ORDERS,
    AmazonLimits,
    AmazonOrdersConnector,
    OperationLimit,
    iso_utc,
    parse_rate_limit,
)
from overture.connectors.http import ConnectorConfig
from overture.services.ports.connector_errors import PermanentConnectorError, RetryableConnectorError, ThrottledError

T = TypeVar("T")
SINCE = datetime(2025, 1, 1, tzinfo=UTC)
FAST = AmazonLimits(get_orders=OperationLimit(1000, 100), get_order_items=OperationLimit(1000, 100))
Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


class Server:
    """Answers requests in turn from a list, and remembers them."""

    def __init__(self, *answers: Answer) -> None:
        self.requests: list[httpx.Request] = []
        self._answers = list(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self._answers.pop(0)
        return answer(request) if callable(answer) else answer

    def params(self, index: int) -> dict[str, str]:
        return dict(self.requests[index].url.params)


def orders_page(ids: list[str], token: str | None = None, **headers: str) -> httpx.Response:
    payload: dict[str, Any] = {"Orders": [{"AmazonOrderId": i, "OrderStatus": "Unshipped"} for i in ids]}
    if token is not None:
        payload["NextToken"] = token
    return httpx.Response(200, json={"payload": payload}, headers=headers)


def items_page(order_id: str, skus: list[str], token: str | None = None) -> httpx.Response:
    payload: dict[str, Any] = {"AmazonOrderId": order_id, "OrderItems": [{"SellerSKU": s} for s in skus]}
    if token is not None:
        payload["NextToken"] = token
    return httpx.Response(200, json={"payload": payload})


def throttled(**headers: str) -> httpx.Response:
    body = {"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}]}
    return httpx.Response(429, json=body, headers=headers)


def run(
    server: Server,
    work: Callable[[AmazonOrdersConnector], Awaitable[T]],
    *,
    limits: AmazonLimits = FAST,
    sleeps: list[float] | None = None,
) -> T:
    async def record_sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    async def scenario() -> T:
        config = ConnectorConfig("amazon", "https://sp.test")
        async with AmazonOrdersConnector(
            config, access_token="Atza|token", limits=limits, transport=httpx.MockTransport(server), sleep=record_sleep
        ) as connector:
            return await work(connector)

    return asyncio.run(scenario())


async def collect(connector: AmazonOrdersConnector) -> list[str]:
    return [order["AmazonOrderId"] async for order in connector.iter_orders(SINCE, ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"])]


# ---- requests and pagination -------------------------------------------------------------------


def test_orders_are_followed_across_pages_until_next_token_runs_out() -> None:
    server = Server(orders_page(["1", "2"], "t1"), orders_page(["3", "4"], "t2"), orders_page(["5"], ""))
    assert run(server, collect) == ["1", "2", "3", "4", "5"]

    assert len(server.requests) == 3
    first = server.requests[0]
    assert (first.method, first.url.path) == ("GET", "/orders/v0/orders")
    assert first.headers["x-amz-access-token"] == "Atza|token"
    assert server.params(0) == {
        "CreatedAfter": "2025-01-01T00:00:00Z",
        "MarketplaceIds": "ATVPDKIKX0DER,A2EUQ1WTGCTBG2",
    }
    # SP-API wants the filters again beside the token.
    assert server.params(1) == {**server.params(0), "NextToken": "t1"}
    assert server.params(2)["NextToken"] == "t2"


def test_one_page_is_returned_with_its_token() -> None:
    server = Server(orders_page(["1"], "next"))
    page = run(server, lambda c: c.get_orders(SINCE, ["ATVPDKIKX0DER"], next_token="given"))
    assert ([o["AmazonOrderId"] for o in page.orders], page.next_token) == (["1"], "next")
    assert server.params(0)["NextToken"] == "given"


def test_all_items_of_an_order_are_gathered_from_every_page() -> None:
    server = Server(items_page("902-1", ["A", "B"], "i1"), items_page("902-1", ["C"]))
    items = run(server, lambda c: c.all_order_items("902-1"))
    assert [item["SellerSKU"] for item in items] == ["A", "B", "C"]
    assert [r.url.path for r in server.requests] == ["/orders/v0/orders/902-1/orderItems"] * 2
    assert server.params(0) == {} and server.params(1) == {"NextToken": "i1"}


def test_a_token_served_twice_is_refused_instead_of_looping() -> None:
    server = Server(orders_page(["1"], "same"), orders_page(["2"], "same"))
    with pytest.raises(PermanentConnectorError, match="came back twice"):
        run(server, collect)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json={"Orders": []}),  # not wrapped in payload
        httpx.Response(200, json={"payload": {"Orders": "none"}}),
        httpx.Response(200, json={"payload": {"Orders": [1, 2]}}),
    ],
)
def test_an_answer_without_a_list_of_orders_is_malformed(answer: httpx.Response) -> None:
    with pytest.raises(PermanentConnectorError):
        run(Server(answer), collect)


def test_dates_are_sent_in_utc_and_naive_ones_refused() -> None:
    assert iso_utc(datetime(2025, 1, 1, 2, 30, tzinfo=timezone(timedelta(hours=2)))) == "2025-01-01T00:30:00Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        iso_utc(datetime(2025, 1, 1))


def test_no_marketplace_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="marketplace"):
        run(Server(), lambda c: c.get_orders(SINCE, []))


# ---- errors other than throttling: raised at once, for the caller's retry policy -----------------------


def test_a_bad_request_is_permanent_and_says_what_amazon_said() -> None:
    body = {"errors": [{"code": "InvalidInput", "message": "Invalid Input"}]}
    server = Server(httpx.Response(400, json=body))
    with pytest.raises(PermanentConnectorError, match="InvalidInput") as caught:
        run(server, collect)
    assert (caught.value.status, caught.value.operation) == (400, GET_ORDERS)


def test_a_server_error_is_raised_without_retrying() -> None:
    server = Server(httpx.Response(503, json={"errors": []}), orders_page(["1"]))
    with pytest.raises(RetryableConnectorError) as caught:
        run(server, collect)
    assert not isinstance(caught.value, ThrottledError)
    assert len(server.requests) == 1


# ---- 429: retried here, a bounded number of times -----------------------------------------------------------


def test_throttled_calls_are_retried_with_growing_waits_until_they_pass() -> None:
    sleeps: list[float] = []
    server = Server(throttled(), throttled(), throttled(), orders_page(["1"]))
    assert run(server, collect, sleeps=sleeps) == ["1"]
    assert len(server.requests) == 4
    # No Retry-After (SP-API sends none): one refill of the drained bucket, plus 0, 1, 3 refills more.
    assert sleeps == [0.0, 1 / 1000, 3 / 1000]


def test_after_a_429_the_bucket_is_empty_so_the_retry_waits_a_refill() -> None:
    # Our bucket still held 100 tokens; Amazon's did not. Retrying at once would only be refused again.
    limits = AmazonLimits(get_orders=OperationLimit(20, 100), follow_rate_header=False)
    server = Server(throttled(), orders_page(["1"]))
    started = time.perf_counter()
    assert run(server, collect, limits=limits) == ["1"]
    assert time.perf_counter() - started >= 0.045  # one token at 20 a second


def test_a_retry_after_header_is_obeyed() -> None:
    sleeps: list[float] = []
    server = Server(throttled(**{"Retry-After": "2"}), items_page("902-1", ["A"]))
    run(server, lambda c: c.all_order_items("902-1"), sleeps=sleeps)
    assert sleeps == [2.0]


def test_throttling_that_outlasts_the_retries_is_raised_for_the_caller() -> None:
    limits = AmazonLimits(get_orders=OperationLimit(1000, 100), max_throttle_retries=2)
    server = Server(throttled(), throttled(), throttled(), orders_page(["never"]))
    with pytest.raises(ThrottledError) as caught:
        run(server, collect, limits=limits)
    assert len(server.requests) == 3
    assert caught.value.status == 429


def test_a_wait_longer_than_allowed_is_not_slept_through() -> None:
    limits = AmazonLimits(get_orders=OperationLimit(1000, 100), max_throttle_wait_s=5)
    sleeps: list[float] = []
    server = Server(throttled(**{"Retry-After": "60"}), orders_page(["1"]))
    with pytest.raises(ThrottledError) as caught:
        run(server, collect, limits=limits, sleeps=sleeps)
    assert (caught.value.retry_after, sleeps, len(server.requests)) == (60.0, [], 1)


def test_throttled_calls_are_counted() -> None:
    async def work(connector: AmazonOrdersConnector) -> tuple[int, int]:
        await collect(connector)
        return connector.stats.calls, connector.stats.throttled

    assert run(Server(throttled(), orders_page(["1"])), work) == (2, 1)


# ---- pacing ------------------------------------------------------------------------------------------


def test_calls_are_paced_at_the_operation_rate_after_the_burst() -> None:
    limits = AmazonLimits(get_orders=OperationLimit(50, 2), follow_rate_header=False)
    server = Server(*(orders_page([str(n)], f"t{n}") for n in range(5)), orders_page(["5"]))
    started = time.perf_counter()
    assert len(run(server, collect, limits=limits)) == 6
    # Two at once, then four more at 50 a second: at least 80 ms, and nowhere near a real SP-API pace.
    assert 0.075 <= time.perf_counter() - started < 2.0


def test_each_operation_has_its_own_bucket() -> None:
    limits = AmazonLimits(get_orders=OperationLimit(0.001, 1), get_order_items=OperationLimit(1000, 100))

    async def work(connector: AmazonOrdersConnector) -> list[str]:
        await connector.get_orders(SINCE, ["ATVPDKIKX0DER"])
        # getOrders' bucket is now empty for 1000 s; items must not wait on it.
        items = await asyncio.wait_for(connector.all_order_items("902-1"), timeout=2)
        return [item["SellerSKU"] for item in items]

    server = Server(orders_page(["1"]), items_page("902-1", ["A"]))
    assert run(server, work, limits=limits) == ["A"]


def test_the_rate_amazon_reports_replaces_the_configured_one() -> None:
    async def work(connector: AmazonOrdersConnector) -> tuple[float, float, float]:
        before = connector.rate_of(GET_ORDERS)
        await connector.get_orders(SINCE, ["ATVPDKIKX0DER"])
        return before, connector.rate_of(GET_ORDERS), connector.rate_of(GET_ORDER_ITEMS)

    server = Server(orders_page(["1"], **{"x-amzn-RateLimit-Limit": "0.0167"}))
    assert run(server, work) == (1000.0, 0.0167, 1000.0)


def test_the_reported_rate_is_ignored_when_told_to() -> None:
    limits = AmazonLimits(get_orders=OperationLimit(7, 1), follow_rate_header=False)

    async def work(connector: AmazonOrdersConnector) -> float:
        await connector.get_orders(SINCE, ["ATVPDKIKX0DER"])
        return connector.rate_of(GET_ORDERS)

    assert run(Server(orders_page(["1"], **{"x-amzn-RateLimit-Limit": "0.5"})), work, limits=limits) == 7.0


@pytest.mark.parametrize(
    ("header", "rate"),
    [("0.5", 0.5), (" 20 ", 20.0), ("0", None), ("-1", None), ("fast", None), ("inf", None), (None, None)],
)
def test_rate_limit_header_parsing(header: str | None, rate: float | None) -> None:
    assert parse_rate_limit(header) == rate
