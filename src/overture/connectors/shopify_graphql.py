"""Shopify's Admin GraphQL API as a connector: one endpoint, answers read as contracts, cost throttled.

Wire format (JSON), as Shopify's Admin API documents it::

    POST /admin/api/<version>/graphql.json   X-Shopify-Access-Token: <token>
         {"query": "...", "variables": {...}}
         -> {"data": {...}, "errors": [...]?, "extensions": {"cost": {"requestedQueryCost": 12,
             "actualQueryCost": 10, "throttleStatus": {"maximumAvailable": 1000.0,
             "currentlyAvailable": 990, "restoreRate": 50.0}}}}

Shopify limits an app per shop by calculated query cost, a leaky bucket of points: a call must find
its requested cost available, and the bucket refills at ``restoreRate`` points a second. A throttled
call is still HTTP 200, with ``errors[].extensions.code == "THROTTLED"`` and no data. So each
connector (one per shop) keeps :class:`CostBucket` from the figures of every answer: it waits before
a call the bucket cannot pay for, and on THROTTLED waits the refill time and tries again, at most
``max_throttled_retries`` times, then raises ``ThrottledError`` with that wait as ``retry_after``.

Other top-level ``errors`` are raised as ``PermanentConnectorError`` (a query Shopify will not run:
bad syntax, a field unknown in the pinned version, access denied), except ``INTERNAL_SERVER_ERROR``,
which is retryable. A 401 (``{"errors": "[API] Invalid API key or access token ..."}``), 5xx and 429
are mapped by connectors/http.py like every connector's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from overture.connectors.contracts import Contract, raw_text
from overture.connectors.http import ConnectorConfig, HttpConnector
from overture.services.ports.connector_errors import (
    ConnectorError,
    PermanentConnectorError,
    RetryableConnectorError,
    ThrottledError,
)

DEFAULT_API_VERSION = "2025-01"  # has fulfillmentCreate(fulfillment: FulfillmentInput!); pinned in settings
THROTTLED = "THROTTLED"
_RETRYABLE_CODES = frozenset({"INTERNAL_SERVER_ERROR"})
_FIRST_GUESS = 50.0  # points asked of the bucket before Shopify has told us what a query costs
_BACKOFF_S = 0.05  # the least wait after a THROTTLED answer, doubling each retry

D = TypeVar("D", bound=BaseModel)


def graphql_path(version: str) -> str:
    return f"/admin/api/{version}/graphql.json"


class ShopifyContract(Contract):
    """A contract on Shopify's camelCase field names (read by alias; drift is reported by those names)."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True, alias_generator=to_camel)


class ThrottleStatus(ShopifyContract):
    maximum_available: float
    currently_available: float
    restore_rate: float


class QueryCost(ShopifyContract):
    requested_query_cost: float
    actual_query_cost: float | None = None  # null when the call was throttled
    throttle_status: ThrottleStatus


class Extensions(ShopifyContract):
    cost: QueryCost | None = None


class ErrorExtensions(ShopifyContract):
    code: str = ""


class GraphqlError(ShopifyContract):
    message: str
    extensions: ErrorExtensions | None = None

    @property
    def code(self) -> str:
        return self.extensions.code if self.extensions is not None else ""


class Answer(ShopifyContract, Generic[D]):
    """A GraphQL answer: ``data`` as the operation's own contract; ``errors`` and the cost beside it."""

    data: D | None = None
    errors: list[GraphqlError] | None = None
    extensions: Extensions | None = None


