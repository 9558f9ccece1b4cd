"""The orchestrated half of ``overture demo``: the whole hub in this process, exactly as ``overture serve``
runs it, and an operator who breaks the outside systems and mends the damage through the public API.

The hub (:class:`DemoHub`) is the engine, the simulators and the worker side from :mod:`overture.runtime`,
with the API served on a socket bound up front. The operator (:class:`Operator`) takes the ERP down while
orders are placed, holds WMS shipments for a while, then works the exception queue the way a person would
(retry, cancel, receive stock) and watches the store until every order has settled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import uvicorn
from rich.progress import Progress, TaskID
from sqlalchemy import select
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

from overture.api.app import create_app
from overture.bootstrap import Container
from overture.config import Settings
from overture.demo_data import WAREHOUSES
from overture.runtime import Endpoints, order_workflows, run_worker_side, simulators_if_needed, worker_options
from overture.store.engine import READONLY
from overture.store.tables import order_exceptions, orders
from overture.workflows.dispatcher import OutboxDispatcher
from overture.workflows.engine import DevServer, connect_client, resolve_engine

HOST = "127.0.0.1"
ENGINE_DIR = "demo-temporal"  # the demo's own engine database, apart from ``overture serve``'s
ACTOR = "demo-operator"
POLL_S = 0.25
OUTAGE_AT = 0.4  # share of the requests placed when the ERP goes down
OUTAGE_S = 3.0  # and for how long at least
STEP_WAIT_S = 10.0  # the longest the operator waits for a fault to show before moving on
SETTLED = frozenset({"completed", "cancelled"})
CONNECTOR = "connector_failure"
T = TypeVar("T")
REPLENISH_AT = WAREHOUSES[0][0]  # the main DC takes the emergency receipts


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

    def __init__(self, settings: Settings, container: Container, port: int) -> None:
        self.socket, self.requested_port_busy = _listen(port)
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
        self.endpoints = self._stack.enter_context(simulators_if_needed(self.settings))
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
            asyncio.run(self._serve(address, endpoints))
        except BaseException as error:  # reported by start(), or lost with a thread that is ending anyway
            self._error = error

    async def _serve(self, address: str, endpoints: Endpoints) -> None:
        # The wiring of runtime._serve, but serving our own socket and stoppable from another thread.
        client = await connect_client(address)
        self._app.state.order_workflows = order_workflows(client, self.settings)
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


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every order's status and open exceptions, read in one go."""

    statuses: dict[str, str]
    waiting: dict[str, list[tuple[str, str]]]  # order id -> open (exception id, type)

    @property
    def by_status(self) -> Counter[str]:
        return Counter(self.statuses.values())

    def open_exceptions(self) -> Iterator[tuple[str, str]]:
        for found in self.waiting.values():
            yield from found

    def open_of(self, kind: str) -> int:
        return sum(t == kind for _, t in self.open_exceptions())

    def settled(self, acted: set[str]) -> int:
        """Orders done, cancelled, or on hold waiting for a decision nobody has taken yet on purpose.

        An exception the operator acted on, or a connector failure (the operator retries every one),
        still counts as moving: its order is about to resume.
        """
        return sum(self._settled(order_id, status, acted) for order_id, status in self.statuses.items())

    def _settled(self, order_id: str, status: str, acted: set[str]) -> bool:
        if status in SETTLED:
            return True
        found = self.waiting.get(order_id, [])
        return status == "on_hold" and bool(found) and not any(e in acted or t == CONNECTOR for e, t in found)


def read_snapshot(container: Container) -> Snapshot:
    with container.engine.connect().execution_options(**{READONLY: True}) as c:
        statuses = {o: s for o, s in c.execute(select(orders.c.id, orders.c.status))}
        waiting: dict[str, list[tuple[str, str]]] = {}
        x = order_exceptions.c
        for order_id, exception_id, kind in c.execute(
            select(x.order_id, x.id, x.type).where(x.status == "open").order_by(x.id)
        ):
            waiting.setdefault(order_id, []).append((exception_id, kind))
    return Snapshot(statuses, waiting)


# --------------------------------------------------------------------------- the operator


@dataclass(slots=True)
class OperatorLog:
    """What the operator did (the store has the outcome; this is the intent, and what was refused)."""

    erp_outage_s: float = 0.0
    retried: int = 0
    restocked: int = 0
    cancelled_before_release: int = 0
    cancelled_after_release: int = 0
    cancelled_from_queue: int = 0
    refused: int = 0  # a resolve or cancel the hub turned down (already shipped, not waiting yet); tried again


