"""A whole hub with access control as shipped (auth required): store, API over HTTP, WMS and ERP
simulators, the order worker. The WMS simulator's shipment webhooks carry a channel key (the way
``overture serve`` wires it, runtime.simulator_key), and the hub's own HTTP client an admin key."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from overture.bootstrap import Container
from overture.domain.access import Role
from overture.runtime import Endpoints, simulator_key
from overture.services.access import create_key
from overture.simulators.erp import create_erp_app
from overture.simulators.server import SimulatorServer
from overture.simulators.webhooks import KeyedTransport
from overture.simulators.wms import create_wms_app
from overture.workflows.order.starter import OrderWorkflows
from tests.conftest import LiveServer
from tests.workflows.hub import FAST_POLICY, Hub, WorkerThread
from tests.workflows.temporal_fixtures import TemporalEnv


def new_key(container: Container, role: Role, name: str) -> str:
    return create_key(container.uow, container.clock, role=role, name=name).token


@contextmanager
def keyed_hub(temporal_env: TemporalEnv, task_queue: str, container: Container) -> Iterator[Hub]:
    """The running hub on ``container`` (whose settings must require auth); ``hub.http`` sends an admin key."""
    assert container.settings.auth == "required", "keyed_hub is for stores that require keys"
    wms_key = simulator_key(container)
    assert wms_key is not None
    api = LiveServer(container, order_workflows=OrderWorkflows(temporal_env.client, task_queue, FAST_POLICY))
    api.start()
    wms = SimulatorServer(
        create_wms_app(overture_url=api.url, ship_delay_s=0.05, webhook_transport=KeyedTransport(wms_key))
    )
    wms.start()
    erp = SimulatorServer(create_erp_app())
    erp.start()
    worker = WorkerThread(
        container,
        temporal_env.client,
        Endpoints(wms.url, erp.url, erp.url, api.url),
        task_queue=task_queue,
        policy=FAST_POLICY,
    )
    worker.start()
    hub = Hub(container, api, wms, erp, worker)
    hub.http.headers["Authorization"] = f"Bearer {new_key(container, Role.ADMIN, 'test-admin')}"
    try:
        yield hub
    finally:
        hub.close()
