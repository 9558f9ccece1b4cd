"""The returns queue and return KPIs (ui/routes/returns.py).

The queue pages by (requested_at, id), newest first, never by OFFSET; a status narrows it through
returns' (status, requested_at) index. A page's value to give back costs three queries whatever its
size: the ledgers of its orders, their lines' quantities, and the units of their settled returns.

The KPIs read the period's returns through (status, requested_at) with every status named, returns
settled or received in it by status first, and shipped units from the period's shipments and the
shipped lines of their orders (an order shipped in pieces counts each of its shipped lines once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, func, or_, select

from overture.domain.money import from_minor
from overture.domain.money.ledger import Entry, EntryKind, Ledger
from overture.domain.returns import ReturnStatus
from overture.domain.statuses import LineStatus
from overture.services.return_kpis import ReturnKpis, ReturnQueueFilter, period, return_kpis, value_back
from overture.store.dashboard.base import DashboardReads, rows
from overture.store.tables import money_entries, order_lines, orders, return_lines, returns, shipments

R = returns.c
L = return_lines.c
EVERY_STATUS = tuple(s.value for s in ReturnStatus)
COUNTED = tuple(s.value for s in ReturnStatus if s is not ReturnStatus.REJECTED)
SHIPPED_LINES = (LineStatus.SHIPPED.value, LineStatus.DELIVERED.value, LineStatus.RETURNED.value)
_COLUMNS = (
    R.id,
    R.order_id,
    R.channel,
    R.status,
    R.settlement,
    R.requested_at,
    R.approved_at,
    R.received_at,
    R.settled_at,
    R.location_id,
    orders.c.external_id,
    orders.c.currency,
)


class ReturnsReads(DashboardReads):
    def returns_queue(self, wanted: ReturnQueueFilter, now: datetime) -> dict[str, Any]:
        """A page of returns (newest first) with their lines and value, whether there are more either
        way, and the count of each status under the other filters (the chips)."""
        with self._read() as uow:
            c = uow.connection
            kept = _conditions(wanted, now)
            found, more = _page(c, wanted, kept, now)
            counts = _status_counts(c, kept)
        return {"rows": found, "more": more, "counts": counts}

    def return_rows(self, ids: Sequence[str], now: datetime) -> list[dict[str, Any]]:
        """The queue's rows of these returns (one shown again after an action)."""
        with self._read() as uow:
            c = uow.connection
            found = rows(c.execute(_select().where(R.id.in_(list(ids)))))
            _with_lines(c, found, now)
            return found

    def return_kpis(self, days: int, now: datetime) -> ReturnKpis:
        with self._read() as uow:
            c = uow.connection
            at = period(now, days, c.scalar(select(func.min(orders.c.created_at))))
            in_period = R.requested_at.between(at.since, at.until)
            asked = c.execute(
                select(L.reason, L.sku, func.sum(L.quantity))
                .join(returns, R.id == L.return_id)
                .where(R.status.in_(COUNTED), in_period)
                .group_by(L.reason, L.sku)
            )
            settled = c.execute(
                select(R.requested_at, R.received_at, R.settled_at).where(
                    R.status == ReturnStatus.SETTLED.value, R.settled_at.between(at.since, at.until)
                )
            )
            received = c.execute(
                select(L.inspection, L.refurbished)
                .join(returns, R.id == L.return_id)
                .where(R.status.in_(_RECEIVED), R.received_at.between(at.since, at.until))
            )
            return return_kpis(
                at,
                returned={(r, s): int(n) for r, s, n in asked},
                shipped=_shipped(c, at.since, at.until),
                settled=[(r.requested_at, r.received_at, r.settled_at) for r in settled],
                received=[(list(r.inspection), int(r.refurbished)) for r in received],
            )


_RECEIVED = (ReturnStatus.RECEIVED.value, ReturnStatus.SETTLED.value)


def _select() -> Any:
    return select(*_COLUMNS).join(orders, orders.c.id == R.order_id)


def _conditions(wanted: ReturnQueueFilter, now: datetime) -> list[ColumnElement[bool]]:
    """Every filter but the status (the chips count each status under these)."""
    kept: list[ColumnElement[bool]] = []
    if wanted.reason:
        kept.append(exists().where(L.return_id == R.id, L.reason == wanted.reason))
    if wanted.settlement:
        kept.append(R.settlement == wanted.settlement)
    if wanted.older_than_days is not None:
        kept.append(R.requested_at <= now - timedelta(days=wanted.older_than_days))
    if wanted.younger_than_days is not None:
        kept.append(R.requested_at >= now - timedelta(days=wanted.younger_than_days))
    return kept


def _page(
    c: Connection, wanted: ReturnQueueFilter, kept: list[ColumnElement[bool]], now: datetime
) -> tuple[list[dict[str, Any]], bool]:
    """One page, newest first; ``more``: whether rows lie beyond it in the direction it was asked."""
    status = [R.status == wanted.status] if wanted.status else [R.status.in_(EVERY_STATUS)]
    query = _select().where(*status, *kept)
    if wanted.before is not None:
        at, return_id = wanted.before
        query = query.where(or_(R.requested_at > at, and_(R.requested_at == at, R.id > return_id)))
        query = query.order_by(R.requested_at, R.id)
    else:
        if wanted.after is not None:
            at, return_id = wanted.after
            query = query.where(or_(R.requested_at < at, and_(R.requested_at == at, R.id < return_id)))
        query = query.order_by(R.requested_at.desc(), R.id.desc())
    found = rows(c.execute(query.limit(wanted.limit + 1)))
    more = len(found) > wanted.limit
    found = found[: wanted.limit]
    if wanted.before is not None:
        found.reverse()
    _with_lines(c, found, now)
    return found, more


