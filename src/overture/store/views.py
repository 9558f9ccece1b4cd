"""Read views for the API: plain dicts built with a few indexed queries, never a full scan.

Lists use keyset pagination on time-ordered ids (``after`` = the last id seen), so a page
costs the same on the millionth order as on the first.
"""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import Engine, Select, select

from overture.store.tables import (
    decisions,
    inbound_messages,
    inventory_movements,
    inventory_positions,
    locations,
    order_events,
    order_exceptions,
    order_lines,
    order_references,
    orders,
    reservations,
    skus,
)
from overture.store.uow import SqlUnitOfWork


def _page(query: Select[Any], id_column: Any, *, after: str | None, limit: int) -> Select[Any]:
    if after:
        query = query.where(id_column < after)
    return query.order_by(id_column.desc()).limit(limit)


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result]


class SqlViews:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _read(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._engine, readonly=True)

    def order(self, order_id: str) -> dict[str, Any] | None:
        with self._read() as uow:
            c = uow.connection
            row = c.execute(select(orders).where(orders.c.id == order_id)).first()
            if row is None:
                return None
            detail = dict(row._mapping)
            detail["lines"] = _rows(
                c.execute(select(order_lines).where(order_lines.c.order_id == order_id).order_by(order_lines.c.line_no))
            )
            for line in detail["lines"]:
                del line["order_id"]
            detail["reservations"] = _rows(
                c.execute(
                    select(reservations)
                    .where(reservations.c.order_id == order_id)
                    .order_by(reservations.c.line_no, reservations.c.id)
                )
            )
            detail["decisions"] = _rows(
                c.execute(
                    select(decisions).where(decisions.c.order_id == order_id).order_by(decisions.c.at, decisions.c.id)
                )
            )
            detail["references"] = _rows(
                c.execute(
                    select(order_references.c.system, order_references.c.kind, order_references.c.value)
                    .where(order_references.c.order_id == order_id)
                    .order_by(order_references.c.created_at)
                )
            )
            detail["exceptions"] = _rows(
                c.execute(
                    select(order_exceptions)
                    .where(order_exceptions.c.order_id == order_id)
                    .order_by(order_exceptions.c.id)
                )
            )
            events = _rows(
                c.execute(
                    select(order_events)
                    .where(order_events.c.order_id == order_id)
                    .order_by(order_events.c.at, order_events.c.id)
                )
            )
            detail["timeline"] = _timeline(events, detail["decisions"], detail["exceptions"])
            return detail

    def orders(
        self, *, status: str | None, channel: str | None, external_id: str | None, after: str | None, limit: int
    ) -> list[dict[str, Any]]:
        query = select(
            orders.c.id,
            orders.c.channel,
            orders.c.external_id,
            orders.c.status,
            orders.c.currency,
            orders.c.total,
            orders.c.created_at,
            orders.c.updated_at,
        )
        if status:
            query = query.where(orders.c.status == status)
        if channel:
            query = query.where(orders.c.channel == channel)
        if external_id:
            query = query.where(orders.c.external_id == external_id)
        with self._read() as uow:
            return _rows(uow.connection.execute(_page(query, orders.c.id, after=after, limit=limit)))

    def exceptions(
        self, *, status: str | None, type_: str | None, after: str | None, limit: int
    ) -> list[dict[str, Any]]:
        query = select(order_exceptions)
        if status:
            query = query.where(order_exceptions.c.status == status)
        if type_:
            query = query.where(order_exceptions.c.type == type_)
        with self._read() as uow:
            return _rows(uow.connection.execute(_page(query, order_exceptions.c.id, after=after, limit=limit)))

    def open_exceptions_by_order(self, type_: str) -> dict[str, str]:
        """Each order with an open exception of this type, and that exception's id (the oldest
        when there are several): the backlog's orders, for one read of the whole queue."""
        query = (
            select(order_exceptions.c.order_id, order_exceptions.c.id)
            .where(order_exceptions.c.status == "open", order_exceptions.c.type == type_)
            .order_by(order_exceptions.c.created_at.desc(), order_exceptions.c.id.desc())
        )
        with self._read() as uow:
            return {order_id: exception_id for order_id, exception_id in uow.connection.execute(query)}

    def exception(self, exception_id: str) -> dict[str, Any] | None:
        with self._read() as uow:
            row = uow.connection.execute(select(order_exceptions).where(order_exceptions.c.id == exception_id)).first()
        return None if row is None else dict(row._mapping)

    def quarantine(self, *, after: str | None, limit: int) -> list[dict[str, Any]]:
        query = select(inbound_messages).where(inbound_messages.c.status == "quarantined")
        with self._read() as uow:
            rows = _rows(uow.connection.execute(_page(query, inbound_messages.c.id, after=after, limit=limit)))
        for row in rows:
            row["body"] = _body_text(row["body"])
        return rows

    def inventory(self, sku: str, *, ledger_limit: int = 50) -> dict[str, Any] | None:
        pos = inventory_positions
        with self._read() as uow:
            c = uow.connection
            item = c.execute(select(skus).where(skus.c.sku == sku)).first()
            if item is None:
                return None
            positions = _rows(
                c.execute(
                    select(
                        pos.c.location_id,
                        locations.c.name.label("location_name"),
                        pos.c.on_hand,
                        pos.c.reserved,
                        pos.c.safety_stock,
                        pos.c.updated_at,
                    )
                    .join(locations, locations.c.id == pos.c.location_id)
                    .where(pos.c.sku == sku)
                    .order_by(pos.c.location_id)
                )
            )
            ledger = _rows(
                c.execute(
                    select(inventory_movements)
                    .where(inventory_movements.c.sku == sku)
                    .order_by(inventory_movements.c.id.desc())
                    .limit(ledger_limit)
                )
            )
        for p in positions:
            p["available"] = max(0, p["on_hand"] - p["reserved"] - p["safety_stock"])
        totals = {k: sum(p[k] for p in positions) for k in ("on_hand", "reserved", "safety_stock", "available")}
        return {
            "sku": sku,
            "description": item.description,
            "unit_cost": item.unit_cost,
            "locations": positions,
            "totals": totals,
            "ledger": ledger,
        }

    def locations(self) -> list[dict[str, Any]]:
        with self._read() as uow:
            return _rows(uow.connection.execute(select(locations).order_by(locations.c.id)))


def _body_text(body: bytes) -> dict[str, str]:
    try:
        return {"encoding": "utf-8", "text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"encoding": "base64", "text": base64.b64encode(body).decode()}


def _timeline(
    events: list[dict[str, Any]], decisions_: list[dict[str, Any]], exceptions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = [
        {"at": e["at"], "type": "status", "status": e["to_status"], "from_status": e["from_status"], "note": e["note"]}
        if e["kind"] == "status"
        else {"at": e["at"], "type": "note", "status": e["to_status"], "note": e["note"]}
        for e in events
    ]
    entries += [
        {"at": d["at"], "type": "decision", "kind": d["kind"], "outcome": d["outcome"], "reason": d["reason"]}
        for d in decisions_
    ]
    entries += [
        {
            "at": x["created_at"],
            "type": "exception",
            "exception_id": x["id"],
            "exception_type": x["type"],
            "step": x["step"],
            "reason": x["reason"],
            "status": x["status"],
        }
        for x in exceptions
    ]
    # Stable sort: entries stamped at the same instant keep status -> decision -> exception order.
    return sorted(entries, key=lambda entry: entry["at"])
