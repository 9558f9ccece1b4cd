"""The HTTP base shared by outbound connectors: rate limiting, error mapping and counters.

A connector owns one ``httpx.AsyncClient``; tests pass an ``httpx.MockTransport`` as
``transport`` so no network is needed. Every call waits on the connector's token bucket,
carries an ``Idempotency-Key`` when given one, and turns every failure into one of the
errors in :mod:`overture.services.ports.connector_errors`. Retrying is left to the caller (Temporal's
retry policy), which is why the connector itself never retries. Each call is also counted in
Prometheus by connector and outcome (ok, error, throttled, timeout) and timed, in one place here
so every connector is measured alike.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import urlencode

import httpx
from httpx_aiohttp import AiohttpTransport
from pydantic import BaseModel

from overture.connectors.contracts import expect, raw_text
from overture.observability import tracing
from overture.observability.health import record_call
from overture.observability.metrics import CONNECTOR_CALLS, CONNECTOR_SECONDS
from overture.services.ports.connector_errors import (
    ApiDriftError,
    ConnectorError,
    PermanentConnectorError,
    RetryableConnectorError,
    ThrottledError,
)

_BODY_EXCERPT = 200
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


def default_transport() -> httpx.AsyncBaseTransport:
    """httpx's interface on aiohttp's connection pool and C HTTP parser, the transport every
    connector uses unless given another.

    httpx's own transport (httpcore and h11, pure Python) spent about 1.7 ms of CPU a call on
    loopback with 20 calls in flight, this one 0.4-0.55 ms: per order 4-5 ms of the worker's
    CPU (benchmarks/README.md). aiohttp's errors come back as httpx's (a read that times out
    as ``httpx.ReadTimeout``, a refused connection as ``httpx.ConnectError``), so the mapping
    in :meth:`HttpConnector._call` holds for both."""
    return AiohttpTransport()


@dataclass(frozen=True)
class ConnectorConfig:
    name: str
    base_url: str
    timeout_s: float = 5.0
    rate_per_s: float = 100.0
    burst: int = 20

    def __post_init__(self) -> None:
        if self.timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {self.timeout_s}")
        if self.rate_per_s <= 0:
            raise ValueError(f"rate_per_s must be positive, got {self.rate_per_s}")
        if self.burst < 1:
            raise ValueError(f"burst must be at least 1, got {self.burst}")


class RateLimiter:
    """A token bucket: ``burst`` calls at once, then ``rate_per_s`` calls a second.

    Waiters queue on one lock, so they are served in arrival order and never overshoot the rate.
    """

    def __init__(self, rate_per_s: float, burst: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate_per_s
        self._capacity = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._updated = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
                self._updated = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self._rate)


@dataclass
class ConnectorStats:
    """Counters for one connector; ``errors`` includes the throttled calls."""

    calls: int = 0
    errors: int = 0
    throttled: int = 0
    last_success_at: datetime | None = None
    latency_sum_s: float = 0.0
    last_error: str | None = None

    @property
    def mean_latency_s(self) -> float:
        return self.latency_sum_s / self.calls if self.calls else 0.0

    def snapshot(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_success_at"] = self.last_success_at.isoformat() if self.last_success_at else None
        data["mean_latency_s"] = self.mean_latency_s
        return data


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta seconds or an HTTP date; None if absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class HttpConnector:
    """Base of the HTTP connectors: subclasses add typed operations on top of :meth:`_call`."""

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.config = config
        self.stats = ConnectorStats()
        self._limiter = RateLimiter(config.rate_per_s, config.burst)
        self._client = httpx.AsyncClient(
            base_url=config.base_url,
            timeout=config.timeout_s,
            transport=transport or default_transport(),
            headers={"User-Agent": f"overture-connector/{config.name}", **(headers or {})},
        )
        tracing.instrument_client(self._client)  # its transport is aiohttp's: the global patch misses it

    @property
    def name(self) -> str:
        return self.config.name

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        idempotency_key: str | None = None,
        params: dict[str, str | int] | None = None,
        operation: str | None = None,
        form: Sequence[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send one request and return the decoded JSON object, or raise a ConnectorError.

        ``form`` sends an ``application/x-www-form-urlencoded`` body instead of JSON (Stripe's API
        reads only that); pairs, so a key may repeat (``expand[]``). ``headers`` are this call's own
        (an access token obtained per call, a correlation id)."""
        op = operation or f"{method} {path}"
        return await self._send(
            method, path, op, _as_is, json=json, key=idempotency_key, params=params, form=form, headers=headers
        )

    async def _read(
        self,
        model: type[M],
        method: str,
        path: str,
        *,
        operation: str,
        json: Any = None,
        idempotency_key: str | None = None,
        params: dict[str, str | int] | None = None,
        form: Sequence[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> M:
        """As :meth:`_call`, the answer read as ``model`` (connectors/contracts.py): an answer that does
        not fit raises ``ApiDriftError`` and counts as a drifted call on the health page."""

        def read(answer: dict[str, Any]) -> M:
            return expect(model, answer, connector=self.name, operation=operation)

        return await self._send(
            method, path, operation, read, json=json, key=idempotency_key, params=params, form=form, headers=headers
        )

    async def _send(
        self,
        method: str,
        path: str,
        operation: str,
        read: Callable[[dict[str, Any]], R],
        *,
        json: Any,
        key: str | None,
        params: dict[str, str | int] | None,
        form: Sequence[tuple[str, str]] | None,
        headers: dict[str, str] | None,
    ) -> R:
        headers = dict(headers or {})
        if key is not None:
            headers["Idempotency-Key"] = key
        content: bytes | None = None
        if form is not None:
            content = urlencode(form).encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        await self._limiter.acquire()
        self.stats.calls += 1
        started = time.perf_counter()
        outcome = "error"  # anything not caught below (cancellation included) counts as an error
        failure: ConnectorError | None = None
        try:
            response = await self._client.request(
                method, path, json=json, content=content, headers=headers, params=params
            )
            decoded = read(self._decode(response, operation))
            outcome = "ok"
            return decoded
        except ConnectorError as error:
            outcome = _outcome_of(error)
            failure = error
            self._count_failure(error)
            raise
        except httpx.UnsupportedProtocol as error:  # a wrong base URL will not fix itself
            failure = self._error(PermanentConnectorError, operation, f"bad URL: {error}")
        except httpx.TimeoutException as error:
            outcome = "timeout"
            failure = self._error(RetryableConnectorError, operation, f"timed out ({type(error).__name__})")
        except httpx.TransportError as error:
            failure = self._error(RetryableConnectorError, operation, f"{type(error).__name__}: {error}")
        except httpx.HTTPError as error:
            failure = self._error(PermanentConnectorError, operation, f"{type(error).__name__}: {error}")
        finally:
            elapsed = time.perf_counter() - started
            self.stats.latency_sum_s += elapsed
            CONNECTOR_CALLS.labels(self.name, outcome).inc()
            CONNECTOR_SECONDS.labels(self.name).observe(elapsed)
            # The same figures for the dashboard, whichever process makes the call (observability/health.py).
            record_call(self.name, outcome, elapsed, None if failure is None else str(failure))
        self._count_failure(failure)
        raise failure

    def _decode(self, response: httpx.Response, operation: str) -> dict[str, Any]:
        status = response.status_code
        if status >= 400:
            raise self._status_error(response, operation)
        try:
            data = response.json() if response.content else {}
        except ValueError:
            raise self._error(
                PermanentConnectorError, operation, f"answer is not JSON: {_excerpt(response)}", status=status
            ) from None
        if not isinstance(data, dict):
            raise self._error(PermanentConnectorError, operation, "answer is not a JSON object", status=status)
        self.stats.last_success_at = datetime.now(UTC)
        return data

    def _status_error(self, response: httpx.Response, operation: str) -> ConnectorError:
        status = response.status_code
        message = f"{response.reason_phrase or 'error'}: {_excerpt(response)}"
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        ctx: dict[str, Any] = {"connector": self.name, "operation": operation, "status": status}
        if status == 429:
            return ThrottledError(message, retry_after=retry_after, **ctx)
        if status >= 500 or status == 408:
            return RetryableConnectorError(message, retry_after=retry_after, **ctx)
        return PermanentConnectorError(message, **ctx)

    def _error(
        self, kind: type[ConnectorError], operation: str, message: str, *, status: int | None = None
    ) -> ConnectorError:
        return kind(message, connector=self.name, operation=operation, status=status)

    def _count_failure(self, error: ConnectorError) -> None:
        self.stats.errors += 1
        self.stats.last_error = str(error)
        if isinstance(error, ThrottledError):
            self.stats.throttled += 1

    def _field(self, data: dict[str, Any], key: str, operation: str) -> str:
        """A required non-empty string in an answer; a missing one is api drift, the answer kept."""
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise self._malformed(operation, f"answer lacks the string field {key!r}", answer=data)
        return value

    def _malformed(self, operation: str, message: str, *, answer: Any = None) -> ConnectorError:
        """A 2xx answer we cannot use, counted as a failed call: ``ApiDriftError`` with the answer kept when
        it is given (a field we read is not there or not what we read), else PermanentConnectorError."""
        if answer is None:
            error: ConnectorError = self._error(PermanentConnectorError, operation, message)
        else:
            error = ApiDriftError(
                f"api drift: {message}",
                connector=self.name,
                operation=operation,
                problems=(message,),
                raw=raw_text(answer),
            )
        self._count_failure(error)
        return error


def _as_is(answer: dict[str, Any]) -> dict[str, Any]:
    return answer


def _outcome_of(error: ConnectorError) -> str:
    if isinstance(error, ThrottledError):
        return "throttled"
    return "drift" if isinstance(error, ApiDriftError) else "error"


def _excerpt(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text if len(text) <= _BODY_EXCERPT else text[:_BODY_EXCERPT] + "..."
