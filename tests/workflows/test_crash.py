"""Crash safety: SIGKILL the worker and a dispatcher, the API, or the Temporal dev server in the
middle of 200 in-flight orders, start it again, and every order completes with no side effect doubled.

The API, the worker and the dispatcher run as real processes (``overture api``, ``overture worker``
with OVERTURE_WORKER_DISPATCH=false, ``overture dispatcher``) on one SQLite store, against a dev
server of this module's own (one test restarts it).
"""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from overture.simulators.erp import create_erp_app
from overture.simulators.server import SimulatorServer
from overture.simulators.wms import create_wms_app
from overture.store.engine import make_engine
from overture.store.migrate import upgrade
from overture.store.tables import inventory_positions, orders, reservations
from overture.workflows.dev_server import DevServer, DevServerOptions
from overture.workflows.engine_host import free_port
from tests.factories import WAREHOUSES, order_payload
from tests.workflows.processes import HubProcess, wait_http

ORDERS = 200
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    server = DevServer(DevServerOptions(db_file=tmp_path_factory.mktemp("crash-temporal") / "temporal.db"))
    server.start()
    yield server
    server.stop()


@dataclass
class ProcessHub:
    store_url: str
    api_url: str
    api: HubProcess
    worker: HubProcess
    dispatcher: HubProcess
    wms: SimulatorServer
    erp: SimulatorServer

    def count(self, status: str | None = None) -> int:
        engine = make_engine(self.store_url, pool_size=1, max_overflow=0)
        query = sa.select(sa.func.count()).select_from(orders)
        if status is not None:
            query = query.where(orders.c.status == status)
        with engine.connect() as c:
            found: int = c.execute(query).scalar_one()
        engine.dispose()
        return found

    def unfinished(self) -> list[dict[str, Any]]:
        """Orders not completed, with their last timeline entries: what a failure report needs."""
        engine = make_engine(self.store_url, pool_size=1, max_overflow=0)
        with engine.connect() as c:
            ids = c.execute(sa.select(orders.c.id).where(orders.c.status != "completed").limit(5)).scalars().all()
        engine.dispose()
        found = []
        for order_id in ids:
            detail = httpx.get(f"{self.api_url}/v1/orders/{order_id}", timeout=10).json()
            found.append(
                {
                    "id": order_id,
                    "status": detail["status"],
                    "last": detail["timeline"][-4:],
                    "references": detail.get("references"),
                }
            )
        return found

    def wait_until(self, condition: Callable[[], bool], *, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {what}: {self.count('completed')} completed of {self.count()}\n"
                    f"unfinished: {self.unfinished()}\n"
                    f"worker log:\n{self.worker.log_tail()}\napi log:\n{self.api.log_tail()}\n"
                    f"dispatcher log:\n{self.dispatcher.log_tail()}"
                )
            time.sleep(0.2)


