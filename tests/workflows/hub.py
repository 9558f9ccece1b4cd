"""A whole hub for workflow tests: store, API over HTTP, WMS and ERP simulators, and the order
worker with its outbox dispatcher in a thread of its own, all against the session's dev server."""

from __future__ import annotations

import asyncio
import atexit
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from temporalio.client import Client

from overture.bootstrap import Container, bootstrap
from overture.config import Settings
from overture.outside import AcumaticaAccess, TaxAccess
from overture.runtime import Endpoints, payments_connector, run_worker_side
from overture.simulators.erp import create_erp_app
from overture.simulators.payments import create_payments_app
from overture.simulators.server import SimulatorServer
from overture.simulators.webhooks import KeyedTransport
from overture.simulators.wms import create_wms_app
from overture.store.tables import orders
from overture.workflows.order.shared import StepPolicy
from overture.workflows.order.starter import OrderWorkflows
from overture.workflows.returns.starter import ReturnWorkflows
from tests.conftest import LiveServer
from tests.workflows.temporal_fixtures import TemporalEnv

# Fast retries so failure paths finish in seconds; a short recheck so a lost signal costs little.
FAST_POLICY = StepPolicy(
    max_attempts=4, initial_interval_s=0.1, max_interval_s=0.5, call_timeout_s=10.0, recheck_interval_s=2.0
)


class WorkerThread:
    """``run_worker_side`` in its own thread and event loop, stoppable from the test."""

    def __init__(
        self,
        container: Container,
        client: Client,
        endpoints: Endpoints,
        *,
        task_queue: str,
        policy: StepPolicy,
        dispatch_outbox: bool = True,
    ) -> None:
        self._args = (container, client, endpoints)
        self._task_queue = task_queue
        self._policy = policy
        self._dispatch_outbox = dispatch_outbox
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, daemon=True, name="order-worker")
        self._ready = threading.Event()

    def _main(self) -> None:
        async def run() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            await run_worker_side(
                *self._args,
                task_queue=self._task_queue,
                policy=self._policy,
                stop=self._stop,
                dispatch_outbox=self._dispatch_outbox,
            )

        try:
            asyncio.run(run())
        except BaseException as error:
            self._error = error
            self._ready.set()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(10)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        if self._error is not None:
            raise self._error


@dataclass
class Hub:
    container: Container
    api: LiveServer
    wms: SimulatorServer
    erp: SimulatorServer
    worker: WorkerThread
    psp: SimulatorServer | None = None
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.api.url, timeout=30)

    def post_order(self, payload: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        headers = {"Idempotency-Key": key} if key else {}
        response = self.http.post("/v1/orders", json=payload, headers=headers)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def order(self, order_id: str) -> dict[str, Any]:
        body: dict[str, Any] = self.http.get(f"/v1/orders/{order_id}").json()
        return body

    def statuses(self) -> dict[str, int]:
        with self.container.engine.connect() as c:
            rows = c.execute(sa.select(orders.c.status, sa.func.count()).group_by(orders.c.status)).all()
        return {status: count for status, count in rows}

    def wait_for(self, condition: Callable[[], bool], *, timeout_s: float = 60, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout_s} s waiting for {what}; statuses {self.statuses()}")
            time.sleep(0.1)

    def wait_status(self, order_id: str, status: str, *, timeout_s: float = 60) -> dict[str, Any]:
        self.wait_for(
            lambda: self.order(order_id)["status"] == status, timeout_s=timeout_s, what=f"{order_id} {status}"
        )
        return self.order(order_id)

    def sim_faults(self, sim: SimulatorServer, **plan: Any) -> None:
        httpx.post(f"{sim.url}/_faults", json=plan, timeout=5).raise_for_status()

    def sim_stats(self, sim: SimulatorServer) -> dict[str, Any]:
        stats: dict[str, Any] = httpx.get(f"{sim.url}/_stats", timeout=5).json()
        return stats

    def close(self) -> None:
        self.http.close()
        self.worker.stop()
        self.api.stop()
        self.wms.stop()
        self.erp.stop()


_PAYMENT_PROVIDER: list[SimulatorServer] = []


def shared_payment_provider() -> SimulatorServer:
    """Our payment provider, Stripe-shaped, one for the whole session: orders with a payment method are
    authorised and captured there. Its intents carry their order id, so tests read only their own; a
    server per hub cost about 0.3 s a test, and no test sets faults on it."""
    if not _PAYMENT_PROVIDER:
        server = SimulatorServer(create_payments_app())
        server.start()
        atexit.register(server.stop)
        _PAYMENT_PROVIDER.append(server)
    return _PAYMENT_PROVIDER[0]


@contextmanager
def running_hub(
    client: Client,
    task_queue: str,
    container: Container,
    *,
    dispatch_outbox: bool = True,
    wms_key: str | None = None,
    policy: StepPolicy = FAST_POLICY,
    tax: TaxAccess | None = None,
    carrier_url: str = "",
    acumatica: AcumaticaAccess | None = None,
) -> Iterator[Hub]:
    """API, WMS and ERP simulators and a worker on ``container``; ``wms_key``: the API key the WMS
    simulator's shipment webhooks carry (needed when the store requires keys); ``tax``: AvaTax (or its
    simulator) for the API's captures and the worker's invoices. Closes all but the container."""
    psp = shared_payment_provider()
    psp_url = psp.url
    api = LiveServer(
        container,
        order_workflows=OrderWorkflows(client, task_queue, policy),
        return_workflows=ReturnWorkflows(client, task_queue, policy),
        payments=payments_connector(Endpoints("", "", "", "", psp_url)),
        tax_engine=tax.connector() if tax else None,
    )
    api.start()
    transport = KeyedTransport(wms_key) if wms_key else None
    wms = SimulatorServer(create_wms_app(overture_url=api.url, ship_delay_s=0.05, webhook_transport=transport))
    wms.start()
    erp = SimulatorServer(create_erp_app())
    erp.start()
    worker = WorkerThread(
        container,
        client,
        Endpoints(wms.url, erp.url, erp.url, api.url, psp_url, carrier_url, acumatica=acumatica, tax=tax),
        task_queue=task_queue,
        policy=policy,
        dispatch_outbox=dispatch_outbox,
    )
    worker.start()
    hub = Hub(container, api, wms, erp, worker, psp)
    try:
        yield hub
    finally:
        hub.close()


def running_hub_on(
    temporal_env: TemporalEnv,
    task_queue: str,
    database_url: str,
    tmp_path: Path,
    *,
    dispatch_outbox: bool = True,
    policy: StepPolicy = FAST_POLICY,
) -> Iterator[Hub]:
    """A whole hub on a fresh store of ``database_url``, its steps run under ``policy``."""
    # Access control is tested on its own (tests/api); here the hub's callers carry no keys.
    container = bootstrap(Settings(home=tmp_path, database_url=database_url, auth="off"), migrate=False)
    try:
        with running_hub(
            temporal_env.client, task_queue, container, dispatch_outbox=dispatch_outbox, policy=policy
        ) as hub:
            yield hub
    finally:
        container.close()
