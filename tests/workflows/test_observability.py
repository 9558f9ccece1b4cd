"""Logs and metrics of a real order run: API -> outbox -> workflow -> simulators -> completed.

Activity log lines must carry the order id, the workflow id and run id and the activity type,
bound by the worker's interceptor (never by workflow code); the step histogram and connector
counters scraped from ``/metrics`` must account for the run.
"""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from overture.observability import logs
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import Hub


@pytest.fixture
def auth_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """This test is not about access: the hub it asks for next reads its settings with auth off."""
    monkeypatch.setenv("OVERTURE_AUTH", "off")


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    logging.config.dictConfig(logs.logging_config(fmt="json", stream=stream))
    yield stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def scrape(hub: Hub) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(f"{hub.api.url}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    text = response.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def sample(figures: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


def test_activity_logs_carry_order_and_workflow_ids_and_metrics_count_the_run(
    auth_off: None, hub: Hub, log_stream: io.StringIO
) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 10)
    before = scrape(hub)
    order_id = hub.post_order(order_payload(("A", 1)), key="obs-1")["id"]
    hub.wait_status(order_id, "completed")

    lines: list[dict[str, Any]] = [json.loads(line) for line in log_stream.getvalue().splitlines() if line.strip()]
    moved = [line for line in lines if line["message"].startswith("order moved to ")]
    assert {line["message"] for line in moved} >= {"order moved to released", "order moved to completed"}
    for line in moved:
        assert line["order_id"] == order_id
        assert line["workflow_id"] == order_id
        assert line["workflow_run_id"]
        assert line["activity"] == "advance"
    assert len({line["workflow_run_id"] for line in moved}) == 1

    after = scrape(hub)
    # Each step the order left was timed once: routed (capture) -> released -> shipped -> invoiced -> completed.
    for step in ("routed", "released", "shipped", "invoiced"):
        count = "overture_step_duration_seconds_count"
        assert sample(after, count, step=step) - sample(before, count, step=step) == 1, step
        assert sample(after, "overture_step_duration_seconds_bucket", step=step, le="+Inf") >= 1
    calls = "overture_connector_calls_total"
    for connector in ("wms", "erp"):
        assert sample(after, calls, connector=connector, outcome="ok") > sample(
            before, calls, connector=connector, outcome="ok"
        ), connector
    assert sample(after, "overture_orders", channel="web", status="completed") == 1
    assert sample(after, "overture_outbox_lag_seconds") == 0  # the dispatcher took the order's row