def _status_counts(c: Connection, kept: list[ColumnElement[bool]]) -> dict[str, int]:
    query = select(R.status, func.count()).where(R.status.in_(EVERY_STATUS), *kept).group_by(R.status)
    counts = dict.fromkeys(EVERY_STATUS, 0)
    counts.update({str(status): int(n) for status, n in c.execute(query)})
    return counts


def _with_lines(c: Connection, found: list[dict[str, Any]], now: datetime) -> None:
    """Each row's lines, units, SKUs, reasons, age and value to give back."""
    if not found:
        return
    by_return: dict[str, list[dict[str, Any]]] = defaultdict(list)
    query = select(L.return_id, L.line_no, L.sku, L.quantity, L.reason, L.inspection, L.refurbished)
    for line in rows(c.execute(query.where(L.return_id.in_([r["id"] for r in found])).order_by(L.line_no))):
        by_return[line["return_id"]].append(line)
    for row in found:
        lines = by_return[row["id"]]
        row["lines"] = lines
        row["units"] = sum(int(x["quantity"]) for x in lines)
        row["skus"] = sorted({x["sku"] for x in lines})
        row["reasons"] = sorted({x["reason"] for x in lines})
        row["age_s"] = (now - row["requested_at"]).total_seconds()
    _with_values(c, found, now)


def _with_values(c: Connection, found: list[dict[str, Any]], now: datetime) -> None:
    """Settled: what was given back (refund and store credit entries of the return). Rejected: nothing.
    Otherwise what settling would give back now, as return_settlement.py reckons it."""
    order_ids = sorted({r["order_id"] for r in found})
    given = _given(c, order_ids, [r["id"] for r in found if r["status"] == ReturnStatus.SETTLED.value])
    open_orders = [r["order_id"] for r in found if r["status"] not in _CLOSED]
    ledgers = _ledgers(c, {r["order_id"]: r["currency"] for r in found if r["order_id"] in open_orders})
    carried = _carried(c, open_orders)
    for row in found:
        row["value"] = None
        if row["status"] == ReturnStatus.SETTLED.value:
            row["value"] = from_minor(given.get(row["id"], 0), row["currency"])
        elif row["status"] != ReturnStatus.REJECTED.value and row["order_id"] in ledgers:
            asked = [(int(x["line_no"]), int(x["quantity"])) for x in row["lines"]]
            row["value"] = value_back(ledgers[row["order_id"]], asked, carried.get(row["order_id"], {}), now)


_CLOSED = (ReturnStatus.SETTLED.value, ReturnStatus.REJECTED.value)


def _given(c: Connection, order_ids: list[str], settled_ids: list[str]) -> dict[str, int]:
    if not settled_ids:
        return {}
    e = money_entries.c
    query = (
        select(e.cause, func.sum(e.amount_minor))
        .where(
            e.order_id.in_(order_ids),
            e.cause.in_([f"return {i}" for i in settled_ids]),
            e.kind.in_([EntryKind.REFUND.value, EntryKind.STORE_CREDIT.value]),
            e.amount_minor > 0,
        )
        .group_by(e.cause)
    )
    return {str(cause).removeprefix("return "): int(total) for cause, total in c.execute(query)}


def _ledgers(c: Connection, currencies: dict[str, str]) -> dict[str, Ledger]:
    """The orders' ledgers in one query (money_entries' (order_id, id) index)."""
    if not currencies:
        return {}
    e = money_entries.c
    ledgers = {order_id: Ledger(order_id, currency) for order_id, currency in currencies.items()}
    query = select(money_entries).where(e.order_id.in_(list(currencies))).order_by(e.order_id, e.id)
    for r in c.execute(query):
        entry = Entry(
            r.order_id,
            r.line_no,
            EntryKind(r.kind),
            int(r.amount_minor),
            r.currency,
            r.cause,
            r.actor,
            r.at,
            r.reference,
        )
        ledgers[r.order_id].entries.append(entry)
    return ledgers


def _carried(c: Connection, order_ids: list[str]) -> dict[str, dict[int, int]]:
    """Per order and line, the units it still carries: its quantity less the units of settled returns."""
    if not order_ids:
        return {}
    ol = order_lines.c
    carried: dict[str, dict[int, int]] = defaultdict(dict)
    for order_id, line_no, quantity in c.execute(
        select(ol.order_id, ol.line_no, ol.quantity).where(ol.order_id.in_(order_ids))
    ):
        carried[order_id][int(line_no)] = int(quantity)
    settled = (
        select(R.order_id, L.line_no, func.sum(L.quantity))
        .join(returns, R.id == L.return_id)
        .where(R.order_id.in_(order_ids), R.status == ReturnStatus.SETTLED.value)
        .group_by(R.order_id, L.line_no)
    )
    for order_id, line_no, units in c.execute(settled):
        line = carried[order_id]
        line[int(line_no)] = line.get(int(line_no), 0) - int(units)
    return carried


def _shipped(c: Connection, since: datetime, until: datetime) -> dict[str, int]:
    """Units shipped by SKU: the shipped lines of orders with a shipment in the period."""
    shipped_orders = select(shipments.c.order_id).where(shipments.c.shipped_at.between(since, until)).distinct()
    ol = order_lines.c
    query = (
        select(ol.sku, func.sum(ol.quantity))
        .where(ol.order_id.in_(shipped_orders), ol.status.in_(SHIPPED_LINES))
        .group_by(ol.sku)
    )
    return {str(sku): int(units) for sku, units in c.execute(query)}