class Operator:
    """Breaks the simulated ERP and WMS at set points and works the exception queue through the API."""

    def __init__(self, hub: DemoHub, container: Container, orders: int, progress: Progress) -> None:
        self._http = httpx.Client(base_url=hub.url, timeout=120)
        # A person works one screen, but a busy queue is worked by a team: a few decisions at once.
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="demo-operator")
        self._wms, self._erp = hub.simulated
        self._container = container
        self._progress = progress
        self._task: TaskID | None = None
        self._started = time.monotonic()
        # A few of each, scaled to the run: enough to see in the summary, not enough to drown it.
        self._cancel_each = max(2, orders // 150)
        self._acted: set[str] = set()  # exceptions decided on, open until their workflow gets to them
        self._touched: set[str] = set()  # orders decided on: no customer cancels those as well
        self._lock = threading.Lock()
        self._outage_started: float | None = None
        self._phase = ""
        self.log = OperatorLog()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C must not wait for calls in flight
        self._http.close()

    # -- during placement

    def placed(self, done: int, total: int) -> None:
        """Called by the clients as requests are answered: the ERP goes down part-way through."""
        if self._erp is None or done < total * OUTAGE_AT or self._outage_started is not None:
            return
        with self._lock:
            if self._outage_started is None:
                self._fault(self._erp, {"operation": "*", "down": True})
                self._outage_started = time.monotonic()
                self._say("[red]ERP down[/] (simulated outage): its calls now fail with 503")

    # -- after placement

    def run(self, deadline: float) -> tuple[bool, int]:
        """Mend what broke and wait until every order has settled; whether they did, and how many did not."""
        self._task = self._progress.add_task("Orders settled", total=None, status="")
        self._end_outage()
        self._work_queue()
        self._cancel_released()
        self._phase = "settling"
        snapshot = self._wait(lambda s: s.settled(self._acted) == len(s.statuses), deadline, sweep=True)
        unsettled = len(snapshot.statuses) - snapshot.settled(self._acted)
        return unsettled == 0, unsettled

    def _end_outage(self) -> None:
        if self._erp is None or self._outage_started is None:
            return
        self._phase = "ERP down"
        started = self._outage_started

        def long_enough(snapshot: Snapshot) -> bool:
            # A few seconds of outage, and (on a busy machine retries run late) enough orders held by it
            # for some to be cancelled and the rest retried.
            return snapshot.open_of(CONNECTOR) >= 2 * self._cancel_each and time.monotonic() > started + OUTAGE_S

        snapshot = self._wait(long_enough, started + 3 * STEP_WAIT_S)
        self._fault(self._erp, {"operation": "*", "down": False})
        self.log.erp_outage_s = time.monotonic() - self._outage_started
        held = snapshot.open_of(CONNECTOR)
        self._say(f"[green]ERP back[/] after {self.log.erp_outage_s:.1f} s; {held} order(s) on hold for it so far")

    def _work_queue(self) -> None:
        """Decide on everything waiting at once, as a team would: the outage's connector failures
        (see _sweep), every other unknown-SKU hold cancelled, every other stock hold given a receipt
        and a retry. The rest stay on hold for whoever opens /docs next."""
        unknown, short = self._open("unknown_sku")[::2], self._open("insufficient_stock")[::2]
        dropped = self._submit(lambda e: self._resolve(e, "cancel", "SKU retired; customer refunded"), unknown)
        restocked = self._submit(lambda e: self._restock(e) and self._resolve(e, "retry", "stock received"), short)
        self._sweep()
        self.log.cancelled_from_queue += _accepted(dropped)
        self.log.restocked += _accepted(restocked)
        self._say(
            f"{ACTOR}: cancelled {self.log.cancelled_from_queue} unknown-SKU hold(s) from the queue; received "
            f"stock for and retried {self.log.restocked} stock hold(s)"
        )

    def _sweep(self) -> None:
        """Retry every open connector failure; the first few at the sales-order step are cancelled
        instead (the customer gave up during the outage), before anything was released."""
        failures = [e for e in self._open(CONNECTOR) if e["id"] not in self._acted]
        # At most half of them, so that retries are always seen too.
        budget = min(self._cancel_each - self.log.cancelled_before_release, len(failures) // 2)
        early = [e for e in failures if e["step"] == "sales_order"][: max(budget, 0)]
        reason = "customer cancelled during the ERP outage"
        cancelled = _accepted(self._submit(lambda e: self._cancel(e["order_id"], reason), early))
        rest = [e for e in failures if e not in early]
        retried = _accepted(self._submit(lambda e: self._resolve(e, "retry", "ERP is back"), rest))
        self.log.cancelled_before_release += cancelled
        self.log.retried += retried
        if cancelled:
            self._say(f"{ACTOR}: cancelled {cancelled} order(s) held by the outage, before release")
        if retried:
            self._say(f"{ACTOR}: retried {retried} connector failure(s)")

    def _cancel_released(self) -> None:
        """Hold shipments until a few orders wait at their warehouse, cancel those, and ship again.
        Short on purpose: everything released meanwhile ships at once when the WMS resumes."""
        if self._wms is None:
            return
        self._fault(self._wms, {"auto_ship": False}, path="/_config")
        self._say("[yellow]WMS holding shipments[/]: released orders wait at their warehouse")
        self._phase = "WMS holding shipments"
        waiting: list[str] = []

        def enough(snapshot: Snapshot) -> bool:
            # The WMS's records are the whole day's releases: only ask once the store shows enough released.
            if snapshot.by_status["released"] < self._cancel_each:
                return False
            waiting[:] = [order_id for order_id in self._waiting_at_wms() if order_id not in self._touched]
            return len(waiting) >= self._cancel_each

        self._wait(enough, time.monotonic() + STEP_WAIT_S)
        reason = "customer cancelled after release"
        done = _accepted(self._submit(lambda order_id: self._cancel(order_id, reason), waiting[: self._cancel_each]))
        self.log.cancelled_after_release += done
        self._fault(self._wms, {"auto_ship": True}, path="/_config")
        self._say(f"{ACTOR}: cancelled {done} released order(s) at the WMS; [green]WMS shipping again[/]")

    def _waiting_at_wms(self) -> list[str]:
        """Orders whose every release is still open at the WMS: the ones a cancellation can still stop.
        (The store may show an order released whose goods just left: its shipment is on its way in.)"""
        assert self._wms is not None
        open_: dict[str, bool] = {}
        for release in checked(httpx.get(f"{self._wms}/_records", timeout=30)).json()["releases"]:
            order_id = release["order_id"]
            open_[order_id] = open_.get(order_id, True) and release["status"] == "released"
        return [order_id for order_id, still_open in open_.items() if still_open]

    # -- API calls

    def _submit(self, act: Callable[[T], bool], items: list[T]) -> list[Future[bool]]:
        return [self._pool.submit(act, item) for item in items]

    def _open(self, kind: str) -> list[dict[str, Any]]:
        """Open exceptions of a type, oldest first, through the paged API."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"type": kind, "limit": 500}
        while True:
            page = checked(self._http.get("/v1/exceptions", params=params)).json()
            found += page["items"]
            if page["next_after"] is None:
                return found[::-1]
            params["after"] = page["next_after"]

    def _resolve(self, exception: dict[str, Any], action: str, note: str) -> bool:
        body = {"action": action, "actor": ACTOR, "note": note}
        accepted = self._post(f"/v1/exceptions/{exception['id']}/resolve", body)
        with self._lock:
            self._touched.add(exception["order_id"])
            if accepted:
                self._acted.add(exception["id"])
        return accepted

    def _cancel(self, order_id: str, reason: str) -> bool:
        with self._lock:
            self._touched.add(order_id)
        return self._post(f"/v1/orders/{order_id}/cancel", {"reason": reason, "actor": ACTOR})

    def _post(self, path: str, body: dict[str, Any]) -> bool:
        """Whether the hub accepted; a refusal (409: already shipped, not waiting for a decision yet)
        or a timeout is counted and left for the next sweep, as a person would try again later."""
        try:
            response = self._http.post(path, json=body)
        except httpx.TimeoutException:
            response = None
        if response is None or response.status_code == 409:
            with self._lock:
                self.log.refused += 1
            return False
        checked(response)
        return True

    def _restock(self, exception: dict[str, Any]) -> bool:
        entries = [
            {
                "sku": s["sku"],
                "location_id": REPLENISH_AT,
                "quantity": s["requested"],
                "reason": "emergency replenishment",
                "reference": f"PO-{exception['order_id']}",
            }
            for s in exception["details"].get("shortages", [])
        ]
        if entries:
            checked(self._http.post("/v1/inventory/receipts", json={"entries": entries}))
        return bool(entries)

    def _fault(self, base_url: str, body: dict[str, Any], *, path: str = "/_faults") -> None:
        checked(httpx.post(f"{base_url}{path}", json=body, timeout=30))

    # -- watching

    def _wait(self, done: Callable[[Snapshot], bool], until: float, *, sweep: bool = False) -> Snapshot:
        """Poll the store, keeping the progress line current, until ``done`` or the time is up.

        With ``sweep``, connector failures that open meanwhile (an order that was mid-retry when the
        ERP came back, or one not yet waiting for a decision at the last sweep) are retried as they come.
        """
        while True:
            snapshot = read_snapshot(self._container)
            self._show(snapshot)
            if done(snapshot) or time.monotonic() > until:
                return snapshot
            if sweep and any(t == CONNECTOR and e not in self._acted for e, t in snapshot.open_exceptions()):
                self._sweep()
            time.sleep(POLL_S)

    def _show(self, snapshot: Snapshot) -> None:
        if self._task is None:
            return
        counts = " · ".join(f"{status} {n}" for status, n in snapshot.by_status.most_common(4))
        self._progress.update(
            self._task,
            total=len(snapshot.statuses),
            completed=snapshot.settled(self._acted),
            status=f"[dim]{self._phase}:[/] {counts}",
        )

    def _say(self, text: str) -> None:
        self._progress.console.print(f"  [dim]{time.monotonic() - self._started:5.1f} s[/]  {text}")


def _accepted(decisions: list[Future[bool]]) -> int:
    return sum(decision.result() for decision in decisions)


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
