"""The HTTP base of every connector, against httpx.MockTransport: error mapping, headers, rate limiting, stats."""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from overture.connectors.http import ConnectorConfig, HttpConnector, RateLimiter, parse_retry_after
from overture.services.ports.connector_errors import (
    ConnectorError,
    PermanentConnectorError,
    RetryableConnectorError,
    ThrottledError,
)

Handler = Callable[[httpx.Request], httpx.Response]


def call(handler: Handler, *, idempotency_key: str | None = "k-1", **config: Any) -> dict[str, Any]:
    async def scenario() -> dict[str, Any]:
        connector = HttpConnector(
            ConnectorConfig("test", "http://svc", **config), transport=httpx.MockTransport(handler)
        )
        try:
            return await connector._call("POST", "/v1/things", json={"a": 1}, idempotency_key=idempotency_key)
        finally:
            await connector.aclose()

    return asyncio.run(scenario())


def fail_with(error: Exception) -> ConnectorError:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(ConnectorError) as caught:
        call(handler)
    return caught.value


def answer_with(status: int, **kwargs: Any) -> ConnectorError:
    with pytest.raises(ConnectorError) as caught:
        call(lambda request: httpx.Response(status, **kwargs))
    return caught.value


def test_success_returns_the_decoded_object_and_sends_the_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": "X-1"})

    assert call(handler, idempotency_key="order-1:release") == {"id": "X-1"}
    assert seen[0].headers["Idempotency-Key"] == "order-1:release"
    assert seen[0].url == "http://svc/v1/things"
    assert seen[0].read() == b'{"a":1}'


def test_no_idempotency_key_header_without_a_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    call(handler, idempotency_key=None)
    assert "Idempotency-Key" not in seen[0].headers


def test_500_is_retryable() -> None:
    error = answer_with(500, text="boom")
    assert type(error) is RetryableConnectorError
    assert error.status == 500
    assert error.connector == "test"
    assert error.operation == "POST /v1/things"
    assert "boom" in str(error)


def test_503_retry_after_is_kept() -> None:
    error = answer_with(503, headers={"Retry-After": "7"})
    assert isinstance(error, RetryableConnectorError)
    assert error.retry_after == 7.0


def test_429_is_throttled_with_retry_after_seconds() -> None:
    error = answer_with(429, headers={"Retry-After": "2"})
    assert isinstance(error, ThrottledError)
    assert isinstance(error, RetryableConnectorError)
    assert error.retry_after == 2.0
    assert error.status == 429


def test_429_retry_after_as_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    error = answer_with(429, headers={"Retry-After": format_datetime(when, usegmt=True)})
    assert isinstance(error, ThrottledError)
    assert error.retry_after is not None
    assert 25 <= error.retry_after <= 31


def test_429_without_retry_after() -> None:
    error = answer_with(429)
    assert isinstance(error, ThrottledError)
    assert error.retry_after is None


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_other_4xx_are_permanent(status: int) -> None:
    error = answer_with(status, json={"error": "nope"})
    assert type(error) is PermanentConnectorError
    assert error.status == status


def test_timeout_is_retryable() -> None:
    error = fail_with(httpx.ReadTimeout("slow"))
    assert type(error) is RetryableConnectorError
    assert error.status is None
    assert "timed out" in str(error)


def test_connection_error_is_retryable() -> None:
    assert type(fail_with(httpx.ConnectError("refused"))) is RetryableConnectorError


def test_real_client_timeout_is_retryable() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(1)
        return httpx.Response(200, json={})

    class SlowTransport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            # The client's timeout only reaches a transport through the request extensions.
            timeout = request.extensions["timeout"]["read"]
            try:
                return await asyncio.wait_for(slow(request), timeout)
            except TimeoutError:
                raise httpx.ReadTimeout("read timed out", request=request) from None

    async def scenario() -> None:
        config = ConnectorConfig("slow", "http://svc", timeout_s=0.05)
        async with HttpConnector(config, transport=SlowTransport()) as connector:
            with pytest.raises(RetryableConnectorError):
                await connector._call("GET", "/")

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("response", "why"),
    [
        (httpx.Response(200, text="<html>"), "not JSON"),
        (httpx.Response(200, json=[1, 2]), "not a JSON object"),
    ],
)
def test_malformed_answers_are_permanent(response: httpx.Response, why: str) -> None:
    with pytest.raises(PermanentConnectorError, match=why):
        call(lambda request: response)


def test_empty_success_body_is_an_empty_object() -> None:
    assert call(lambda request: httpx.Response(204)) == {}


def test_stats_count_calls_errors_and_throttling() -> None:
    answers = iter(
        [httpx.Response(200, json={}), httpx.Response(429), httpx.Response(500), httpx.Response(200, json={})]
    )

    async def scenario() -> HttpConnector:
        connector = HttpConnector(
            ConnectorConfig("s", "http://svc"), transport=httpx.MockTransport(lambda r: next(answers))
        )
        for _ in range(4):
            with contextlib.suppress(ConnectorError):
                await connector._call("GET", "/")
        await connector.aclose()
        return connector

    stats = asyncio.run(scenario()).stats
    assert (stats.calls, stats.errors, stats.throttled) == (4, 2, 1)
    assert stats.last_success_at is not None
    assert stats.latency_sum_s > 0
    assert stats.snapshot()["mean_latency_s"] == pytest.approx(stats.latency_sum_s / 4)


def test_rate_limiter_spaces_calls() -> None:
    async def scenario() -> float:
        config = ConnectorConfig("r", "http://svc", rate_per_s=20, burst=1)
        async with HttpConnector(config, transport=httpx.MockTransport(lambda r: httpx.Response(200, json={}))) as c:
            started = time.monotonic()
            await asyncio.gather(*(c._call("GET", "/") for _ in range(5)))
            return time.monotonic() - started

    assert asyncio.run(scenario()) >= 0.19


def test_rate_limiter_allows_a_burst_at_once() -> None:
    async def scenario() -> float:
        limiter = RateLimiter(rate_per_s=1, burst=5)
        started = time.monotonic()
        for _ in range(5):
            await limiter.acquire()
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 0.1


def test_parse_retry_after() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 01 Jan 2025 00:00:10 GMT", now=now) == 10.0
    assert parse_retry_after("Tue, 31 Dec 2024 00:00:00 GMT", now=now) == 0.0


def test_config_is_checked() -> None:
    with pytest.raises(ValueError, match="burst"):
        ConnectorConfig("x", "http://svc", burst=0)
    with pytest.raises(ValueError, match="rate_per_s"):
        ConnectorConfig("x", "http://svc", rate_per_s=0)


def test_errors_keep_their_context_through_pickle() -> None:
    error = ThrottledError("slow down", connector="wms", operation="release", status=429, retry_after=2.0)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is ThrottledError
    assert (copy.connector, copy.operation, copy.status, copy.retry_after) == ("wms", "release", 429, 2.0)
    assert str(copy) == str(error) == "wms release (HTTP 429): slow down"
