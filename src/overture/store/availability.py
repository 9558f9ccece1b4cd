"""The availability publisher's side of the store: SKUs flagged as changed, and what channels were sent.

SKUs are flagged by ``SqlInventoryRepository`` in the transaction that changes them; this module
reads the flags with the positions behind them, records what each channel was sent, and clears a
flag only if its version is still the one read (compare-and-delete), so a change that arrives while
a figure is being published keeps its SKU flagged for the next pass.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, Engine, RootTransaction, and_, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from overture.domain.inventory import InventoryPosition
from overture.services.availability import AvailabilitySnapshot
from overture.store.engine import READONLY
from overture.store.tables import availability_dirty, availability_published, inventory_positions, locations

D = availability_dirty
PUB = availability_published
P = inventory_positions

_BUSY_TIMEOUT_MS = 30_000  # what store/engine.py gives every SQLite connection
_CLEAR = delete(D).where(and_(D.c.sku == bindparam("b_sku"), D.c.version == bindparam("b_version")))


class SqlAvailabilityStore:
    """Implements ``services.availability.AvailabilityStore``; each call is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        record = dialect.insert(PUB)
        self._record = record.on_conflict_do_update(
            index_elements=[PUB.c.channel, PUB.c.sku],
            set_={"available": record.excluded.available, "published_at": record.excluded.published_at},
        )

    def snapshot(self, limit: int, channels: Sequence[str]) -> AvailabilitySnapshot:
        # A read-only transaction (deferred BEGIN on SQLite): reading never waits for, nor blocks, a writer.
        with self._engine.connect().execution_options(**{READONLY: True}) as c, c.begin():
            # Flags first, positions second: a change committed in between bumps the version read,
            # so the flag survives this pass; reading the other way round could clear it unseen.
            dirty = c.execute(
                select(D.c.sku, D.c.version, D.c.changed_at).order_by(D.c.changed_at, D.c.sku).limit(limit)
            ).all()
            versions = {row.sku: row.version for row in dirty}
            changed_at = {row.sku: row.changed_at for row in dirty}
            if not versions:
                return AvailabilitySnapshot({}, {}, {})
            active = select(locations.c.id).where(locations.c.active.is_(True))
            rows = c.execute(select(P).where(P.c.sku.in_(list(versions)), P.c.location_id.in_(active))).all()
            published = c.execute(
                select(PUB.c.channel, PUB.c.sku, PUB.c.available).where(
                    PUB.c.sku.in_(list(versions)), PUB.c.channel.in_(list(channels))
                )
            ).all()
        positions: dict[str, list[InventoryPosition]] = {sku: [] for sku in versions}
        for r in rows:
            positions[r.sku].append(InventoryPosition(r.sku, r.location_id, r.on_hand, r.reserved, r.safety_stock))
        sent: dict[str, dict[str, int]] = {}
        for r in published:
            sent.setdefault(r.channel, {})[r.sku] = r.available
        return AvailabilitySnapshot(versions, positions, sent, changed_at)

    def settle(self, sent: Mapping[str, Mapping[str, int]], versions: Mapping[str, int], at: datetime) -> int:
        """Record what each channel took and clear the flags still at the versions read, in one
        transaction: one wait for the write lock per pass, however busy the writers are."""
        rows = [
            {"channel": channel, "sku": sku, "available": units, "published_at": at}
            for channel, figures in sorted(sent.items())
            for sku, units in sorted(figures.items())
        ]
        cleared = [{"b_sku": sku, "b_version": version} for sku, version in sorted(versions.items())]
        with self._writing() as c:
            if rows:
                c.execute(self._record, rows)
            return c.execute(_CLEAR, cleared).rowcount if cleared else 0

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction. On SQLite, the write lock is polled every half millisecond instead of
        through the busy handler, whose back-off (up to 100 ms a try) all but starves this one writer
        while the order path commits back to back: that wait would add straight to the publish lag."""
        if self._engine.dialect.name != "sqlite":
            with self._engine.begin() as c:
                yield c
            return
        with self._engine.connect() as c:
            driver = c.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA busy_timeout = 0")
            try:
                with self._locked(c):
                    yield c
            finally:
                driver.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")

    @staticmethod
    def _locked(c: Connection) -> RootTransaction:
        deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                return c.begin()
            except OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.0005)

    def pending(self) -> int:
        """How many SKUs wait to be published (for tests, benchmarks and the dashboard)."""
        with self._engine.connect().execution_options(**{READONLY: True}) as c, c.begin():
            return len(c.execute(select(D.c.sku)).all())
