"""Work that must happen only once a transaction has committed: counting what it did in metrics.

A unit of work may run its transaction again after a conflict (``services.retry.in_transaction``),
and a rolled-back one did nothing: metrics recorded inside it would count twice or count what never
happened. Store code hands such work to ``defer``; the unit of work runs it after its commit and
drops it on rollback. Outside a unit of work (a bare connection) it runs at once."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

_KEY = "overture.after_commit"


def defer(connection: Connection, work: Callable[[], None]) -> None:
    pending: list[Callable[[], None]] | None = connection.info.get(_KEY)
    if pending is None:
        work()
    else:
        pending.append(work)


def open_batch(connection: Connection) -> None:
    """Start collecting for this connection's transaction (``connection.info`` outlives the checkout)."""
    connection.info[_KEY] = []


def run_batch(connection: Connection) -> None:
    for work in connection.info.pop(_KEY, None) or ():
        work()


def drop_batch(connection: Connection) -> None:
    connection.info.pop(_KEY, None)
