"""The SQL unit of work: one connection, one transaction, rolled back unless committed."""

from __future__ import annotations

from decimal import Decimal
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from overture.domain.totals import DEFAULT_TOLERANCE
from overture.services.errors import ConflictError, TransientStoreError
from overture.services.ports.supplier_invoices import InvoiceTolerance
from overture.store import after_commit
from overture.store.access import SqlKeyRepository
from overture.store.audit import SqlConsistencyReader
from overture.store.catalog import SqlCatalogRepository
from overture.store.changes import SqlChangeLog
from overture.store.documents import SqlDocumentRepository
from overture.store.engine import READONLY
from overture.store.exchanges import SqlExchangeRepository
from overture.store.fulfilment import SqlFulfilmentRepository
from overture.store.governance import SqlGovernanceRepository
from overture.store.interchanges import SqlInterchangeControlRepository
from overture.store.inventory import SqlInventoryRepository
from overture.store.marketplace import SqlMarketplaceRepository
from overture.store.messages import SqlIdempotencyRepository, SqlMessageRepository, SqlOutboxRepository
from overture.store.money import SqlMoneyRepository
from overture.store.orders import SqlOrderRepository
from overture.store.partners import SqlPartnerRepository
from overture.store.returns import SqlReturnRepository
from overture.store.sessions import SqlSessionRepository
from overture.store.sourcing import SqlSourcingRepository
from overture.store.supplier_invoices import SqlSupplierInvoiceRepository
from overture.store.supply import SqlSupplyRepository
from overture.store.transports import SqlAs2Repository, SqlSftpFileRepository

EXACT_INVOICES = InvoiceTolerance()  # a supplier's invoice matches only to the unit and the cent
# PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock, lock timeout.
_TRANSIENT_PG = {"40001", "40P01", "55P03"}


def translate_error(error: DBAPIError) -> Exception | None:
    """Map driver errors the use cases can retry onto service errors; None leaves it as is."""
    if isinstance(error, IntegrityError):
        code = getattr(error.orig, "sqlstate", None)
        message = str(error.orig).lower()
        if code == "23505" or "unique constraint" in message:
            return ConflictError(str(error.orig))
        return None
    code = getattr(error.orig, "sqlstate", None)
    if code in _TRANSIENT_PG:
        return TransientStoreError(str(error.orig))
    if isinstance(error, OperationalError) and "database is locked" in str(error.orig):
        return TransientStoreError(str(error.orig))
    return None


class SqlUnitOfWork:
    """One connection and transaction.

    No in-process queue in front of SQLite's write lock: one was tried (writers waited less) but
    Temporal cancels a thread's local activity by raising inside that thread, which could land
    between taking such a lock and recording it, leaking it and stalling every later writer."""

    def __init__(
        self,
        engine: Engine,
        *,
        readonly: bool = False,
        total_tolerance: Decimal = DEFAULT_TOLERANCE,
        invoice_tolerance: InvoiceTolerance = EXACT_INVOICES,
    ) -> None:
        self._engine = engine
        self._readonly = readonly
        self.total_tolerance = total_tolerance
        self.invoice_tolerance = invoice_tolerance
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None

    def __enter__(self) -> Self:
        try:
            connection = self._engine.connect()
            if self._readonly:
                connection = connection.execution_options(**{READONLY: True})
            self._connection = connection
            self._transaction = connection.begin()
            after_commit.open_batch(connection)
        except BaseException:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            raise
        self.messages = SqlMessageRepository(connection)
        self.idempotency = SqlIdempotencyRepository(connection)
        self.catalog = SqlCatalogRepository(connection)
        self.inventory = SqlInventoryRepository(connection)
        self.orders = SqlOrderRepository(connection)
        self.outbox = SqlOutboxRepository(connection)
        self.fulfilment = SqlFulfilmentRepository(connection)
        self.partners = SqlPartnerRepository(connection)
        self.documents = SqlDocumentRepository(connection)
        self.interchanges = SqlInterchangeControlRepository(connection)
        self.governance = SqlGovernanceRepository(connection)
        self.sourcing = SqlSourcingRepository(connection)
        self.keys = SqlKeyRepository(connection)
        self.sessions = SqlSessionRepository(connection)
        self.supply = SqlSupplyRepository(connection)
        self.consistency = SqlConsistencyReader(connection)
        self.changes = SqlChangeLog(connection)
        self.as2 = SqlAs2Repository(connection)
        self.sftp_files = SqlSftpFileRepository(connection)
        self.supplier_invoices = SqlSupplierInvoiceRepository(connection)
        self.exchanges = SqlExchangeRepository(connection)
        self.money = SqlMoneyRepository(connection)
        self.returns = SqlReturnRepository(connection)
        self.marketplace = SqlMarketplaceRepository(connection)
        return self

    @property
    def connection(self) -> Connection:
        assert self._connection is not None, "unit of work used outside its with-block"
        return self._connection

    def commit(self) -> None:
        assert self._transaction is not None and self._connection is not None
        try:
            self._transaction.commit()
        except DBAPIError as error:
            translated = translate_error(error)
            if translated is None:
                raise
            raise translated from error
        after_commit.run_batch(self._connection)

    def rollback(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.rollback()
        finally:
            if self._connection is not None:
                after_commit.drop_batch(self._connection)
                self._connection.close()
            self._connection = None
            self._transaction = None
        if isinstance(exc, DBAPIError):
            translated = translate_error(exc)
            if translated is not None:
                raise translated from exc
