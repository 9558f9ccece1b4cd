"""The shipment poller costs nothing for the notices the webhook already delivered (a shipment whose
webhook never arrived is caught by polling in tests/workflows/test_crash.py, with the API killed)."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from overture.channels.wms import translate_shipment
from overture.connectors.http import ConnectorConfig
from overture.connectors.wms import WmsConnector
from overture.store.tables import inbound_messages
from overture.workflows.order.starter import OrderWorkflows
from overture.workflows.poller import ShipmentPoller
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import FAST_POLICY, Hub
from tests.workflows.temporal_fixtures import TemporalEnv


def _poll_once(hub: Hub, env: TemporalEnv) -> int:
    async def poll() -> int:
        wms = WmsConnector(ConnectorConfig(name="wms", base_url=hub.wms.url))
        workflows = OrderWorkflows(env.client, "unused", FAST_POLICY)  # signals go by workflow id
        try:
            poller = ShipmentPoller(
                wms, translate_shipment, workflows, hub.container.uow, clock=hub.container.clock, interval_s=60
            )
            return await poller.poll_once()
        finally:
            await wms.aclose()

    return asyncio.run(poll())


def _polled_messages(hub: Hub) -> int:
    with hub.container.engine.connect() as c:
        query = sa.select(sa.func.count()).where(inbound_messages.c.channel == "wms-poll")
        return int(c.execute(query).scalar_one())


def test_notices_the_webhook_already_delivered_cost_no_write(hub: Hub, temporal_env: TemporalEnv) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 5)
    order_id = hub.post_order(order_payload(("A", 1)))["id"]
    hub.wait_status(order_id, "completed")  # shipped by webhook

    found = _poll_once(hub, temporal_env)

    assert found == 0
    assert _polled_messages(hub) == 0, "a notice already recorded is neither stored nor recorded again"
