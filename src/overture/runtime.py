"""Running the hub: the workflow engine, the worker and outbox dispatcher, the API, and (when no
outside systems are configured) the built-in WMS and ERP simulators, in one process."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any, TypedDict, TypeVar

import uvicorn
import uvloop
from fastapi import FastAPI
from prometheus_client import start_http_server
from temporalio.client import Client

from overture.app import create_app
from overture.bootstrap import Container, edi_sender, warehouses
from overture.channels.x12.partner_documents import X12PartnerDocuments
from overture.config import Settings
from overture.domain.access import Role
from overture.observability import logs
from overture.observability.flusher import HealthFlusher
from overture.outside import (
    Endpoints,
    OutsideSystems,
    acumatica_access,
    availability_publisher,
    configured_tax,
    payments_connector,
    simulators_if_needed,
)
from overture.runtime_dispatch import DispatchJobs, run_dispatch_side
from overture.services.access import replace_key
from overture.services.ports.partner_documents import PartnerDocuments
from overture.workflows.child_process import drain_on_termination
from overture.workflows.dev_server import resolve_engine
from overture.workflows.dispatcher import OutboxDispatcher
from overture.workflows.engine import connect_client
from overture.workflows.order.activities import OrderActivities
from overture.workflows.order.sellers.starter import SellerWorkflows
from overture.workflows.order.shared import StepPolicy
from overture.workflows.order.starter import OrderWorkflows
from overture.workflows.returns.activities import ReturnActivities
from overture.workflows.returns.starter import ReturnWorkflows
from overture.workflows.worker import DEFAULT_TUNING, WorkerTuning, build_worker

__all__ = ["Endpoints", "OutsideSystems", "availability_publisher", "payments_connector", "simulators_if_needed"]

log = logging.getLogger(__name__)


T = TypeVar("T")


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """Run the process's event loop on uvloop: the API's requests, the worker's activity calls and
    the engine client's callbacks all go through it. In the orchestration bench the worker process
    spent 7-8% less CPU per order than on asyncio's own loop (benchmarks/README.md).

    uvicorn picks uvloop by itself only when it creates the loop (``uvicorn.run``); ``overture serve``
    and ``overture api`` run its server inside their own loop, so they choose it here."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def configure_logging(settings: Settings) -> None:
    """Logging for the whole process, uvicorn included, as the settings say (JSON lines by default)."""
    logs.configure(fmt=settings.log_format, level=settings.log_level, access_log=settings.access_log)


def uvicorn_config(app: FastAPI, settings: Settings) -> uvicorn.Config:
    # log_config=None: uvicorn keeps the logging set up by configure_logging instead of its own.
    # On SIGTERM uvicorn stops accepting, and waits this long for the requests in flight.
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=settings.access_log,
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_s)),
    )


def policy_from(settings: Settings) -> StepPolicy:
    return StepPolicy(
        max_attempts=settings.step_max_attempts,
        initial_interval_s=settings.step_initial_interval_s,
        max_interval_s=settings.step_max_interval_s,
        recheck_interval_s=settings.step_recheck_interval_s,
    )


class WorkerOptions(TypedDict):
    task_queue: str
    policy: StepPolicy
    tuning: WorkerTuning
    poll_interval_s: float
    inventory_advice_interval_s: float
    availability_publish_interval_s: float
    lease_ttl_s: float


def order_workflows(client: Client, settings: Settings) -> OrderWorkflows:
    """How the API reaches order workflows: the same queue and policy the worker side starts them with."""
    return OrderWorkflows(client, settings.task_queue, policy_from(settings))


def attach_gateways(app: FastAPI, client: Client, settings: Settings, endpoints: Endpoints) -> None:
    """What the API's routes call outside the store: order and return workflows, the payment provider."""
    app.state.temporal_client = client  # /readyz asks the engine whether it serves
    app.state.order_workflows = order_workflows(client, settings)
    app.state.return_workflows = ReturnWorkflows(client, settings.task_queue, policy_from(settings))
    app.state.seller_workflows = SellerWorkflows(client, settings.task_queue)  # onboarding and incidents
    app.state.payments = payments_connector(endpoints)
    app.state.tax_engine = endpoints.tax.connector() if endpoints.tax else None  # capture prices tax with it


def worker_options(settings: Settings) -> WorkerOptions:
    """The settings-driven arguments of ``run_worker_side``."""
    return WorkerOptions(
        task_queue=settings.task_queue,
        policy=policy_from(settings),
        tuning=WorkerTuning(
            max_concurrent=settings.worker_concurrency,
            sandboxed=settings.workflow_sandbox,
            graceful_shutdown_s=settings.shutdown_grace_s,
        ),
        poll_interval_s=settings.wms_poll_interval_s,
        inventory_advice_interval_s=settings.edi_inventory_advice_interval_s,
        availability_publish_interval_s=settings.availability_publish_interval_s,
        lease_ttl_s=settings.lease_ttl_s,
    )


