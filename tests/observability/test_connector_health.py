"""Connector health across processes: real calls to the WMS simulator (with injected 429s and 500s)
recorded by connectors/http.py, flushed into ``connector_calls`` (SQLite and PostgreSQL), and shown on
the overview; additive flushes from two flushers; pruning; a failed flush keeps its buckets."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.connectors.http import ConnectorConfig
from overture.connectors.wms import WmsConnector
from overture.observability.flusher import HealthFlusher
from overture.observability.health import RECORDER, CallRecorder
from overture.services.ports.connector_errors import ApiDriftError, RetryableConnectorError, ThrottledError
from overture.services.ports.wms import ReleaseLine, WmsRelease
from overture.simulators.server import SimulatorServer
from overture.simulators.wms import create_wms_app
from overture.store.engine import make_engine
from overture.store.tables import connector_calls
from tests.ui.seed import text_of


@pytest.fixture(scope="module")
def wms_url() -> Iterator[str]:
    with SimulatorServer(create_wms_app(ship_delay_s=60)) as server:
        yield server.url


def a_release(order_id: str) -> WmsRelease:
    return WmsRelease(order_id, "EWR", [ReleaseLine(1, "SKU-1", 1)], {"postal_code": "10001"}, None)


def stored(container: Container, connector: str) -> dict[str, float]:
    """The connector's buckets summed (calls may straddle a minute boundary), and the bucket count."""
    c = connector_calls.c
    query = sa.select(
        sa.func.sum(c.ok), sa.func.sum(c.errors), sa.func.sum(c.throttled), sa.func.sum(c.timeouts), sa.func.count()
    ).where(c.connector == connector)
    with container.engine.connect() as conn:
        row = conn.execute(query).one()
    return dict(zip(("ok", "errors", "throttled", "timeouts", "buckets"), (float(v or 0) for v in row), strict=True))


