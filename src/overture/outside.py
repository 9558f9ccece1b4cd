"""The outside systems a hub process talks to: where they are (``Endpoints``), their clients
(``OutsideSystems``: one connector per port, closed with the process), and the built-in simulators
started for those not configured (``simulators_if_needed``), so ``overture serve`` and the demo run
with nothing else installed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from overture.bootstrap import Container
from overture.config import Settings
from overture.connectors.acumatica import AcumaticaConnector
from overture.connectors.acumatica_items import AcumaticaItems
from overture.connectors.acumatica_session import OAuthClient
from overture.connectors.amazon import AmazonOrdersConnector
from overture.connectors.amazon_auth import LwaCredentials, LwaTokens
from overture.connectors.amazon_fulfilment import AmazonShipmentConfirmer
from overture.connectors.avatax import AvaTaxConnector
from overture.connectors.channeladvisor import ChannelAdvisorConnector
from overture.connectors.channeladvisor_auth import CaCredentials, CaTokens
from overture.connectors.channeladvisor_fulfilment import ChannelAdvisorShipments
from overture.connectors.channeladvisor_inventory import ChannelAdvisorAvailability, ChannelAdvisorStock
from overture.connectors.easypost import EasyPostConnector
from overture.connectors.ebay import EbayConnector
from overture.connectors.ebay_auth import EbayCredentials, EbayTokens
from overture.connectors.ebay_fulfilment import EbayShipments
from overture.connectors.erp import ErpConnector
from overture.connectors.http import ConnectorConfig, HttpConnector
from overture.connectors.notifier import Notifier
from overture.connectors.shopify_admin import ShopifyFulfilments
from overture.connectors.shopify_graphql import ShopifyGraphql
from overture.connectors.shopify_inventory import ShopifyInventoryConnector, ShopifyInventoryTarget
from overture.connectors.stripe import StripeConnector
from overture.connectors.walmart import WalmartCredentials, WalmartOrdersConnector, WalmartTokens
from overture.connectors.walmart_source import WalmartRefunds, WalmartShipments
from overture.connectors.wms import WmsConnector
from overture.domain.availability import ChannelRules
from overture.services.availability import AvailabilityPublisher, ChannelTarget
from overture.services.channel_fulfilment import FulfilmentsByChannel
from overture.services.channel_refunds import NoChannelRefunds
from overture.services.ports.channel_fulfilment import ChannelFulfilments
from overture.services.ports.channel_refunds import ChannelRefunds
from overture.store.availability import SqlAvailabilityStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AcumaticaAccess:
    """Where and as whom the Acumatica connector signs in, and how it books (config.py's acumatica_*)."""

    url: str
    username: str
    password: str
    tenant: str = ""
    branch: str = ""
    endpoint_version: str = "24.200.001"
    order_type: str = "SO"
    return_order_type: str = "RC"
    customer_id: str | None = None
    warehouses: tuple[tuple[str, str], ...] = ()
    oauth: OAuthClient | None = None  # OAuth 2.0 (password grant) instead of the cookie sign-in
    item_class: str | None = None  # of the stock items push-items creates
    base_currency: str = "USD"  # of DefaultPrice

    def connector(self) -> AcumaticaConnector:
        return AcumaticaConnector(
            ConnectorConfig(name="erp", base_url=self.url, timeout_s=30.0),
            username=self.username,
            password=self.password,
            tenant=self.tenant,
            branch=self.branch,
            endpoint_version=self.endpoint_version,
            order_type=self.order_type,
            return_order_type=self.return_order_type,
            customer_id=self.customer_id,
            warehouses=dict(self.warehouses),
            oauth=self.oauth,
        )

    def items(self, connector: AcumaticaConnector) -> AcumaticaItems:
        """The stock items of the tenant this connector signs in to (our catalogue's ERP of record)."""
        return AcumaticaItems(connector, currency=self.base_currency, item_class=self.item_class)


def acumatica_access(settings: Settings, *, url: str | None = None) -> AcumaticaAccess | None:
    """The Acumatica access the settings name (None unless ``erp_kind`` is acumatica); ``url`` for a
    simulator started in place of an instance, which then takes the simulator's own user."""
    if settings.erp_kind != "acumatica":
        return None
    if url is not None:
        from overture.simulators.acumatica import SIM_PASSWORD, SIM_TENANT, SIM_USER

        return AcumaticaAccess(url, SIM_USER, SIM_PASSWORD, SIM_TENANT, **_booking(settings))
    if not settings.acumatica_url:
        raise ValueError("erp_kind acumatica needs OVERTURE_ACUMATICA_URL (or no URL at all: the simulator)")
    password = settings.acumatica_password.get_secret_value() if settings.acumatica_password else ""
    oauth = None
    if settings.acumatica_client_id:
        secret = settings.acumatica_client_secret.get_secret_value() if settings.acumatica_client_secret else ""
        oauth = OAuthClient(settings.acumatica_client_id, secret)
    return AcumaticaAccess(
        settings.acumatica_url,
        settings.acumatica_username,
        password,
        settings.acumatica_tenant,
        settings.acumatica_branch,
        **_booking(settings),
        oauth=oauth,
    )


def _booking(settings: Settings) -> dict[str, Any]:
    return {
        "endpoint_version": settings.acumatica_endpoint_version,
        "order_type": settings.acumatica_order_type,
        "return_order_type": settings.acumatica_return_order_type,
        "customer_id": settings.acumatica_customer_id,
        "warehouses": tuple(sorted(settings.acumatica_warehouses.items())),
        "item_class": settings.acumatica_item_class,
        "base_currency": settings.acumatica_base_currency,
    }


@dataclass(frozen=True)
class TaxAccess:
    """AvaTax, where and as which account and company (config.py's avatax_*)."""

    url: str
    account_id: str
    license_key: str
    company_code: str

    def connector(self) -> AvaTaxConnector:
        config = ConnectorConfig(name="avatax", base_url=self.url, timeout_s=10.0)
        return AvaTaxConnector(
            config, account_id=self.account_id, license_key=self.license_key, company_code=self.company_code
        )


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
    # The ERP of record when it is Acumatica (None: the generic JSON ERP at erp_url, the webhook-style default).
    acumatica: AcumaticaAccess | None = None
    # The tax engine when it is AvaTax (None: the built-in rate table, in process).
    tax: TaxAccess | None = None


@dataclass(frozen=True)
class OutsideSystems:
    """The connectors a worker process talks through (each port's HTTP adapter), closed with it."""

    wms: WmsConnector
    erp: ErpConnector | AcumaticaConnector
    notifier: Notifier
    suppliers: list[HttpConnector]
    payments: StripeConnector | None = None
    labels: EasyPostConnector | None = None
    tax: AvaTaxConnector | None = None

    @classmethod
    def at(cls, endpoints: Endpoints) -> OutsideSystems:
        return cls(
            WmsConnector(ConnectorConfig(name="wms", base_url=endpoints.wms_url)),
            endpoints.acumatica.connector()
            if endpoints.acumatica
            else ErpConnector(ConnectorConfig(name="erp", base_url=endpoints.erp_url)),
            Notifier(ConnectorConfig(name="notifier", base_url=endpoints.notify_url)),
            [],
            payments_connector(endpoints),
            EasyPostConnector(
                ConnectorConfig(name="carrier", base_url=endpoints.carrier_url), api_key=endpoints.carrier_key
            )
            if endpoints.carrier_url
            else None,
            endpoints.tax.connector() if endpoints.tax else None,
        )

    def supplier(self, name: str, url: str) -> WmsConnector:
        """An API drop-ship supplier's client (spoken like a WMS), closed with the others."""
        connector = WmsConnector(ConnectorConfig(name, url))
        self.suppliers.append(connector)
        return connector

    async def aclose(self) -> None:
        for connector in (self.wms, self.erp, self.notifier, *self.suppliers, self.payments, self.labels, self.tax):
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
        secret = settings.carrier_webhook_secret.get_secret_value() if settings.carrier_webhook_secret else None
        # The simulator's tracking events (POST /_track) come back to this hub, signed as EasyPost signs them.
        carrier = create_carrier_app(webhook_url=f"{settings.hub_url()}/v1/webhooks/carrier", webhook_secret=secret)
        carrier_url = settings.carrier_url or _simulator(stack, carrier, "OVERTURE_CARRIER_URL", "carrier")
        yield Endpoints(
            wms_url,
            erp_url,
            settings.notify_url or erp_url,
            settings.hub_url(),
            payments_url,
            carrier_url,
            settings.payments_key,
            settings.carrier_key,
            _acumatica(stack, settings),
            _tax(stack, settings),
        )


def _acumatica(stack: ExitStack, settings: Settings) -> AcumaticaAccess | None:
    """Acumatica as configured, or its simulator when chosen without a URL (the generic ERP simulator
    still answers customer notices, which go to the ERP's URL unless notify_url is set)."""
    if settings.erp_kind != "acumatica" or settings.acumatica_url:
        return acumatica_access(settings)
    from overture.simulators.acumatica import create_acumatica_app

    app = create_acumatica_app(version=settings.acumatica_endpoint_version, strict_items=False, max_sessions=8)
    return acumatica_access(settings, url=_simulator(stack, app, "OVERTURE_ACUMATICA_URL", "Acumatica"))


def configured_tax(settings: Settings) -> TaxAccess | None:
    """AvaTax as the settings name it, for processes that start no simulators (overture api / worker)."""
    if settings.tax_engine != "avatax":
        return None
    if not settings.avatax_url:
        raise ValueError("tax_engine avatax needs OVERTURE_AVATAX_URL (overture serve starts a simulator without)")
    key = settings.avatax_license_key.get_secret_value()
    return TaxAccess(settings.avatax_url, settings.avatax_account_id, key, settings.avatax_company_code)


def _tax(stack: ExitStack, settings: Settings) -> TaxAccess | None:
    """AvaTax as configured, or its simulator when chosen without a URL; None: the built-in rate table."""
    if settings.tax_engine != "avatax":
        return None
    url = settings.avatax_url
    if not url:
        from overture.simulators.tax import create_tax_app

        app = create_tax_app(
            account_id=settings.avatax_account_id,
            license_key=settings.avatax_license_key.get_secret_value(),
            companies=(settings.avatax_company_code,),
        )
        url = _simulator(stack, app, "OVERTURE_AVATAX_URL", "AvaTax")
    key = settings.avatax_license_key.get_secret_value()
    return TaxAccess(url, settings.avatax_account_id, key, settings.avatax_company_code)


def _simulator(stack: ExitStack, app: FastAPI, variable: str, what: str) -> str:
    from overture.simulators.server import SimulatorServer

    server = SimulatorServer(app)
    server.start()
    stack.callback(server.stop)
    log.warning("no %s: using the built-in %s simulator at %s", variable, what, server.url)
    return server.url


def channel_fulfilments(settings: Settings) -> FulfilmentsByChannel:
    """The channels that are told of shipments, each when configured: the Shopify store (GraphQL, version
    pinned), the ChannelAdvisor account (which tells the marketplace each order came from) and the Amazon
    seller account (SP-API confirmShipment)."""
    adapters: list[ChannelFulfilments] = []
    if settings.shopify_admin_url and settings.shopify_access_token is not None:
        graphql = ShopifyGraphql(
            ConnectorConfig(name="shopify_admin", base_url=settings.shopify_admin_url),
            access_token=settings.shopify_access_token.get_secret_value(),
            api_version=settings.shopify_api_version,
        )
        adapters.append(ShopifyFulfilments(graphql, notify_customer=settings.shopify_notify_customer))
    if settings.channeladvisor_application_id and settings.channeladvisor_refresh_token:
        adapters.append(channeladvisor_shipments(settings))
    if settings.amazon_sp_api_url and settings.amazon_lwa_client_id and settings.amazon_refresh_token:
        adapters.append(amazon_shipments(settings))
    if settings.ebay_client_id and settings.ebay_refresh_token:
        adapters.append(ebay_shipments(settings))
    if settings.walmart_client_id and settings.walmart_client_secret:
        adapters.append(WalmartShipments(walmart_orders(settings)))
    return FulfilmentsByChannel(adapters)


def channeladvisor_shipments(settings: Settings) -> ChannelAdvisorShipments:
    """Shipments confirmed to the account with its OAuth tokens (connectors/channeladvisor_fulfilment.py)."""
    return ChannelAdvisorShipments(channeladvisor_connector(settings))


def channeladvisor_connector(settings: Settings) -> ChannelAdvisorConnector:
    """The account's REST API v1 connector with its OAuth tokens (closed with it)."""
    secret, token = settings.channeladvisor_shared_secret, settings.channeladvisor_refresh_token
    assert settings.channeladvisor_application_id and token
    credentials = CaCredentials(
        settings.channeladvisor_application_id, secret.get_secret_value() if secret else "", token.get_secret_value()
    )
    url = settings.channeladvisor_api_url
    tokens = CaTokens(ConnectorConfig(name="channeladvisor-oauth", base_url=url), credentials)
    return ChannelAdvisorConnector(ConnectorConfig(name="channeladvisor", base_url=url), tokens=tokens)


def channel_refunds(settings: Settings) -> ChannelRefunds:
    """The marketplace that issues refunds of its orders itself, when configured: Walmart (the seller's
    Orders API ``/refund``); else none, and an owed refund is noted on its order as not sent."""
    if settings.walmart_client_id and settings.walmart_client_secret:
        return WalmartRefunds(walmart_orders(settings))
    return NoChannelRefunds()


def walmart_orders(settings: Settings) -> WalmartOrdersConnector:
    """The seller's Walmart Orders API connector with its client-credentials tokens (closed with it)."""
    assert settings.walmart_client_id and settings.walmart_client_secret
    credentials = WalmartCredentials(settings.walmart_client_id, settings.walmart_client_secret.get_secret_value())
    tokens = WalmartTokens(ConnectorConfig(name="walmart-token", base_url=settings.walmart_api_url), credentials)
    return WalmartOrdersConnector(ConnectorConfig(name="walmart", base_url=settings.walmart_api_url), tokens=tokens)


def ebay_shipments(settings: Settings) -> EbayShipments:
    """Shipments confirmed to the seller's eBay account with its OAuth tokens (connectors/ebay_fulfilment.py)."""
    secret, token = settings.ebay_client_secret, settings.ebay_refresh_token
    assert settings.ebay_client_id and token
    credentials = EbayCredentials(
        settings.ebay_client_id, secret.get_secret_value() if secret else "", token.get_secret_value()
    )
    url = settings.ebay_api_url
    tokens = EbayTokens(ConnectorConfig(name="ebay-oauth", base_url=url), credentials)
    return EbayShipments(EbayConnector(ConnectorConfig(name="ebay", base_url=url, timeout_s=30.0), tokens=tokens))


def amazon_shipments(settings: Settings) -> AmazonShipmentConfirmer:
    """Shipments confirmed to the seller account with its LWA tokens (connectors/amazon_fulfilment.py)."""
    assert settings.amazon_sp_api_url and settings.amazon_lwa_client_id and settings.amazon_refresh_token
    secret = settings.amazon_lwa_client_secret.get_secret_value() if settings.amazon_lwa_client_secret else ""
    credentials = LwaCredentials(
        settings.amazon_lwa_client_id, secret, settings.amazon_refresh_token.get_secret_value()
    )
    tokens = LwaTokens(ConnectorConfig(name="amazon-lwa", base_url=settings.amazon_lwa_url), credentials)
    config = ConnectorConfig(name="amazon", base_url=settings.amazon_sp_api_url, timeout_s=30.0)
    return AmazonShipmentConfirmer(AmazonOrdersConnector(config, tokens=tokens), closing=(tokens,))


def availability_publisher(container: Container) -> AvailabilityPublisher:
    """The publisher with the configured storefront and ChannelAdvisor account (quantities per distribution
    center), each when configured; partners are added by the loop as they change."""
    settings = container.settings
    targets: list[ChannelTarget] = []
    if settings.shopify_admin_url and settings.shopify_inventory_items:
        token = settings.shopify_access_token.get_secret_value() if settings.shopify_access_token else ""
        connector = ShopifyInventoryConnector(
            ConnectorConfig(name="shopify", base_url=settings.shopify_admin_url), access_token=token
        )
        targets.append(
            ShopifyInventoryTarget(
                connector, location_id=settings.shopify_location_id, inventory_items=settings.shopify_inventory_items
            )
        )
    # ChannelAdvisor keeps quantities per distribution center: with none mapped, nothing is sent.
    ca = settings.channeladvisor_distribution_centers
    if settings.channeladvisor_application_id and settings.channeladvisor_refresh_token and ca:
        stock = ChannelAdvisorStock(channeladvisor_connector(settings), distribution_centers=ca)
        targets.append(ChannelAdvisorAvailability(stock))
    rules = ChannelRules.from_json(settings.availability_channel_rules)
    return AvailabilityPublisher(SqlAvailabilityStore(container.engine), targets, rules=rules, clock=container.clock)
