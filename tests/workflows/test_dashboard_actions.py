"""Resolving from the dashboard's exception queue drives the real order workflow (Temporal dev server)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from overture.bootstrap import bootstrap
from overture.config import Settings
from overture.runtime import Endpoints
from overture.simulators.erp import create_erp_app
from overture.simulators.server import SimulatorServer
from overture.simulators.wms import create_wms_app
from overture.workflows.order.starter import OrderWorkflows
from tests.conftest import LiveServer
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import FAST_POLICY, Hub, WorkerThread
from tests.workflows.temporal_fixtures import TemporalEnv


@pytest.fixture
def open_hub(temporal_env: TemporalEnv, task_queue: str, sqlite_url: str, tmp_path: Path) -> Iterator[Hub]:
    """The workflow tests' hub with auth off: the dashboard acts as ui/session.py's fixed actor."""
    container = bootstrap(Settings(home=tmp_path, database_url=sqlite_url, auth="off"), migrate=False)
    api = LiveServer(container, order_workflows=OrderWorkflows(temporal_env.client, task_queue, FAST_POLICY))
    api.start()
    wms = SimulatorServer(create_wms_app(overture_url=api.url, ship_delay_s=0.05))
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
    running = Hub(container, api, wms, erp, worker)
    yield running
    running.close()
    container.close()


def _seed(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 100)


def test_retry_from_the_queue_resumes_the_workflow_to_completed(open_hub: Hub) -> None:
    hub = open_hub
    _seed(hub)
    hub.sim_faults(hub.erp, operation="*", down=True)
    order_ids = [hub.post_order(order_payload(("A", 1)))["id"] for _ in range(2)]
    hub.wait_for(lambda: hub.statuses() == {"on_hold": 2}, what="2 orders on hold")

    queue = hub.http.get("/exceptions", params={"type": "connector_failure"}).text
    exception_ids = re.findall(r'data-testid="exception-row" data-exception-id="([^"]+)"', queue)
    assert len(exception_ids) == 2
    assert "Another system did not answer while creating the sales order in the ERP" in queue
    hub.sim_faults(hub.erp, operation="*", down=False)

    single = hub.http.post(f"/exceptions/{exception_ids[0]}/resolve", data={"action": "retry", "note": "ERP back"})
    assert single.status_code == 200, single.text
    assert f"{exception_ids[0]}: retry done" in single.text
    bulk = hub.http.post("/exceptions/bulk", data={"action": "retry", "ids": exception_ids})
    # The first was resolved already: said inline; the second goes through.
    assert bulk.status_code == 207, bulk.text
    assert f"{exception_ids[0]}: exception {exception_ids[0]} was already resolved (retry)" in bulk.text
    assert f"{exception_ids[1]}: retry done" in bulk.text

    hub.wait_for(lambda: hub.statuses() == {"completed": 2}, what="both completed after the retry")
    for order_id in order_ids:
        page = hub.http.get(f"/orders/{order_id}").text
        assert re.findall(r'data-testid="order-status">([^<]+)<', page) == ["completed"]
        assert "retry by dashboard" in page
    resolved = hub.http.get("/v1/exceptions", params={"status": "resolved"}).json()["items"]
    assert {(e["resolution"], e["resolved_by"]) for e in resolved} == {("retry", "dashboard")}
