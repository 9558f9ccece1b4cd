"""Wiring: build the engine, unit-of-work factory, geocoder and views from settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from overture.channels.csv_import import CsvImporter
from overture.channels.transports.outbox import PartnerOutbox
from overture.channels.x12.warehouse import X12WarehouseDocuments
from overture.channels.x12.writer import Sender
from overture.config import Settings
from overture.connectors.edi_wms import EdiWmsGateway, LocationRoutedWms
from overture.observability import tracing
from overture.observability.metrics import PrometheusTelemetry
from overture.reference.zcta import ZctaGeocoder
from overture.services import telemetry
from overture.services.clock import utc_ticker
from overture.services.csv_profiles import CsvProfiles
from overture.services.ports import Clock, Geocoder, UnitOfWork
from overture.services.ports.supplier_invoices import InvoiceTolerance
from overture.services.ports.wms import WmsGateway
from overture.store.csv_profiles import csv_profiles as csv_profiles_in
from overture.store.dashboard import SqlDashboard
from overture.store.engine import make_engine
from overture.store.migrate import revisions, upgrade
from overture.store.uow import SqlUnitOfWork
from overture.store.views import SqlViews


@dataclass(frozen=True, slots=True)
class Container:
    settings: Settings
    engine: Engine
    geocoder: Geocoder
    views: SqlViews
    clock: Clock
    dashboard: SqlDashboard  # the dashboard's read models, on the same engine

    def uow(self, *, readonly: bool = False) -> UnitOfWork:
        settings = self.settings
        tolerance = InvoiceTolerance(
            settings.supplier_invoice_quantity_tolerance, settings.supplier_invoice_price_tolerance
        )
        return SqlUnitOfWork(
            self.engine, readonly=readonly, total_tolerance=settings.total_tolerance, invoice_tolerance=tolerance
        )

    @property
    def csv_profiles(self) -> CsvProfiles:
        return CsvProfiles(self.uow, csv_profiles_in, self.clock)

    @property
    def csv_importer(self) -> CsvImporter:
        """What ``POST /v1/channels/csv`` and ``overture import csv`` both import partner files with."""
        return CsvImporter(self.uow, self.geocoder, self.clock, csv_profiles_in)

    def schema_revisions(self) -> tuple[set[str], set[str]]:
        """The migrations the store is at, and the heads this release ships (``/readyz`` compares them)."""
        return revisions(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, migrate: bool = True) -> Container:
    settings = settings or Settings()
    telemetry.install(PrometheusTelemetry())
    if settings.tracing != "off":
        tracing.configure(settings.tracing, service_name=settings.service_name, endpoint=settings.otlp_endpoint)
    url = settings.resolved_database_url()
    if migrate:
        upgrade(url)
    engine = make_engine(url)
    return Container(settings, engine, ZctaGeocoder(), SqlViews(engine), utc_ticker, SqlDashboard(engine))


def edi_sender(settings: Settings) -> Sender:
    """Who we are on the X12 network, as the settings say."""
    return Sender(settings.x12_sender_qualifier, settings.x12_sender_id, settings.gs1_company_prefix)


def warehouses(container: Container, api: WmsGateway) -> WmsGateway:
    """The WMS API, and X12 940s for 3PL locations a trading partner serves (connectors/edi_wms.py),
    delivered over the partner's AS2, else to its folder under ``edi_outbox_dir``."""
    settings = container.settings
    delivery = PartnerOutbox(container.uow, container.clock, settings.edi_outbox_dir)
    documents = X12WarehouseDocuments(edi_sender(settings))
    return LocationRoutedWms(api, EdiWmsGateway(container.uow, documents, delivery, clock=container.clock))
