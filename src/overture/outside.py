"""The outside systems a hub process talks to: where they are (``Endpoints``), their clients
(``OutsideSystems``: one connector per port, closed with the process), and the built-in simulators
started for those not configured (``simulators_if_needed``), so ``overture serve`` and the demo run
with nothing else installed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from overture.config import Settings
from overture.connectors.easypost import EasyPostConnector
from overture.connectors.erp import ErpConnector
from overture.connectors.http import ConnectorConfig, HttpConnector
from overture.connectors.notifier import Notifier
from overture.connectors.stripe import StripeConnector
from overture.connectors.wms import WmsConnector

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Endpoints:
    wms_url: str
    erp_url: str
    notify_url: str
    hub_url: str
    # Our payment provider and the carrier for return labels ("": none, orders are paid through their
    # channel and returns come with the customer's own label).
    payments_url: str = ""
    carrier_url: str = ""
    payments_key: str = "sk_test_overture_simulator"  # the built-in simulators' keys
    carrier_key: str = "EZTK_simulator"


@dataclass(frozen=True)
class OutsideSystems:
    """The connectors a worker process talks through (each port's HTTP adapter), closed with it."""

    wms: WmsConnector
    erp: ErpConnector
    notifier: Notifier
    suppliers: list[HttpConnector]
    payments: StripeConnector | None = None
    labels: EasyPostConnector | None = None

    @classmethod
    def at(cls, endpoints: Endpoints) -> OutsideSystems:
        return cls(
            WmsConnector(ConnectorConfig(name="wms", base_url=endpoints.wms_url)),
            ErpConnector(ConnectorConfig(name="erp", base_url=endpoints.erp_url)),
            Notifier(ConnectorConfig(name="notifier", base_url=endpoints.notify_url)),
            [],
            payments_connector(endpoints),
            EasyPostConnector(
                ConnectorConfig(name="carrier", base_url=endpoints.carrier_url), api_key=endpoints.carrier_key
            )
            if endpoints.carrier_url
            else None,
        )

    def supplier(self, name: str, url: str) -> WmsConnector:
        """An API drop-ship supplier's client (spoken like a WMS), closed with the others."""
        connector = WmsConnector(ConnectorConfig(name, url))
        self.suppliers.append(connector)
        return connector

    async def aclose(self) -> None:
        for connector in (self.wms, self.erp, self.notifier, *self.suppliers, self.payments, self.labels):
            if connector is not None:
                await connector.aclose()


def payments_connector(endpoints: Endpoints) -> StripeConnector | None:
    """Our payment provider's client, for the worker's captures and the API's refunds alike."""
    if not endpoints.payments_url:
        return None
    return StripeConnector(
        ConnectorConfig(name="payments", base_url=endpoints.payments_url), api_key=endpoints.payments_key
    )


@contextmanager
def simulators_if_needed(settings: Settings, *, wms_key: str | None = None) -> Iterator[Endpoints]:
    """Use the configured WMS/ERP, or start the built-in simulators for the ones not configured.

    ``wms_key``: the API key the WMS simulator sends with its shipment webhooks (see simulator_key)."""
    from overture.simulators.carrier import create_carrier_app
    from overture.simulators.erp import create_erp_app
    from overture.simulators.payments import create_payments_app
    from overture.simulators.server import SimulatorServer
    from overture.simulators.webhooks import KeyedTransport
    from overture.simulators.wms import create_wms_app

    with ExitStack() as stack:
        wms_url, erp_url = settings.wms_url, settings.erp_url
        if wms_url is None:
            transport = KeyedTransport(wms_key) if wms_key else None
            wms = SimulatorServer(create_wms_app(overture_url=settings.hub_url(), webhook_transport=transport))
            wms.start()
            stack.callback(wms.stop)
            wms_url = wms.url
            log.warning("no OVERTURE_WMS_URL: using the built-in WMS simulator at %s", wms_url)
        if erp_url is None:
            erp = SimulatorServer(create_erp_app())
            erp.start()
            stack.callback(erp.stop)
            erp_url = erp.url
            log.warning("no OVERTURE_ERP_URL: using the built-in ERP simulator at %s", erp_url)
        # The simulator confirms what it did by signed webhooks, as Stripe does.
        psp = create_payments_app(
            webhook_url=f"{settings.hub_url()}/v1/webhooks/payments", webhook_secret=settings.stripe_webhook_secret
        )
        payments_url = settings.payments_url or _simulator(stack, psp, "OVERTURE_PAYMENTS_URL", "payments")
        carrier_url = settings.carrier_url or _simulator(stack, create_carrier_app(), "OVERTURE_CARRIER_URL", "carrier")
        yield Endpoints(
            wms_url,
            erp_url,
            settings.notify_url or erp_url,
            settings.hub_url(),
            payments_url,
            carrier_url,
            settings.payments_key,
            settings.carrier_key,
        )


def _simulator(stack: ExitStack, app: FastAPI, variable: str, what: str) -> str:
    from overture.simulators.server import SimulatorServer

    server = SimulatorServer(app)
    server.start()
    stack.callback(server.stop)
    log.warning("no %s: using the built-in %s simulator at %s", variable, what, server.url)
    return server.url
