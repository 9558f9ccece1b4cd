"""The orchestrated half of ``overture demo``: the whole hub in this process, exactly as ``overture serve``
runs it, and an operator who breaks the outside systems and mends the damage through the public API.

The hub (:class:`DemoHub`) is the engine, the simulators and the worker side from :mod:`overture.runtime`,
with the API served on a socket bound up front. The operator is in :mod:`overture.demo.operator`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import uvicorn
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

from overture.app import create_app
from overture.bootstrap import Container
from overture.config import Settings
from overture.demo.keys import DemoKeys
from overture.runtime import (
    Endpoints,
    attach_gateways,
    run_async,
    run_worker_side,
    simulators_if_needed,
    worker_options,
)
from overture.workflows.dev_server import DevServer, resolve_engine
from overture.workflows.dispatcher import OutboxDispatcher
from overture.workflows.engine import connect_client

HOST = "127.0.0.1"
ENGINE_DIR = "demo-temporal"  # the demo's own engine database, apart from ``overture serve``'s


class DemoError(RuntimeError):
    """The hub refused a request or did not start."""


# --------------------------------------------------------------------------- the hub


def _listen(port: int) -> tuple[socket.socket, bool]:
    """A socket bound to ``port``, or to a free port if that is taken; and whether it was taken."""
    for candidate in dict.fromkeys((port, 0)):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # As uvicorn does: rebind at once over connections of a previous run still in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, candidate))
        except OSError:
            sock.close()
            continue
        return sock, candidate != port
    raise DemoError("no free port on the loopback interface")


def _start_fresh(server: DevServer) -> None:
    """Start the dev server on an empty database: workflows of an earlier demo, whose orders went
    with the old store, must not come back to life and fail against the new one."""
    if server.pid_file.exists():
        # An earlier demo was killed: start() first stops a server it left behind; stop ours again
        # so that nothing holds the files while they are removed.
        server.start()
        server.stop()
    for suffix in ("", "-wal", "-shm"):
        server.db_file.with_name(server.db_file.name + suffix).unlink(missing_ok=True)
    server.start()


@contextmanager
def _expected_failures_unlogged() -> Iterator[None]:
    """Hide the warnings the demo causes on purpose: each failed ERP call during the outage (with its
    traceback), shipment webhooks lost in the burst when the WMS ships again (the shipment poller
    brings those in), and the note that the built-in simulators stand in for a WMS and an ERP."""
    names = ("temporalio.activity", "overture.simulators.webhooks", "overture.runtime")
    quiet = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)


def _quiet_engine_warnings() -> None:
    """The Temporal SDK core prints its warnings (a workflow task over 5 s on a busy machine) straight
    to the terminal, through the progress display: keep them to errors. The default runtime can only
    be chosen before this process makes its first client; after that, leave it as it is."""
    errors_only = LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
    with contextlib.suppress(RuntimeError):
        Runtime.set_default(Runtime(telemetry=TelemetryConfig(logging=errors_only)), error_if_already_set=True)


class DemoHub:
    """``overture serve`` in a background thread: engine, simulators, worker side and API.

    The socket is bound first, so a busy port falls back to a free one before anything starts,
    and the simulators are told the hub's real address for their shipment webhooks.
    """

    def __init__(self, settings: Settings, container: Container, port: int, keys: DemoKeys | None = None) -> None:
        self.socket, self.requested_port_busy = _listen(port)
        self.keys = keys or DemoKeys(None, None, None)
        self.port: int = self.socket.getsockname()[1]
        self.settings = settings.model_copy(update={"host": HOST, "port": self.port})
        self.endpoints: Endpoints | None = None
        self.engine_pid: int | None = None
        self._container = container
        self._app = create_app(container)  # the demo closes the container itself, after its summary
        self._server = uvicorn.Server(uvicorn.Config(self._app, log_level="warning", access_log=False))
        self._stack = ExitStack()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def client(self, *, timeout: float, admin: bool = False) -> httpx.Client:
        """An HTTP client of the hub that presents the operator key (or the admin key, for master data)."""
        key = self.keys.admin if admin else self.keys.operator
        return httpx.Client(base_url=self.url, timeout=timeout, headers=DemoKeys.headers(key))

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def simulated(self) -> tuple[str | None, str | None]:
        """The WMS and ERP URLs when they are our simulators (faults and records), else None."""
        assert self.endpoints is not None
        wms = self.endpoints.wms_url if self.settings.wms_url is None else None
        erp = self.endpoints.erp_url if self.settings.erp_url is None else None
        return wms, erp

    def start(self, timeout_s: float = 60) -> None:
        self._stack.enter_context(_expected_failures_unlogged())
        _quiet_engine_warnings()
        address, dev_server = resolve_engine(self.settings.home / ENGINE_DIR, self.settings.temporal_address)
        if dev_server is not None:
            self._stack.callback(dev_server.stop)
            _start_fresh(dev_server)
            self.engine_pid = dev_server.pid
        self.endpoints = self._stack.enter_context(simulators_if_needed(self.settings, wms_key=self.keys.wms))
        self._thread = threading.Thread(
            target=self._run, args=(address, self.endpoints), name="overture-demo-hub", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise DemoError(f"the hub did not start: {self._error!r}")
            time.sleep(0.02)

    def stop(self, grace_s: float = 60) -> None:
        """Stop the API and the worker side (giving them ``grace_s`` to finish), then the simulators
        and the dev server. The hub thread is a daemon: one still busy after the grace dies with us."""
        self._server.should_exit = True
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=grace_s)
        self.socket.close()
        self._stack.close()

    def _run(self, address: str, endpoints: Endpoints) -> None:
        try:
            run_async(self._serve(address, endpoints))  # the event loop `overture serve` runs
        except BaseException as error:  # reported by start(), or lost with a thread that is ending anyway
            self._error = error

    async def _serve(self, address: str, endpoints: Endpoints) -> None:
        # The wiring of runtime._serve, but serving our own socket and stoppable from another thread.
        client = await connect_client(address)
        attach_gateways(self._app, client, self.settings, endpoints)
        stop = asyncio.Event()
        ready: asyncio.Future[OutboxDispatcher] = asyncio.get_running_loop().create_future()
        worker = asyncio.create_task(
            run_worker_side(
                self._container, client, endpoints, stop=stop, dispatcher_ready=ready, **worker_options(self.settings)
            )
        )
        # Without a worker no order would ever settle: stop serving rather than wait for the deadline.
        worker.add_done_callback(lambda _: setattr(self._server, "should_exit", True))
        self._app.state.on_order_placed = (await ready).wake
        try:
            await self._server.serve(sockets=[self.socket])
        finally:
            stop.set()
            await worker


# --------------------------------------------------------------------------- what the store says


def checked(response: httpx.Response) -> httpx.Response:
    """The response, or DemoError with what the hub (or a simulator) answered."""
    if response.is_error:
        raise DemoError(
            f"{response.request.method} {response.request.url.path} -> {response.status_code}: {response.text[:500]}"
        )
    return response


def simulator_records(hub: DemoHub) -> tuple[Counter[tuple[str, str]], Counter[str]] | None:
    """WMS releases per (order, location) and ERP invoices per order, as the simulators recorded them."""
    wms, erp = hub.simulated
    if wms is None or erp is None:
        return None
    releases = checked(httpx.get(f"{wms}/_records", timeout=30)).json()["releases"]
    invoices = checked(httpx.get(f"{erp}/_records", timeout=30)).json()["invoices"]
    return (
        Counter((r["order_id"], r["location_id"]) for r in releases),
        Counter(i["order_id"] for i in invoices),
    )
