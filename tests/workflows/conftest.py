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
from tests.conftest import LiveServer
from tests.workflows.hub import FAST_POLICY, Hub, WorkerThread
from tests.workflows.temporal_fixtures import TemporalEnv


@pytest.fixture
def hub(temporal_env: TemporalEnv, task_queue: str, sqlite_url: str, tmp_path: Path) -> Iterator[Hub]:
    container = bootstrap(Settings(home=tmp_path, database_url=sqlite_url), migrate=False)
    api = LiveServer(container, temporal=temporal_env.client)
    api.start()
    wms = SimulatorServer(create_wms_app(overture_url=api.url, ship_delay_s=0.05))
    wms.start()
    erp = SimulatorServer(create_erp_app())
    erp.start()
    endpoints = Endpoints(wms.url, erp.url, erp.url, api.url)
    worker = WorkerThread(container, temporal_env.client, endpoints, task_queue=task_queue, policy=FAST_POLICY)
    worker.start()
    running = Hub(container, api, wms, erp, worker)
    yield running
    running.close()
    container.close()
