"""The unit of work: one transaction, every repository on it; and what else a use case is given."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self

from overture.domain.parties import Address
from overture.domain.routing import GeoPoint
from overture.services.ports.access import KeyRepository
from overture.services.ports.audit import ConsistencyReader
from overture.services.ports.changes import ChangeLog
from overture.services.ports.exchanges import ExchangeRepository
from overture.services.ports.governance import GovernanceRepository
from overture.services.ports.inventory import (
    CatalogRepository,
    InventoryRepository,
    SourcingRepository,
    SupplyRepository,
)
from overture.services.ports.marketplace import MarketplaceRepository
from overture.services.ports.messages import IdempotencyRepository, MessageRepository, OutboxRepository
from overture.services.ports.money import MoneyRepository
from overture.services.ports.orders import FulfilmentRepository, OrderRepository
from overture.services.ports.partners import DocumentRepository, InterchangeControlRepository, PartnerRepository
from overture.services.ports.returns import ReturnRepository
from overture.services.ports.sessions import SessionRepository
from overture.services.ports.supplier_invoices import InvoiceTolerance, SupplierInvoiceRepository
from overture.services.ports.transports import As2Repository, SftpFileRepository

Clock = Callable[[], datetime]


class Geocoder(Protocol):
    def locate(self, address: Address) -> GeoPoint | None: ...

    def state_of(self, address: Address) -> str | None:
        """The USPS state or territory of a US ZIP-code address; None elsewhere or when unknown."""
        ...


class UnitOfWork(Protocol):
    """A transaction: everything done inside is rolled back unless ``commit`` is called."""

    @property
    def messages(self) -> MessageRepository: ...

    @property
    def idempotency(self) -> IdempotencyRepository: ...

    @property
    def catalog(self) -> CatalogRepository: ...

    @property
    def inventory(self) -> InventoryRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def fulfilment(self) -> FulfilmentRepository: ...

    @property
    def partners(self) -> PartnerRepository: ...

    @property
    def documents(self) -> DocumentRepository: ...

    @property
    def interchanges(self) -> InterchangeControlRepository: ...

    @property
    def governance(self) -> GovernanceRepository: ...

    @property
    def sourcing(self) -> SourcingRepository: ...

    @property
    def supply(self) -> SupplyRepository: ...

    @property
    def keys(self) -> KeyRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def consistency(self) -> ConsistencyReader: ...

    @property
    def changes(self) -> ChangeLog: ...

    @property
    def as2(self) -> As2Repository: ...

    @property
    def sftp_files(self) -> SftpFileRepository: ...

    @property
    def supplier_invoices(self) -> SupplierInvoiceRepository: ...

    @property
    def exchanges(self) -> ExchangeRepository: ...

    @property
    def money(self) -> MoneyRepository: ...

    @property
    def returns(self) -> ReturnRepository: ...

    @property
    def marketplace(self) -> MarketplaceRepository: ...

    @property
    def invoice_tolerance(self) -> InvoiceTolerance:
        """How closely a supplier's invoice must match our PO and its shipment (the hub's setting)."""
        ...

    @property
    def total_tolerance(self) -> Decimal:
        """How far an order's total may be from its channel's declared total (in the currency's units)
        before it is held: the hub's setting, carried here because every placement is given a unit of
        work and only some are given anything else."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work. ``readonly`` ones never take the write lock (SQLite) and are not committed."""

    def __call__(self, *, readonly: bool = False) -> UnitOfWork: ...
