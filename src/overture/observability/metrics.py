"""The process-wide Prometheus instruments, on prometheus_client's default registry.

Counters and histograms are recorded where things happen (connectors, the store's status
writes, the availability publisher, the API middleware). Figures that other processes change
too (orders by status, open exceptions, outbox lag) are not kept here: they are read from the
store when ``/metrics`` is scraped (:mod:`overture.observability.collector`).

With ``overture serve`` the API, worker and dispatcher share one process, so one registry covers
all of them. Split processes (``overture api`` / ``overture worker``) each expose their own
instruments: the API at ``/metrics``, the worker on ``OVERTURE_METRICS_PORT`` when set.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import Counter, Histogram

# Steps last from seconds (capture, routing) to days (waiting for shipment).
STEP_BUCKETS = (0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400)
CALL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)

STEP_DURATION = Histogram(
    "overture_step_duration_seconds",
    "Time an order spent in a status before moving to the next, by the status it left",
    ["step"],
    buckets=STEP_BUCKETS,
)
EXCEPTIONS_RAISED = Counter("overture_exceptions_raised", "Order exceptions opened, by type", ["type"])
CONNECTOR_CALLS = Counter(
    "overture_connector_calls",
    "Calls to outside systems by connector and outcome (ok, error, throttled, timeout)",
    ["connector", "outcome"],
)
CONNECTOR_SECONDS = Histogram(
    "overture_connector_call_seconds", "Latency of calls to outside systems", ["connector"], buckets=CALL_BUCKETS
)
AVAILABILITY_PUBLISH_LAG = Histogram(
    "overture_availability_publish_lag_seconds",
    "Time from a SKU's availability change to its delivery to a channel",
    ["channel"],
    buckets=LAG_BUCKETS,
)
HTTP_REQUESTS = Counter(
    "overture_http_requests", "API requests by method, route template and status", ["method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "overture_http_request_seconds", "API request latency by method and route template", ["method", "route"]
)

OUTCOMES = ("ok", "error", "throttled", "timeout")


class PrometheusTelemetry:
    """The store's reports (services/telemetry.py) as the Prometheus figures above."""

    def step_finished(self, step: str, seconds: float) -> None:
        STEP_DURATION.labels(step).observe(seconds)

    def exceptions_raised(self, kinds: Sequence[str]) -> None:
        for kind in kinds:
            EXCEPTIONS_RAISED.labels(kind).inc()
