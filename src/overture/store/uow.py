"""The SQL unit of work: one connection, one transaction, rolled back unless committed."""

from __future__ import annotations

import threading
import weakref
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from overture.services.errors import ConflictError, TransientStoreError
from overture.store import after_commit
from overture.store.access import SqlKeyRepository
from overture.store.catalog import SqlCatalogRepository
from overture.store.documents import SqlDocumentRepository
from overture.store.engine import READONLY
from overture.store.fulfilment import SqlFulfilmentRepository
from overture.store.governance import SqlGovernanceRepository
from overture.store.inventory import SqlInventoryRepository
from overture.store.messages import SqlIdempotencyRepository, SqlMessageRepository, SqlOutboxRepository
from overture.store.orders import SqlOrderRepository
from overture.store.partners import SqlPartnerRepository
from overture.store.sourcing import SqlSourcingRepository
from overture.store.supply import SqlSupplyRepository

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


# How long a writer queues in this process before it goes to SQLite's busy handler anyway: the
# engine's busy timeout, so a writer never waits here longer than SQLite would have let it.
WRITE_QUEUE_TIMEOUT_S = 30.0
_write_queues: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_write_queues_guard = threading.Lock()


def _write_queue(engine: Engine) -> threading.RLock | None:
    """The lock this process's SQLite writers queue on; None for PostgreSQL (row locks, no queue)."""
    if engine.dialect.name != "sqlite":
        return None
    with _write_queues_guard:
        return _write_queues.setdefault(engine, threading.RLock())


class SqlUnitOfWork:
    """One connection and transaction. On SQLite, write units of work of one process queue on a lock
    before ``BEGIN IMMEDIATE``: SQLite lets one writer in at a time, and a writer refused by it sleeps
    in the busy handler (1, 2, 5 ... 100 ms) and tries again instead of queueing, so the write lock
    sat idle while waiters slept. Writers of other processes still meet in the busy handler."""

    def __init__(self, engine: Engine, *, readonly: bool = False) -> None:
        self._engine = engine
        self._readonly = readonly
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None
        self._queue = None if readonly else _write_queue(engine)
        self._queued = False

    def __enter__(self) -> Self:
        if self._queue is not None:
            # An RLock, so a nested writer on this thread goes on to SQLite as it did before (and
            # a timeout instead of waiting for ever if a holder waits on another writer).
            self._queued = self._queue.acquire(timeout=WRITE_QUEUE_TIMEOUT_S)
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
            self._dequeue()
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
        self.governance = SqlGovernanceRepository(connection)
        self.sourcing = SqlSourcingRepository(connection)
        self.keys = SqlKeyRepository(connection)
        self.supply = SqlSupplyRepository(connection)
        return self

    def _dequeue(self) -> None:
        if self._queued and self._queue is not None:
            self._queued = False
            self._queue.release()

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
            self._dequeue()
        if isinstance(exc, DBAPIError):
            translated = translate_error(exc)
            if translated is not None:
                raise translated from exc
