"""Fixtures for workflow tests: a complete hub per test on a fresh task queue."""

from __future__ import annotations

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
from tests.workflows.hub import FAST_POLICY, Hub, WorkerThread
from tests.workflows.temporal_fixtures import TemporalEnv


@pytest.fixture
def hub(temporal_env: TemporalEnv, task_queue: str, sqlite_url: str, tmp_path: Path) -> Iterator[Hub]:
    yield from _running_hub(temporal_env, task_queue, sqlite_url, tmp_path, dispatch_outbox=True)


@pytest.fixture
def hub_without_dispatcher(
    temporal_env: TemporalEnv, task_queue: str, sqlite_url: str, tmp_path: Path
) -> Iterator[Hub]:
    """A hub whose outbox is never dispatched: workflows start only when the API needs one."""
    yield from _running_hub(temporal_env, task_queue, sqlite_url, tmp_path, dispatch_outbox=False)


def _running_hub(
    temporal_env: TemporalEnv, task_queue: str, sqlite_url: str, tmp_path: Path, *, dispatch_outbox: bool
) -> Iterator[Hub]:
    # Access control is tested on its own (tests/api); here the hub's callers carry no keys.
    container = bootstrap(Settings(home=tmp_path, database_url=sqlite_url, auth="off"), migrate=False)
    api = LiveServer(container, order_workflows=OrderWorkflows(temporal_env.client, task_queue, FAST_POLICY))
    api.start()
    wms = SimulatorServer(create_wms_app(overture_url=api.url, ship_delay_s=0.05))
    wms.start()
    erp = SimulatorServer(create_erp_app())
    erp.start()
    endpoints = Endpoints(wms.url, erp.url, erp.url, api.url)
    worker = WorkerThread(
        container,
        temporal_env.client,
        endpoints,
        task_queue=task_queue,
        policy=FAST_POLICY,
        dispatch_outbox=dispatch_outbox,
    )
    worker.start()
    running = Hub(container, api, wms, erp, worker)
    yield running
    running.close()
    container.close()
