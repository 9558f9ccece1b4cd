"""The deployment under test: a PostgreSQL cluster of its own, one Temporal dev server (on a database file,
so a restart keeps its workflows), the WMS and ERP simulators, two ``overture api``, two ``overture worker``
and one ``overture dispatcher``, each an operating-system process that a fault may kill.

The workers run with ``OVERTURE_WORKER_DISPATCH=false``: the dispatcher alone starts workflows and runs
the once-only jobs (the shipment poller, the channel senders), as a scaled-out deployment does.

    with deployment(home) as cluster:   # everything started, and stopped again whatever happens
        cluster.api_urls, cluster.store_url, cluster.restart("worker-1") ...
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from overture.chaos.processes import PgCluster, Proc, stop_all, wait_http
from overture.store.migrate import upgrade
from overture.workflows.dev_server import DevServer, DevServerOptions
from overture.workflows.engine_host import free_port

OVERTURE = Path(sys.executable).parent / "overture"
SHIP_DELAY_S = 0.3  # the WMS ships this long after a release: long enough for a fault to land in between


@dataclass(frozen=True, slots=True)
class Shape:
    apis: int = 2
    workers: int = 2


@dataclass
class Cluster:
    home: Path
    pg: PgCluster
    temporal: DevServer
    procs: dict[str, Proc] = field(default_factory=dict)
    api_ports: dict[str, int] = field(default_factory=dict)
    wms_url: str = ""
    erp_url: str = ""

    @property
    def store_url(self) -> str:
        return self.pg.url

    @property
    def api_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.api_ports.values()]

    def hub_roles(self) -> list[str]:
        """The hub's processes a fault may kill: api-N, worker-N and the dispatcher."""
        return [name for name in self.procs if name.split("-")[0] in ("api", "worker", "dispatcher")]

    def start(self, name: str) -> None:
        """Start a hub process again (after a kill) and wait for an API to answer."""
        proc = self.procs[name]
        proc.start()
        if name in self.api_ports:
            wait_http(f"http://127.0.0.1:{self.api_ports[name]}/healthz", proc, timeout_s=90)

    def pids(self) -> dict[str, int]:
        """Every process of the deployment that runs now, by name (Temporal and PostgreSQL's postmaster too)."""
        found = {name: proc.pid for name, proc in self.procs.items() if proc.pid is not None}
        if self.temporal.pid is not None:
            found["temporal"] = self.temporal.pid
        return found


def _hub_env(cluster: Cluster, task_queue: str, port: int) -> dict[str, str]:
    return {
        "OVERTURE_HOME": str(cluster.home),
        "OVERTURE_DATABASE_URL": cluster.store_url,
        "OVERTURE_TEMPORAL_ADDRESS": cluster.temporal.address,
        "OVERTURE_TASK_QUEUE": task_queue,
        "OVERTURE_WMS_URL": cluster.wms_url,
        "OVERTURE_ERP_URL": cluster.erp_url,
        "OVERTURE_NOTIFY_URL": cluster.erp_url,
        "OVERTURE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "OVERTURE_PORT": str(port),
        # Retries quick enough that a 2-minute run sees faults recovered from, many enough to outlast a restart.
        "OVERTURE_STEP_INITIAL_INTERVAL_S": "0.5",
        "OVERTURE_STEP_MAX_INTERVAL_S": "5",
        "OVERTURE_STEP_MAX_ATTEMPTS": "40",
        "OVERTURE_WMS_POLL_INTERVAL_S": "2",
        "OVERTURE_STEP_RECHECK_INTERVAL_S": "5",
        # Loopback only: the harness's clients and its WMS simulator carry no keys.
        "OVERTURE_AUTH": "off",
        "OVERTURE_SHUTDOWN_GRACE_S": "5",
        "OVERTURE_LOG_LEVEL": "WARNING",
    }


def _simulators(cluster: Cluster, first_api: str) -> None:
    sim = [sys.executable, "-m", "overture.simulators"]
    wms_port, erp_port = free_port(), free_port()
    wms_args = ["--ship-delay", str(SHIP_DELAY_S), "--overture-url", first_api, "--log-level", "warning"]
    cluster.procs["wms"] = Proc("wms", [*sim, "wms", "--port", str(wms_port), *wms_args], {}, cluster.home / "wms.log")
    erp_argv = [*sim, "erp", "--port", str(erp_port), "--log-level", "warning"]
    cluster.procs["erp"] = Proc("erp", erp_argv, {}, cluster.home / "erp.log")
    cluster.wms_url, cluster.erp_url = f"http://127.0.0.1:{wms_port}", f"http://127.0.0.1:{erp_port}"
    for name in ("wms", "erp"):
        cluster.procs[name].start()
    wait_http(f"{cluster.wms_url}/_stats", cluster.procs["wms"])
    wait_http(f"{cluster.erp_url}/_stats", cluster.procs["erp"])


def _hub(cluster: Cluster, shape: Shape, *, first_port: int) -> None:
    """The hub's processes; api-1 on ``first_port``, which the WMS simulator posts its webhooks to."""
    task_queue = f"chaos-{uuid.uuid4().hex[:8]}"
    ports = {f"api-{n + 1}": first_port if n == 0 else free_port() for n in range(shape.apis)}
    for name, port in ports.items():
        env = _hub_env(cluster, task_queue, port)
        cluster.procs[name] = Proc(name, [str(OVERTURE), "api"], env, cluster.home / f"{name}.log")
        cluster.api_ports[name] = port
    any_port = next(iter(ports.values()))
    for n in range(shape.workers):
        env = {**_hub_env(cluster, task_queue, any_port), "OVERTURE_WORKER_DISPATCH": "false"}
        name = f"worker-{n + 1}"
        cluster.procs[name] = Proc(name, [str(OVERTURE), "worker"], env, cluster.home / f"{name}.log")
    env = _hub_env(cluster, task_queue, any_port)
    cluster.procs["dispatcher"] = Proc(
        "dispatcher", [str(OVERTURE), "dispatcher"], env, cluster.home / "dispatcher.log"
    )
    for name in cluster.hub_roles():
        cluster.procs[name].start()
    for name in ports:
        wait_http(f"http://127.0.0.1:{ports[name]}/healthz", cluster.procs[name], timeout_s=120)


@contextmanager
def deployment(home: Path, shape: Shape = Shape()) -> Iterator[Cluster]:
    """Start the whole deployment under ``home``; stop every process and remove the PostgreSQL cluster after."""
    home.mkdir(parents=True, exist_ok=True)
    pg = PgCluster(home / "pg", free_port())
    temporal = DevServer(DevServerOptions(db_file=home / "temporal.db"))
    cluster = Cluster(home, pg, temporal)
    try:
        pg.init()
        pg.start()
        upgrade(pg.url)
        temporal.start()
        # The WMS posts its shipment webhooks to the first API; polling (every 2 s) covers the time it is down.
        first = free_port()
        _simulators(cluster, f"http://127.0.0.1:{first}")
        _hub(cluster, shape, first_port=first)
        yield cluster
    finally:
        for proc in reversed(cluster.procs.values()):
            proc.stop(grace_s=10)
        temporal.stop()
        stop_all()
        pg.remove()