def make_activities(
    container: Container, endpoints: Endpoints, outside: OutsideSystems, documents: PartnerDocuments
) -> OrderActivities:
    return OrderActivities(
        uow_factory=container.uow,
        geocoder=container.geocoder,
        clock=container.clock,
        wms=warehouses(container, outside.wms),
        erp=outside.erp,
        notifier=outside.notifier,
        documents=documents,
        supplier_gateways=outside.supplier,
        shipment_callback_url=f"{endpoints.hub_url}/v1/webhooks/wms/shipments",
        payments=outside.payments,
        tax=outside.tax,
        labels=outside.labels if container.settings.labels_on_release else None,
    )


async def run_worker_side(
    container: Container,
    client: Client,
    endpoints: Endpoints,
    *,
    task_queue: str,
    policy: StepPolicy,
    stop: asyncio.Event,
    tuning: WorkerTuning = DEFAULT_TUNING,
    poll_interval_s: float = 10.0,
    dispatcher_ready: asyncio.Future[OutboxDispatcher] | None = None,
    dispatch_outbox: bool = True,
    inventory_advice_interval_s: float = 0.0,
    availability_publish_interval_s: float = 0.0,
    lease_ttl_s: float = 15.0,
) -> None:
    """Run the order worker and, unless ``dispatch_outbox=False`` (another process dispatches), the
    dispatcher role (runtime_dispatch.py) until ``stop`` is set."""
    outside = OutsideSystems.at(endpoints)
    documents = X12PartnerDocuments(edi_sender(container.settings))
    activities = make_activities(container, endpoints, outside, documents)
    workflows = OrderWorkflows(client, task_queue, policy)
    return_workflows = ReturnWorkflows(client, task_queue, policy)
    return_steps = ReturnActivities(
        container.uow,
        container.geocoder,
        container.clock,
        outside.payments,
        outside.erp,
        outside.labels,
        workflows,
        documents,
        outside.tax,
    )
    jobs = DispatchJobs(poll_interval_s, inventory_advice_interval_s, availability_publish_interval_s, lease_ttl_s)
    # One thread per concurrent activity slot: store activities are short and wait on the
    # connection pool, which is what bounds the load on the database. The health flusher writes this
    # process's connector calls for the dashboard, and once more after the connectors are closed.
    with (
        ThreadPoolExecutor(max_workers=tuning.max_concurrent, thread_name_prefix="activity") as executor,
        HealthFlusher(container.engine, clock=container.clock),
    ):
        worker = build_worker(
            client, task_queue=task_queue, activities=activities, executor=executor, tuning=tuning, returns=return_steps
        )
        try:
            async with worker:
                if dispatch_outbox:
                    await run_dispatch_side(
                        container,
                        outside,
                        documents,
                        workflows,
                        return_workflows,
                        stop=stop,
                        jobs=jobs,
                        dispatcher_ready=dispatcher_ready,
                    )
                else:
                    await stop.wait()
        finally:
            await outside.aclose()


async def run_dispatcher_side(
    container: Container, client: Client, endpoints: Endpoints, *, stop: asyncio.Event, settings: Settings
) -> None:
    """The dispatcher role alone (``overture dispatcher``): no workflow or activity runs here."""
    outside = OutsideSystems.at(endpoints)
    options = worker_options(settings)
    workflows = OrderWorkflows(client, options["task_queue"], options["policy"])
    returns = ReturnWorkflows(client, options["task_queue"], options["policy"])
    documents = X12PartnerDocuments(edi_sender(container.settings))
    jobs = DispatchJobs(
        options["poll_interval_s"] if settings.wms_url else 0.0,
        options["inventory_advice_interval_s"],
        options["availability_publish_interval_s"],
        options["lease_ttl_s"],
    )
    with HealthFlusher(container.engine, clock=container.clock):
        try:
            await run_dispatch_side(container, outside, documents, workflows, returns, stop=stop, jobs=jobs)
        finally:
            await outside.aclose()


WMS_SIMULATOR_KEY = "built-in WMS simulator"


def simulator_key(container: Container) -> str | None:
    """A fresh channel key (channel "wms") for the built-in WMS simulator; None when auth is off."""
    if container.settings.auth == "off":
        return None
    made = replace_key(container.uow, container.clock, name=WMS_SIMULATOR_KEY, role=Role.CHANNEL, channel="wms")
    return made.token


def serve_hub(settings: Settings, container: Container) -> None:
    """Engine (unless OVERTURE_TEMPORAL_ADDRESS), simulators (unless URLs given), worker and API."""
    configure_logging(settings)
    address, dev_server = resolve_engine(settings.home, settings.temporal_address)
    with ExitStack() as stack:
        if dev_server is not None:
            dev_server.start()
            stack.callback(dev_server.stop)
        wms_key = simulator_key(container) if settings.wms_url is None else None
        endpoints = stack.enter_context(simulators_if_needed(settings, wms_key=wms_key))
        # The simulators' uvicorn installs its own logging config on start: put the process's back.
        configure_logging(settings)
        run_async(_serve(settings, container, address, endpoints))