@pytest.fixture
def hub(dev_server: DevServer, tmp_path: Path) -> Iterator[ProcessHub]:
    store_url = f"sqlite:///{tmp_path / 'overture.db'}"
    upgrade(store_url)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    wms = SimulatorServer(create_wms_app(overture_url=api_url, ship_delay_s=0.2)).start()
    erp = SimulatorServer(create_erp_app()).start()
    env = {
        "OVERTURE_HOME": str(tmp_path),
        "OVERTURE_DATABASE_URL": store_url,
        "OVERTURE_TEMPORAL_ADDRESS": dev_server.address,
        "OVERTURE_TASK_QUEUE": f"crash-{uuid.uuid4().hex[:8]}",
        "OVERTURE_WMS_URL": wms.url,
        "OVERTURE_ERP_URL": erp.url,
        "OVERTURE_PUBLIC_URL": api_url,
        "OVERTURE_PORT": str(port),
        "OVERTURE_STEP_INITIAL_INTERVAL_S": "0.2",
        "OVERTURE_STEP_MAX_INTERVAL_S": "1",
        "OVERTURE_STEP_MAX_ATTEMPTS": "30",
        "OVERTURE_WMS_POLL_INTERVAL_S": "1",
        # A shipment recorded just before the API died was never signalled: the re-check finds it.
        "OVERTURE_STEP_RECHECK_INTERVAL_S": "2",
        # Crash recovery, not access control: the test's clients and its WMS simulator carry no keys
        # (allowed because the API binds to loopback).
        "OVERTURE_AUTH": "off",
        "OVERTURE_SHUTDOWN_GRACE_S": "10",
        "OVERTURE_WORKER_DISPATCH": "false",  # the dispatcher role runs in processes of its own
        "OVERTURE_LEASE_TTL_S": "3",  # a killed dispatcher's once-only jobs move on within seconds
    }
    api = HubProcess("api", ["api"], env, tmp_path)
    worker = HubProcess("worker", ["worker"], env, tmp_path)
    dispatcher = HubProcess("dispatcher", ["dispatcher"], env, tmp_path)
    for part in (api, worker, dispatcher):
        part.start()
    wait_http(f"{api_url}/healthz", api)
    running = ProcessHub(store_url, api_url, api, worker, dispatcher, wms, erp)
    _seed(api_url)
    yield running
    for part in (api, worker, dispatcher):
        part.stop()
    wms.stop()
    erp.stop()


def _seed(api_url: str) -> None:
    with httpx.Client(base_url=api_url, timeout=30) as http:
        for code, name, zip_code, _, _ in WAREHOUSES[:2]:
            http.post("/v1/locations", json={"id": code, "name": name, "postal_code": zip_code}).raise_for_status()
        http.post("/v1/skus", json=[{"sku": "A"}, {"sku": "B"}]).raise_for_status()
        entries = [{"sku": s, "location_id": w[0], "quantity": 10_000} for s in ("A", "B") for w in WAREHOUSES[:2]]
        http.post("/v1/inventory/receipts", json={"entries": entries}).raise_for_status()


def _post_all(api_url: str, payloads: list[dict[str, Any]]) -> None:
    """Post every order, retrying through connection errors with the same Idempotency-Key, as a
    careful client does: a request whose answer was lost in a crash is sent again, not doubled."""
    local = threading.local()

    def post(n: int) -> None:
        if not hasattr(local, "http"):
            local.http = httpx.Client(base_url=api_url, timeout=10)
        deadline = time.monotonic() + 120
        while True:
            try:
                response = local.http.post("/v1/orders", json=payloads[n], headers={"Idempotency-Key": f"crash-{n}"})
                if response.status_code in (200, 201):
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"order {n} could not be posted")
            time.sleep(0.2)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(post, range(len(payloads))))


def _payloads() -> list[dict[str, Any]]:
    return [order_payload(("A", 1), ("B", 1), zip_code=("10001", "30303")[n % 2]) for n in range(ORDERS)]


def _assert_each_effect_once(hub: ProcessHub) -> None:
    assert hub.count() == ORDERS, "an order was lost or captured twice"
    assert hub.count("completed") == ORDERS
    releases = httpx.get(f"{hub.wms.url}/_records", timeout=10).json()["releases"]
    per_release = Counter((r["order_id"], r["location_id"]) for r in releases)
    assert len(per_release) == ORDERS and set(per_release.values()) == {1}, "a release was doubled"
    invoices = Counter(r["order_id"] for r in httpx.get(f"{hub.erp.url}/_records", timeout=10).json()["invoices"])
    assert len(invoices) == ORDERS and set(invoices.values()) == {1}, "an invoice was doubled"
    engine = make_engine(hub.store_url, pool_size=1, max_overflow=0)
    with engine.connect() as c:
        p = inventory_positions.c
        assert c.execute(sa.select(sa.func.count()).where(p.reserved > p.on_hand)).scalar_one() == 0
        assert c.execute(sa.select(sa.func.sum(p.reserved))).scalar_one() == 0
        active = c.execute(sa.select(sa.func.count()).where(reservations.c.status == "active")).scalar_one()
        assert active == 0
        shipped = c.execute(sa.select(sa.func.sum(p.on_hand))).scalar_one()
    engine.dispose()
    assert shipped == 4 * 10_000 - 2 * ORDERS, "stock shipped more or less than ordered"


