"""The worker process is killed (SIGKILL) between a return's refund and its credit memo: a new worker
finishes the return, and the payment provider holds one refund and the ERP one credit memo. The API
and the worker run as real processes (``overture api``, ``overture worker``) on one SQLite store."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from overture.simulators.erp import create_erp_app
from overture.simulators.payments import create_payments_app
from overture.simulators.server import SimulatorServer
from overture.simulators.wms import create_wms_app
from overture.store.engine import make_engine
from overture.store.migrate import upgrade
from overture.store.tables import money_entries
from overture.workflows.engine_host import free_port
from tests.factories import order_payload
from tests.workflows.processes import HubProcess, wait_http
from tests.workflows.temporal_fixtures import TemporalEnv

pytestmark = pytest.mark.slow


class Processes:
    def __init__(self, tmp_path: Path, env: dict[str, str], store_url: str, sims: dict[str, SimulatorServer]) -> None:
        self.tmp_path, self.env, self.store_url, self.sims = tmp_path, env, store_url, sims
        self.api_url = env["OVERTURE_PUBLIC_URL"]
        self.api = HubProcess("api", ["api"], env, tmp_path)
        self.worker = HubProcess("worker", ["worker"], env, tmp_path)

    def records(self, sim: str) -> dict[str, Any]:
        found: dict[str, Any] = httpx.get(f"{self.sims[sim].url}/_records", timeout=5).json()
        return found

    def refunded(self, return_id: str) -> bool:
        engine = make_engine(self.store_url, pool_size=1, max_overflow=0)
        with engine.connect() as c:
            query = sa.select(sa.func.count()).where(
                money_entries.c.cause == f"return {return_id}", money_entries.c.kind == "refund"
            )
            found = bool(c.scalar(query))
        engine.dispose()
        return found


@pytest.fixture
def processes(temporal_env: TemporalEnv, tmp_path: Path) -> Iterator[Processes]:
    store_url = f"sqlite:///{tmp_path / 'overture.db'}"
    upgrade(store_url)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    sims = {
        "wms": SimulatorServer(create_wms_app(overture_url=api_url, ship_delay_s=0.2)).start(),
        "erp": SimulatorServer(create_erp_app()).start(),
        "psp": SimulatorServer(create_payments_app()).start(),
    }
    env = {
        "OVERTURE_HOME": str(tmp_path),
        "OVERTURE_DATABASE_URL": store_url,
        "OVERTURE_TEMPORAL_ADDRESS": temporal_env.address,
        "OVERTURE_TASK_QUEUE": f"return-crash-{uuid.uuid4().hex[:8]}",
        "OVERTURE_WMS_URL": sims["wms"].url,
        "OVERTURE_ERP_URL": sims["erp"].url,
        "OVERTURE_PAYMENTS_URL": sims["psp"].url,
        "OVERTURE_PUBLIC_URL": api_url,
        "OVERTURE_PORT": str(port),
        "OVERTURE_STEP_INITIAL_INTERVAL_S": "0.2",
        "OVERTURE_STEP_MAX_INTERVAL_S": "1",
        "OVERTURE_STEP_MAX_ATTEMPTS": "5",
        "OVERTURE_STEP_RECHECK_INTERVAL_S": "1",
        "OVERTURE_WMS_POLL_INTERVAL_S": "1",
        "OVERTURE_AUTH": "off",  # loopback only: the test's clients carry no keys
    }
    running = Processes(tmp_path, env, store_url, sims)
    running.api.start()
    running.worker.start()
    wait_http(f"{api_url}/healthz", running.api)
    yield running
    for part in (running.api, running.worker):
        part.stop()
    for sim in sims.values():
        sim.stop()


def _wait(condition: Any, what: str, processes: Processes, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\nworker log:\n{processes.worker.log_tail()}")
        time.sleep(0.2)


def test_a_worker_killed_between_refund_and_credit_memo_leaves_one_of_each(processes: Processes) -> None:
    http = httpx.Client(base_url=processes.api_url, timeout=30)
    http.post("/v1/locations", json={"id": "EWR", "name": "Newark", "postal_code": "07114"}).raise_for_status()
    http.post("/v1/skus", json=[{"sku": "A"}]).raise_for_status()
    http.post(
        "/v1/inventory/receipts", json={"entries": [{"sku": "A", "location_id": "EWR", "quantity": 5}]}
    ).raise_for_status()
    order = http.post("/v1/orders", json=order_payload(("A", 2), payment_method="pm_card_visa")).json()
    _wait(lambda: http.get(f"/v1/orders/{order['id']}").json()["status"] == "completed", "completed", processes)
    httpx.post(f"{processes.sims['erp'].url}/_faults", json={"operation": "credit_memo", "down": True}, timeout=5)
    ret = http.post(
        f"/v1/orders/{order['id']}/returns",
        json={"external_id": "RMA-CRASH", "lines": [{"line_no": 1, "quantity": 1, "reason": "damaged"}]},
    ).json()
    receipt = {"location_id": "EWR", "lines": [{"line_no": 1, "units": ["restock"]}]}
    assert http.post(f"/v1/returns/{ret['id']}/receipt", json=receipt).status_code == 200
    _wait(lambda: processes.refunded(ret["id"]), "the refund", processes)
    processes.worker.kill()
    httpx.delete(f"{processes.sims['erp'].url}/_faults", timeout=5)
    processes.worker = HubProcess("worker-2", ["worker"], processes.env, processes.tmp_path)
    processes.worker.start()
    _wait(
        lambda: (
            http.get(f"/v1/returns/{ret['id']}").json()["status"] == "settled"
            and bool(processes.records("erp")["credit_memos"])
        ),
        "the credit memo",
        processes,
    )
    memos = processes.records("erp")["credit_memos"]
    assert len(memos) == 1 and memos[0]["total"] == "9.99"
    refunds = processes.records("psp")["refunds"]
    assert [r["amount"] for r in refunds] == [999]