async def _serve(settings: Settings, container: Container, address: str, endpoints: Endpoints) -> None:
    client = await connect_client(address)
    app = create_app(container, dispose_on_shutdown=True)
    attach_gateways(app, client, settings, endpoints)
    stop = asyncio.Event()
    ready: asyncio.Future[OutboxDispatcher] = asyncio.get_running_loop().create_future()
    worker_task = asyncio.create_task(
        run_worker_side(
            container,
            client,
            endpoints,
            stop=stop,
            dispatcher_ready=ready,
            **worker_options(settings),
        )
    )
    app.state.on_order_placed = (await ready).wake
    server = uvicorn.Server(uvicorn_config(app, settings))
    try:
        await server.serve()
    finally:
        stop.set()
        await worker_task


def run_worker(settings: Settings, container: Container) -> None:
    """The order worker (scale-out), and the dispatcher role unless OVERTURE_WORKER_DISPATCH=false:
    needs an engine and outside systems configured."""
    erp_url = settings.erp_url if settings.erp_kind == "generic" else settings.acumatica_url
    notify_url = settings.notify_url or (settings.erp_url if settings.erp_kind == "generic" else None)
    if not (settings.temporal_address and settings.wms_url and erp_url and notify_url):
        raise SystemExit(
            "overture worker needs OVERTURE_TEMPORAL_ADDRESS, OVERTURE_WMS_URL, the ERP's URL (OVERTURE_ERP_URL, "
            "or OVERTURE_ACUMATICA_URL with erp_kind acumatica) and OVERTURE_NOTIFY_URL unless the generic ERP "
            "takes the customer notices"
        )
    endpoints = _scale_out_start(settings, notify_url)

    async def main() -> None:
        client = await connect_client(settings.temporal_address or "")
        stop = asyncio.Event()
        drain_on_termination(stop, settings.shutdown_grace_s)
        await run_worker_side(
            container,
            client,
            endpoints,
            stop=stop,
            dispatch_outbox=settings.worker_dispatch,
            **worker_options(settings),
        )

    run_async(main())


def run_dispatcher(settings: Settings, container: Container) -> None:
    """Only the dispatcher role (runtime_dispatch.py), against OVERTURE_TEMPORAL_ADDRESS; as many as wanted."""
    if not settings.temporal_address:
        raise SystemExit("overture dispatcher needs OVERTURE_TEMPORAL_ADDRESS (overture serve runs everything in one)")
    endpoints = _scale_out_start(settings, settings.notify_url or settings.erp_url or "")

    async def main() -> None:
        client = await connect_client(settings.temporal_address or "")
        stop = asyncio.Event()
        drain_on_termination(stop, settings.shutdown_grace_s)
        await run_dispatcher_side(container, client, endpoints, stop=stop, settings=settings)

    run_async(main())


def _scale_out_start(settings: Settings, notify_url: str) -> Endpoints:
    """Logging and metrics of a process without an API, and the outside systems it reaches."""
    configure_logging(settings)
    if settings.metrics_port:
        # A process without an API serves its own instruments (connectors, steps, publish lag)
        # here. The store's figures (orders, exceptions, outbox lag) come from the API's /metrics.
        start_http_server(settings.metrics_port, addr=settings.host)
    return Endpoints(
        settings.wms_url or "",
        settings.erp_url or "",
        notify_url,
        settings.hub_url(),
        settings.payments_url or "",
        settings.carrier_url or "",
        settings.payments_key,
        settings.carrier_key,
        acumatica_access(settings),
        configured_tax(settings),
    )


def run_api(settings: Settings, container: Container) -> None:
    """Only the API (scale-out, or a separate process in crash tests), talking to an existing engine."""
    if not settings.temporal_address:
        raise SystemExit("overture api needs OVERTURE_TEMPORAL_ADDRESS (overture serve runs everything in one)")
    configure_logging(settings)

    async def main() -> None:
        app = create_app(container, dispose_on_shutdown=True)
        client = await connect_client(settings.temporal_address or "")
        endpoints = Endpoints(
            "",
            "",
            "",
            "",
            settings.payments_url or "",
            payments_key=settings.payments_key,
            tax=configured_tax(settings),
        )
        attach_gateways(app, client, settings, endpoints)
        server = uvicorn.Server(uvicorn_config(app, settings))
        await server.serve(sockets=[shared_socket(settings)] if settings.reuse_port else None)

    run_async(main())


def shared_socket(settings: Settings) -> socket.socket:
    """A listening socket other processes may bind too (SO_REUSEPORT): the kernel spreads connections."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind((settings.host, settings.port))
    listener.listen(2048)  # uvicorn's own backlog
    return listener
