"""``overture serve``: one command brings up the engine, the simulators, the worker and the API;
an order runs to completed; stopping the hub stops the Temporal dev server it started."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from overture.bootstrap import bootstrap
from overture.config import Settings
from overture.domain.access import Role
from overture.services.access import create_key
from overture.workflows.engine_host import free_port
from tests.factories import order_payload
from tests.workflows.processes import HubProcess, wait_http

pytestmark = pytest.mark.slow


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


def _admin_key(home: Path) -> str:
    # The store serve opens under --home (OVERTURE_* variables are kept from serve, so from here too).
    container = bootstrap(Settings(home=home, database_url=f"sqlite:///{home / 'overture.db'}", auth="required"))
    try:
        return create_key(container.uow, container.clock, role=Role.ADMIN, name="test-admin").token
    finally:
        container.close()


def test_serve_runs_the_whole_hub_and_stops_its_engine(tmp_path: Path) -> None:
    port = free_port()
    env = {"OVERTURE_STEP_INITIAL_INTERVAL_S": "0.2", "OVERTURE_WMS_POLL_INTERVAL_S": "1"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVERTURE_")} | env
    # Auth is required, as shipped: an admin key made with the service on serve's own store, and the
    # built-in WMS simulator's webhooks carry the channel key serve makes for it.
    admin = _admin_key(tmp_path)
    hub = HubProcess("serve", ["serve", "--port", str(port), "--home", str(tmp_path)], env, tmp_path)
    hub.start()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz", hub, timeout_s=60)
        pid_file = tmp_path / "temporal.db.pid"
        assert pid_file.exists(), "serve should start its own Temporal dev server under its home"
        engine_pid = int(pid_file.read_text().split()[0])
        assert _pid_alive(engine_pid)

        assert httpx.get(f"{base}/v1/orders", timeout=10).status_code == 401
        with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {admin}"}) as http:
            http.post("/v1/locations", json={"id": "EWR", "name": "Newark", "postal_code": "07102"}).raise_for_status()
            http.post("/v1/skus", json=[{"sku": "A"}]).raise_for_status()
            http.post("/v1/inventory/receipts", json={"entries": [{"sku": "A", "location_id": "EWR", "quantity": 5}]})
            order_id = http.post("/v1/orders", json=order_payload(("A", 1))).json()["id"]
            deadline = time.monotonic() + 60
            while (status := http.get(f"/v1/orders/{order_id}").json()["status"]) != "completed":
                assert time.monotonic() < deadline, f"order stuck at {status}:\n{hub.log_tail()}"
                time.sleep(0.2)
            references = {(r["system"], r["kind"]) for r in http.get(f"/v1/orders/{order_id}").json()["references"]}
        assert {
            ("wms", "release"),
            ("erp", "sales_order"),
            ("erp", "invoice"),
            ("carrier", "tracking_number"),
        } <= references
    finally:
        hub.signal(signal.SIGINT)
        hub.wait(30)
    assert not _pid_alive(engine_pid), "the dev server started by serve must stop with it"
    assert not pid_file.exists()