def test_worker_and_dispatcher_killed_mid_flight_a_second_dispatcher_takes_over(
    hub: ProcessHub, tmp_path: Path
) -> None:
    second = HubProcess("dispatcher-2", ["dispatcher"], hub.dispatcher.env, tmp_path)
    second.start()  # two dispatchers at once: the outbox races harmlessly, the once-only jobs by lease
    try:
        _post_all(hub.api_url, _payloads())
        hub.wait_until(lambda: hub.count("completed") >= 50, timeout_s=120, what="50 completed before the crash")
        assert hub.count("completed") < ORDERS, "the crash must happen with orders in flight"

        hub.worker.kill()
        hub.dispatcher.kill()  # not restarted: the second one carries on alone
        time.sleep(1)
        hub.worker.start()

        hub.wait_until(lambda: hub.count("completed") == ORDERS, timeout_s=240, what="every order completed")
    finally:
        second.stop()
    _assert_each_effect_once(hub)


def test_worker_stopped_by_sigterm_drains_exits_cleanly_and_a_restart_finishes(hub: ProcessHub) -> None:
    _post_all(hub.api_url, _payloads())
    hub.wait_until(lambda: hub.count("completed") >= 50, timeout_s=120, what="50 completed before the stop")
    assert hub.count("completed") < ORDERS, "the stop must come with orders in flight"

    asked = time.monotonic()
    hub.worker.signal(signal.SIGTERM)  # as a service manager or Kubernetes stops a pod
    hub.dispatcher.signal(signal.SIGTERM)
    assert hub.worker.wait(30) == 0, hub.worker.log_tail()  # a clean exit, not death by the signal
    assert time.monotonic() - asked < 25  # within the grace (10 s) and the loops' own wind-down
    assert "SIGTERM: draining" in hub.worker.log_tail(400)
    assert hub.dispatcher.wait(30) == 0, hub.dispatcher.log_tail()
    hub.worker.start()
    hub.dispatcher.start()  # its lease was released on the way out: it takes the jobs back at once

    hub.wait_until(lambda: hub.count("completed") == ORDERS, timeout_s=240, what="every order completed")
    _assert_each_effect_once(hub)


def test_api_killed_mid_capture_then_restarted(hub: ProcessHub) -> None:
    payloads = _payloads()
    poster = threading.Thread(target=_post_all, args=(hub.api_url, payloads))
    poster.start()
    hub.wait_until(lambda: hub.count() >= 100, timeout_s=60, what="100 orders captured before the crash")

    hub.api.kill()  # clients see connection errors and retry with the same keys; webhooks to it fail
    time.sleep(2)
    hub.api.start()
    wait_http(f"{hub.api_url}/healthz", hub.api)
    poster.join(240)

    hub.wait_until(lambda: hub.count("completed") == ORDERS, timeout_s=240, what="every order completed")
    _assert_each_effect_once(hub)


def test_dev_server_killed_mid_flight_then_restarted(hub: ProcessHub, dev_server: DevServer) -> None:
    _post_all(hub.api_url, _payloads())
    hub.wait_until(lambda: hub.count("completed") >= 50, timeout_s=120, what="50 completed before the crash")
    assert hub.count("completed") < ORDERS

    dev_server.restart(hard=True)

    hub.wait_until(lambda: hub.count("completed") == ORDERS, timeout_s=300, what="every order completed")
    _assert_each_effect_once(hub)
