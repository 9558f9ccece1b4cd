"""The dispatcher role (``overture dispatcher``, and the dispatching side of ``overture worker`` and
``overture serve``): the outbox dispatcher, which starts a workflow for each captured order and
requested return, and the jobs a deployment must run once however many dispatchers it has: the WMS
shipment poller, the channel senders (fulfilments, refunds), the sellers' purchase orders, the
partners' inventory advice and availability publishing.

The outbox dispatcher runs in every dispatching process: a start of a workflow id that already ran is
a no-op, so two dispatchers only race harmlessly. The once-only jobs run under one lease
(workflows/leases.py): two senders could both find no fulfilment at a channel and both create one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any

from overture.bootstrap import Container
from overture.channels.wms import translate_shipment
from overture.connectors.channeladvisor_inventory import ChannelAdvisorAvailability
from overture.connectors.shopify_inventory import ShopifyInventoryTarget
from overture.outside import OutsideSystems, availability_publisher, channel_fulfilments, channel_refunds
from overture.services.channel_refunds import TOPIC as REFUND_TOPIC
from overture.services.ports.partner_documents import PartnerDocuments
from overture.store.channel_fulfilment import SqlOwedConfirmations
from overture.store.leases import SqlLeases
from overture.workflows.availability_publisher import publish_continuously
from overture.workflows.channel_fulfilments import confirm_periodically
from overture.workflows.channel_refunds import refund_periodically
from overture.workflows.dispatcher import OutboxDispatcher
from overture.workflows.inventory_advice import advise_periodically
from overture.workflows.leases import holder_name, run_while_leased
from overture.workflows.order.starter import OrderWorkflows
from overture.workflows.poller import ShipmentPoller
from overture.workflows.returns.starter import ReturnWorkflows
from overture.workflows.seller_documents import send_periodically

ONCE_ONLY_LEASE = "dispatcher-jobs"


@dataclass(frozen=True, slots=True)
class DispatchJobs:
    """How often the once-only jobs run; 0 leaves one out."""

    poll_interval_s: float = 10.0
    inventory_advice_interval_s: float = 0.0
    availability_publish_interval_s: float = 0.0
    lease_ttl_s: float = 15.0


async def run_dispatch_side(
    container: Container,
    outside: OutsideSystems,
    documents: PartnerDocuments,
    workflows: OrderWorkflows,
    returns: ReturnWorkflows,
    *,
    stop: asyncio.Event,
    jobs: DispatchJobs,
    dispatcher_ready: asyncio.Future[OutboxDispatcher] | None = None,
) -> None:
    """The outbox dispatcher, and the once-only jobs while this process holds their lease, until ``stop``."""
    dispatcher = OutboxDispatcher(container.uow, workflows, clock=container.clock, returns=returns)
    if dispatcher_ready is not None:
        dispatcher_ready.set_result(dispatcher)
    once_only = partial(_once_only_jobs, container, outside, documents, workflows, jobs)
    await asyncio.gather(
        dispatcher.run(stop),
        run_while_leased(
            SqlLeases(container.engine),
            ONCE_ONLY_LEASE,
            once_only,
            holder=holder_name(),
            clock=container.clock,
            stop=stop,
            ttl_s=jobs.lease_ttl_s,
        ),
    )


async def _once_only_jobs(
    container: Container,
    outside: OutsideSystems,
    documents: PartnerDocuments,
    workflows: OrderWorkflows,
    jobs: DispatchJobs,
    stop: asyncio.Event,
) -> None:
    uow, clock = container.uow, container.clock
    loops: list[Coroutine[Any, Any, None]] = [
        send_periodically(uow, clock=clock, documents=documents, interval_s=2.0, stop=stop),
        confirm_shipments(container, stop=stop),
        refund_on_channels(container, stop=stop),
    ]
    if jobs.poll_interval_s > 0:
        poller = ShipmentPoller(
            outside.wms, translate_shipment, workflows, uow, clock=clock, interval_s=jobs.poll_interval_s
        )
        loops.append(poller.run(stop))
    if jobs.inventory_advice_interval_s > 0:
        interval = jobs.inventory_advice_interval_s
        loops.append(advise_periodically(uow, clock=clock, documents=documents, interval_s=interval, stop=stop))
    if jobs.availability_publish_interval_s > 0:
        interval = jobs.availability_publish_interval_s
        loops.append(publish_availability(container, documents=documents, interval_s=interval, stop=stop))
    await asyncio.gather(*loops)


async def confirm_shipments(container: Container, *, stop: asyncio.Event) -> None:
    """Send the fulfilments owed to channels (services/channel_fulfilment.py) until ``stop``."""
    fulfilments = channel_fulfilments(container.settings)
    try:
        await confirm_periodically(
            container.uow,
            SqlOwedConfirmations(container.engine),
            fulfilments,
            clock=container.clock,
            interval_s=container.settings.shopify_fulfilment_interval_s,
            stop=stop,
        )
    finally:
        await fulfilments.aclose()


async def refund_on_channels(container: Container, *, stop: asyncio.Event) -> None:
    """Issue the refunds owed to marketplaces (services/channel_refunds.py) until ``stop``."""
    refunds = channel_refunds(container.settings)
    try:
        await refund_periodically(
            container.uow,
            SqlOwedConfirmations(container.engine, topic=REFUND_TOPIC),
            refunds,
            clock=container.clock,
            interval_s=container.settings.shopify_fulfilment_interval_s,
            stop=stop,
        )
    finally:
        close = getattr(refunds, "aclose", None)
        if close is not None:
            await close()


async def publish_availability(
    container: Container, *, documents: PartnerDocuments, interval_s: float, stop: asyncio.Event
) -> None:
    publisher = availability_publisher(container)
    fixed = list(publisher.targets)
    try:
        await publish_continuously(
            publisher,
            interval_s=interval_s,
            stop=stop,
            fixed_targets=fixed,
            uow_factory=container.uow,
            documents=documents,
        )
    finally:
        for target in fixed:
            if isinstance(target, ShopifyInventoryTarget):
                await target.connector.aclose()
            elif isinstance(target, ChannelAdvisorAvailability):
                await target.aclose()