def connector_row(html: str, connector: str) -> tuple[str, list[str]]:
    found = re.search(rf'<tr data-connector="{connector}" data-state="(\w+)">(.*?)</tr>', html, flags=re.S)
    assert found, f"no connector-calls row for {connector!r}"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", found.group(2), flags=re.S)
    return found.group(1), [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def test_real_calls_with_injected_faults_reach_the_store_and_the_tile(
    container: Container, client: TestClient, wms_url: str
) -> None:
    RECORDER.drain()  # calls of earlier tests in this process are not this test's
    httpx.post(f"{wms_url}/_reset", timeout=5).raise_for_status()
    faults = f"{wms_url}/_faults"
    httpx.post(faults, json={"operation": "release", "fail_first": 2, "status": 429}, timeout=5).raise_for_status()

    async def calls() -> None:
        async with WmsConnector(ConnectorConfig(name="wms", base_url=wms_url)) as wms:
            for n in range(2):
                with pytest.raises(ThrottledError):
                    await wms.release(a_release(f"t-{n}"), idempotency_key=f"t-{n}")
            httpx.post(faults, json={"operation": "release", "fail_first": 1, "status": 500}, timeout=5)
            with pytest.raises(RetryableConnectorError):
                await wms.release(a_release("e-1"), idempotency_key="e-1")
            for n in range(5):
                await wms.release(a_release(f"ok-{n}"), idempotency_key=f"ok-{n}")

    asyncio.run(calls())
    # Nothing is written per call: the figures wait in memory for the flusher.
    assert stored(container, "wms")["buckets"] == 0
    assert HealthFlusher(container.engine, clock=container.clock).flush() >= 1
    figures = stored(container, "wms")
    assert (figures["ok"], figures["errors"], figures["throttled"], figures["timeouts"]) == (5, 1, 2, 0)

    html = client.get("/").text
    state, cells = connector_row(html, "wms")
    assert (text_of(html, "kpi-connectors"), text_of(html, "kpi-connectors-unwell")) == ("0 / 1", "wms amber")
    # 3 of 8 calls failed (two 429s, one 500): 37.5 %, amber (red from 50 %).
    assert state == "amber"
    assert "3 of 8 calls failed in the last 60 min" in cells[1]
    assert cells[2].endswith(" s ago")
    assert cells[3:7] == ["8", "37.5%", "2", "0"]
    mean_ms, max_ms = (float(v) for v in re.findall(r"[0-9.]+", cells[7]))
    assert 0 < mean_ms <= max_ms < 5000


def test_a_drifted_answer_is_counted_as_drift_and_turns_the_connector_amber(
    container: Container, client: TestClient, wms_url: str
) -> None:
    RECORDER.drain()
    httpx.post(f"{wms_url}/_reset", timeout=5).raise_for_status()
    drift = {"operation": "release", "rename_fields": {"release_id": "releaseId"}}

    async def calls() -> ApiDriftError:
        async with WmsConnector(ConnectorConfig(name="wms", base_url=wms_url)) as wms:
            for n in range(19):
                await wms.release(a_release(f"ok-{n}"), idempotency_key=f"ok-{n}")
            httpx.post(f"{wms_url}/_faults", json=drift, timeout=5).raise_for_status()
            with pytest.raises(ApiDriftError) as raised:
                await wms.release(a_release("d-1"), idempotency_key="d-1")
            return raised.value

    error = asyncio.run(calls())
    assert error.problems == ("release_id: missing",)
    assert '"releaseId": "WR-' in error.raw and "release_id" not in error.raw
    HealthFlusher(container.engine, clock=container.clock).flush()
    with container.engine.connect() as c:
        row = c.execute(sa.select(sa.func.sum(connector_calls.c.drift), sa.func.sum(connector_calls.c.ok))).one()
    assert tuple(row) == (1, 19)
    state, cells = connector_row(client.get("/").text, "wms")
    # 1 of 20 is under the 5 % that makes failures amber, but drift does not fix itself: amber at once.
    assert state == "amber" and cells[1].endswith(
        "api drift: 1 answer(s) not in the shape we read (1 of 20 calls failed in the last 60 min)"
    )
    assert cells[3:7] == ["20", "5.0%", "0", "1"]


def test_two_flushers_add_to_the_same_bucket(container: Container, database_url: str) -> None:
    """Two processes' flushers (own recorder, own engine) writing the same minute sum up."""
    minute = container.clock().replace(second=0, microsecond=0)
    first, second = CallRecorder(), CallRecorder()
    first.record("erp", "ok", 0.10, at=minute + timedelta(seconds=5))
    first.record("erp", "error", 0.40, error="500 from the ERP", at=minute + timedelta(seconds=10))
    second.record("erp", "ok", 0.20, at=minute + timedelta(seconds=30))
    second.record("erp", "timeout", 0.90, error="timed out", at=minute + timedelta(seconds=20))
    second.record("erp", "throttled", 0.05, error="429", at=minute + timedelta(seconds=1))
    other_engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        HealthFlusher(container.engine, clock=container.clock, recorder=first).flush()
        HealthFlusher(other_engine, clock=container.clock, recorder=second).flush()
        # A later flush of the first recorder adds again rather than replacing.
        first.record("erp", "ok", 0.30, at=minute + timedelta(seconds=40))
        HealthFlusher(container.engine, clock=container.clock, recorder=first).flush()
    finally:
        other_engine.dispose()
    with container.engine.connect() as c:
        row = c.execute(sa.select(connector_calls).where(connector_calls.c.connector == "erp")).one()
    assert row.minute == minute
    assert (row.ok, row.errors, row.throttled, row.timeouts) == (3, 1, 1, 1)
    assert row.latency_sum_s == pytest.approx(1.95)
    assert row.latency_max_s == pytest.approx(0.90)
    assert row.last_success_at == minute + timedelta(seconds=40)
    # The latest error wins, whichever flusher wrote it: the timeout at :20, not the 500 at :10.
    assert (row.last_error_at, row.last_error) == (minute + timedelta(seconds=20), "timed out")


def test_buckets_older_than_seven_days_are_pruned(container: Container) -> None:
    now = container.clock()
    recorder = CallRecorder()
    for days in (8, 6, 0):
        recorder.record("notifier", "ok", 0.01, at=now - timedelta(days=days))
    flusher = HealthFlusher(container.engine, clock=container.clock, recorder=recorder)
    flusher.flush()  # writes all three, then prunes (the first flush always does)
    with container.engine.connect() as c:
        kept = c.scalars(sa.select(connector_calls.c.minute).order_by(connector_calls.c.minute)).all()
    assert kept == [(now - timedelta(days=d)).replace(second=0, microsecond=0) for d in (6, 0)]
    later = HealthFlusher(container.engine, clock=lambda: now + timedelta(days=2), recorder=recorder)
    assert later.prune() == 1  # the 6-day-old bucket is now 8 days old


def test_a_failed_flush_keeps_its_buckets_for_the_next(container: Container, tmp_path: Path) -> None:
    recorder = CallRecorder()
    recorder.record("shopify", "throttled", 0.02, error="429 Too Many Requests")
    recorder.record("shopify", "ok", 0.03)
    unmigrated = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(sa.exc.OperationalError):
            HealthFlusher(unmigrated, clock=container.clock, recorder=recorder).flush()
    finally:
        unmigrated.dispose()
    assert recorder.pending() >= 1
    HealthFlusher(container.engine, clock=container.clock, recorder=recorder).flush()
    figures = stored(container, "shopify")
    assert (figures["ok"], figures["throttled"]) == (1, 1)


def test_the_thread_flushes_periodically_and_on_stop(container: Container) -> None:
    recorder = CallRecorder()
    with HealthFlusher(container.engine, clock=container.clock, recorder=recorder, interval_s=0.05):
        recorder.record("amazon", "ok", 0.01)
        deadline = time.monotonic() + 5
        while stored(container, "amazon")["ok"] < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert stored(container, "amazon")["ok"] == 1
    slow = HealthFlusher(container.engine, clock=container.clock, recorder=recorder, interval_s=3600)
    slow.start()
    recorder.record("amazon", "error", 0.01, error="boom")
    slow.stop()  # long before the first interval: the last calls are flushed on the way out
    assert stored(container, "amazon")["errors"] == 1


def test_bad_outcomes_and_intervals_are_refused_by_name(container: Container) -> None:
    with pytest.raises(ValueError, match="outcome: 'maybe' is not one of ok, error, throttled, timeout, drift"):
        CallRecorder().record("wms", "maybe", 0.1)
    with pytest.raises(ValueError, match="interval_s: must be positive"):
        HealthFlusher(container.engine, clock=container.clock, interval_s=0)


def test_an_idle_connector_shows_its_last_success_and_state(container: Container, client: TestClient) -> None:
    now = container.clock()
    recorder = CallRecorder()
    recorder.record("erp", "ok", 0.2, at=now - timedelta(hours=3))
    recorder.record("erp", "error", 0.1, error="503 Service Unavailable", at=now - timedelta(hours=2))
    HealthFlusher(container.engine, clock=container.clock, recorder=recorder).flush()
    state, cells = connector_row(client.get("/").text, "erp")
    assert state == "amber"
    assert "no calls in the last 60 min; the last call failed" in cells[1]
    assert cells[2] == "3.0 h ago"
    assert cells[3:] == ["0", "–", "0", "0", "–"]


def test_buckets_are_keyed_by_the_utc_minute() -> None:
    recorder = CallRecorder()
    india = timezone(timedelta(hours=5, minutes=30))
    recorder.record("wms", "ok", 0.1, at=datetime(2026, 1, 1, 18, 0, 45, tzinfo=india))
    recorder.record("wms", "ok", 0.1, at=datetime(2026, 1, 1, 12, 30, 5, tzinfo=UTC))
    assert list(recorder.drain()) == [("wms", datetime(2026, 1, 1, 12, 30, tzinfo=UTC))]
