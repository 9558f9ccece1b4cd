"""Figures read from the store when ``/metrics`` is scraped.

Orders and exceptions change in every process (API, workers), so counting them in one process's
memory would be wrong; each scrape asks the store instead, with one grouped query per figure,
each answered from an index (``orders (status, channel)``, ``order_exceptions (status, type, id)``,
``outbox (dispatched_at, id)``) rather than by reading the tables' rows.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from overture.domain.exceptions import ExceptionStatus
from overture.services.ports import Clock
from overture.store.tables import order_exceptions, orders, outbox

ORDERS_BY_CHANNEL_STATUS = select(orders.c.channel, orders.c.status, func.count()).group_by(
    orders.c.status, orders.c.channel
)
OPEN_EXCEPTIONS_BY_TYPE = (
    select(order_exceptions.c.type, func.count())
    .where(order_exceptions.c.status == ExceptionStatus.OPEN.value)
    .group_by(order_exceptions.c.type)
)
OLDEST_UNDISPATCHED = select(func.min(outbox.c.created_at)).where(outbox.c.dispatched_at.is_(None))


class StoreCollector(Collector):
    """``overture_orders``, ``overture_exceptions`` and ``overture_outbox_lag_seconds``, read at scrape time."""

    def __init__(self, engine: Engine, *, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._engine.connect() as c:
            order_rows = c.execute(ORDERS_BY_CHANNEL_STATUS).all()
            exception_rows = c.execute(OPEN_EXCEPTIONS_BY_TYPE).all()
            oldest = c.execute(OLDEST_UNDISPATCHED).scalar()
        by_status = GaugeMetricFamily(
            "overture_orders", "Orders in the store by channel and status", labels=["channel", "status"]
        )
        for channel, status, count in order_rows:
            by_status.add_metric([channel, status], count)
        yield by_status
        exceptions = GaugeMetricFamily("overture_exceptions", "Open order exceptions by type", labels=["type"])
        for kind, count in exception_rows:
            exceptions.add_metric([kind], count)
        yield exceptions
        # No pending row means no lag, not an unknown one.
        lag = 0.0 if oldest is None else max(0.0, (self._clock() - oldest).total_seconds())
        yield GaugeMetricFamily(
            "overture_outbox_lag_seconds", "Age of the oldest outbox row not yet dispatched", value=lag
        )
