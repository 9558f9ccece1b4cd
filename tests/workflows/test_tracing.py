"""One trace from the API request to the invoice: the capture's server span, the dispatcher's start of
the workflow (carried through the outbox), the workflow and its activities, and the outside calls to
the WMS and the ERP all share a trace id; the log lines carry it and the order's timeline names it."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from overture.bootstrap import Container
from overture.observability import tracing
from overture.observability.logs import ContextFilter, JsonLineFormatter
from overture.workflows.engine import connect_client
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import running_hub
from tests.workflows.temporal_fixtures import TemporalEnv

EXPORTER = InMemorySpanExporter()


@pytest.fixture
def traced() -> Iterator[InMemorySpanExporter]:
    tracing.configure(EXPORTER, service_name="overture-test")
    EXPORTER.clear()
    yield EXPORTER
    tracing.flush()
    tracing.disable()


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonLineFormatter())
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("overture")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield out
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_one_trace_runs_from_the_request_through_the_workflow_to_each_outside_call(
    traced: InMemorySpanExporter, logged: io.StringIO, container: Container, temporal_env: TemporalEnv, task_queue: str
) -> None:
    client = asyncio.run(connect_client(temporal_env.address))  # connected while tracing: its interceptor
    add_locations(container, ["EWR"])
    add_skus(container, "SKU-1")
    stock(container, "SKU-1", "EWR", 5)
    with running_hub(client, task_queue, container) as hub:
        order = hub.post_order(order_payload(("SKU-1", 1)))
        detail = hub.wait_status(order["id"], "completed", timeout_s=90)
        wms, erp = hub.wms.url, hub.erp.url
    assert tracing.flush()
    spans: list[ReadableSpan] = list(traced.get_finished_spans())

    [capture] = [s for s in spans if s.kind.name == "SERVER" and s.name == "POST /v1/orders"]
    trace_id = capture.context.trace_id
    ours = [s for s in spans if s.context.trace_id == trace_id]
    names = {s.name for s in ours}
    assert "StartWorkflow:OrderWorkflow" in names and "RunWorkflow:OrderWorkflow" in names
    assert sum(name.startswith("RunActivity:") for name in names) >= 3
    urls = {str(s.attributes.get("url.full") or s.attributes.get("http.url")) for s in ours if s.kind.name == "CLIENT"}
    assert any(u.startswith(wms) for u in urls) and any(u.startswith(erp) for u in urls), urls
    hex_id = format(trace_id, "032x")
    assert any(e.get("note") == f"trace {hex_id}" for e in detail["timeline"])
    assert f'"trace_id": "{hex_id}"' in logged.getvalue()  # the activities' log lines name it
