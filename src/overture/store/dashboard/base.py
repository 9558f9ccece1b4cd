"""What every dashboard read shares: the engine, a read-only unit of work, and row helpers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_

from overture.store.tables import order_exceptions
from overture.store.uow import SqlUnitOfWork

# Who resolves an exception without a person: the workflow itself (an SLA breach that cleared, ...).
SYSTEM_ACTORS = ("system",)
# How many of the newest orders (or open exceptions) the filter and channel lists are drawn from.
RECENT_ORDERS = 1000


class DashboardReads:
    """The base of each page's reads (overview.py, queue.py, ...); ``SqlDashboard`` combines them."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _read(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._engine, readonly=True)

    def _write(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._engine)


def rows(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result]


def by_person() -> Any:
    """Exceptions a person resolved (not the workflow itself)."""
    return and_(order_exceptions.c.resolved_by.is_not(None), order_exceptions.c.resolved_by.not_in(SYSTEM_ACTORS))