class CostBucket:
    """Shopify's bucket for one shop as we last saw it, refilling at its restore rate in between.

    A call reserves its expected cost first (waiting until that much is back); every answer then sets
    the figures Shopify states, which are the truth. There is no lock (a connector may serve more than
    one event loop): concurrent calls may overshoot a little, and Shopify's THROTTLED settles that."""

    def __init__(
        self,
        *,
        maximum: float = 1000.0,
        restore_rate: float = 50.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.maximum = maximum
        self.restore_rate = restore_rate
        self._available = maximum
        self._clock = clock
        self._sleep = sleep
        self._seen_at = clock()
        self.waited_s = 0.0  # in total, for the tests and the logs

    @property
    def available(self) -> float:
        elapsed = max(0.0, self._clock() - self._seen_at)
        return min(self.maximum, self._available + elapsed * self.restore_rate)

    def refill_time(self, cost: float) -> float:
        """Seconds until ``cost`` points are available (0 if they are now)."""
        cost = min(cost, self.maximum)
        return max(0.0, (cost - self.available) / self.restore_rate) if self.restore_rate > 0 else 0.0

    async def reserve(self, cost: float) -> None:
        wait = self.refill_time(cost)
        if wait > 0:
            self.waited_s += wait
            await self._sleep(wait)
        self._available = self.available - min(cost, self.maximum)
        self._seen_at = self._clock()

    async def pause(self, seconds: float) -> None:
        if seconds > 0:
            self.waited_s += seconds
            await self._sleep(seconds)

    def observe(self, status: ThrottleStatus) -> None:
        self.maximum = status.maximum_available
        self.restore_rate = status.restore_rate
        self._available = status.currently_available
        self._seen_at = self._clock()


class ShopifyGraphql(HttpConnector):
    """Calls to one shop's Admin GraphQL API (``config.base_url`` is ``https://<shop>.myshopify.com``)."""

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        access_token: str,
        api_version: str = DEFAULT_API_VERSION,
        max_throttled_retries: int = 3,
        bucket: CostBucket | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(config, transport=transport, headers={"X-Shopify-Access-Token": access_token})
        self.api_version = api_version
        self.path = graphql_path(api_version)
        self.bucket = bucket or CostBucket(sleep=sleep)
        self._max_retries = max_throttled_retries
        self._costs: dict[str, float] = {}  # operation -> the cost Shopify last asked for it

    async def execute(self, model: type[D], query: str, variables: dict[str, Any], *, operation: str) -> D:
        """Run one query or mutation and return its ``data`` read as ``model`` (ApiDriftError if it does
        not fit); THROTTLED is waited out and retried, other errors raised (see the module docstring)."""
        answer_model = Answer[model]  # type: ignore[valid-type]
        body = {"query": query, "variables": variables}
        for attempt in range(self._max_retries + 1):
            await self.bucket.reserve(self._costs.get(operation, _FIRST_GUESS))
            answer: Answer[D] = await self._read(answer_model, "POST", self.path, json=body, operation=operation)
            cost = answer.extensions.cost if answer.extensions is not None else None
            if cost is not None:
                self.bucket.observe(cost.throttle_status)
                self._costs[operation] = cost.requested_query_cost
            if not _throttled(answer):
                return self._data_of(answer, operation)
            # Counted like a 429; the next reserve() waits until the bucket holds the call's cost again.
            wait = self.bucket.refill_time(self._costs.get(operation, _FIRST_GUESS))
            throttled = ThrottledError(
                f"throttled by cost {attempt + 1} time(s); the bucket refills in {wait:.1f}s",
                connector=self.name,
                operation=operation,
                retry_after=wait,
            )
            self._count_failure(throttled)
            if attempt == self._max_retries:
                raise throttled
            # Shopify states its bucket as it answers, after it refused: a figure already back above the
            # cost (a slow answer) would have us retry at once, and again; back off a little each time.
            await self.bucket.pause(max(0.0, _BACKOFF_S * 2**attempt - wait))
        raise AssertionError("unreachable")  # pragma: no cover

    def _data_of(self, answer: Answer[D], operation: str) -> D:
        if answer.errors:
            messages = "; ".join(f"{e.code or 'error'}: {e.message}" for e in answer.errors)
            kind = RetryableConnectorError if any(e.code in _RETRYABLE_CODES for e in answer.errors) else None
            if kind is not None:
                raise self._failed(kind(messages, connector=self.name, operation=operation))
            raise self._failed(PermanentConnectorError(messages, connector=self.name, operation=operation))
        if answer.data is None:
            raise self._malformed(operation, f"answer has neither data nor errors: {raw_text(answer.model_dump())}")
        return answer.data

    def _failed(self, error: ConnectorError) -> ConnectorError:
        """An error found in a 200 answer, counted on the connector like one http.py raised."""
        self._count_failure(error)
        return error


def _throttled(answer: Answer[Any]) -> bool:
    return any(e.code == THROTTLED for e in answer.errors or ())
