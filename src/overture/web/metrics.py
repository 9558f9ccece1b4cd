"""``GET /metrics`` and the request middleware that counts and times API calls.

The exposition holds the process's own instruments (:mod:`overture.observability.metrics`) and the
store's figures read at scrape time (a collector the app factory passes in: observability/collector.py).
Requests are labelled by route template (``/v1/orders/{order_id}``), never by raw path, so the
number of series stays bounded whatever ids clients send.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from overture.observability import logs
from overture.observability.metrics import HTTP_REQUESTS, HTTP_SECONDS

UNMATCHED = "unmatched"


class _ProcessInstruments(Collector):
    """The default registry's instruments, so one exposition carries them beside the store's figures."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def metrics_registry(store: Collector) -> CollectorRegistry:
    # A registry per app: each app reads its own store, while the instruments are process-wide.
    registry = CollectorRegistry()
    registry.register(_ProcessInstruments())
    registry.register(store)
    return registry


def install_metrics(app: FastAPI, store: Collector) -> None:
    registry = metrics_registry(store)

    @app.get("/metrics", tags=["ops"], response_class=Response)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(RequestMetrics)


class RequestMetrics:
    """Pure ASGI (not BaseHTTPMiddleware), so the request runs in this task and context set here reaches
    every log line of it, uvicorn's access line included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app raises before answering

        async def send_counting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        tokens = logs.bind(order_id=None)
        try:
            await self.app(scope, receive, send_counting)
        finally:
            logs.unbind(tokens)
            route = getattr(scope.get("route"), "path", UNMATCHED)
            method = scope["method"]
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_SECONDS.labels(method, route).observe(time.perf_counter() - started)


async def order_log_context(request: Request) -> None:
    """An app-wide dependency: requests whose path names an order log with its id.

    Async on purpose: FastAPI runs it in the request's own task, so the variable it sets is seen by
    the endpoint and by everything it logs (a sync dependency would run in a worker thread)."""
    order_id = request.path_params.get("order_id")
    if order_id is not None:
        logs.bind(order_id=str(order_id))
