"""Orders with their lines, status history, decisions, exceptions and reservations.

The child-row writers are functions so the fulfilment repository appends with the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from overture.domain.commands import Charge, ChargeKind
from overture.domain.decisions import Decision
from overture.domain.exceptions import ExceptionStatus, OrderException
from overture.domain.inventory import Reservation
from overture.domain.orders import StatusChange
from overture.domain.parties import Address, Customer
from overture.services import telemetry
from overture.services.ports import OrderRecord, OrderSummary, PreviousCapture
from overture.store import after_commit, search, statements
from overture.store.tables import order_exceptions, orders


def insert_history(c: Connection, order_id: str, history: Sequence[StatusChange]) -> None:
    if history:
        rows = [
            {
                "order_id": order_id,
                "at": h.at,
                "kind": "status",
                "from_status": h.from_status,
                "to_status": h.to_status,
                "note": h.note,
            }
            for h in history
        ]
        c.execute(statements.INSERT_EVENTS, rows)


def insert_decisions(c: Connection, order_id: str, items: Sequence[Decision]) -> None:
    if items:
        rows = [
            {
                "order_id": order_id,
                "at": d.at,
                "kind": d.kind.value,
                "outcome": d.outcome,
                "reason": d.reason,
                "inputs": d.inputs,
                "alternatives": d.alternatives,
            }
            for d in items
        ]
        c.execute(statements.INSERT_DECISIONS, rows)


def insert_exceptions(c: Connection, items: Sequence[OrderException]) -> None:
    if items:
        rows = [
            {
                "id": e.id,
                "order_id": e.order_id,
                "type": e.type.value,
                "step": e.step,
                "reason": e.reason,
                "severity": e.severity.value,
                "allowed_actions": [a.value for a in e.allowed_actions],
                "details": e.details,
                "status": e.status.value,
                "created_at": e.created_at,
            }
            for e in items
        ]
        c.execute(statements.INSERT_EXCEPTIONS, rows)
        kinds = [e.type.value for e in items]
        after_commit.defer(c, lambda: telemetry.sink().exceptions_raised(kinds))


def insert_reservations(c: Connection, items: Sequence[Reservation], at: datetime) -> None:
    if items:
        rows = [
            {
                "id": r.id,
                "order_id": r.order_id,
                "line_no": r.line_no,
                "sku": r.sku,
                "location_id": r.location_id,
                "quantity": r.quantity,
                "status": r.status.value,
                "created_at": at,
                "updated_at": at,
            }
            for r in items
        ]
        c.execute(statements.INSERT_RESERVATIONS, rows)


# Written out rather than dataclasses.asdict, which deep-copies and showed in the capture profile.
def charge_to_json(c: Charge) -> dict[str, Any]:
    return {"kind": c.kind.value, "amount": str(c.amount), "code": c.code, "line_no": c.line_no}


def charge_from_json(data: dict[str, Any]) -> Charge:
    return Charge(ChargeKind(data["kind"]), Decimal(data["amount"]), data.get("code", ""), data.get("line_no"))


def _customer(c: Customer) -> dict[str, Any]:
    return {"reference": c.reference, "name": c.name, "email": c.email, "partner_id": c.partner_id}


def _address(a: Address) -> dict[str, Any]:
    return {
        "postal_code": a.postal_code,
        "country": a.country,
        "name": a.name,
        "line1": a.line1,
        "line2": a.line2,
        "city": a.city,
        "region": a.region,
    }


class SqlOrderRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, record: OrderRecord) -> None:
        order = record.order
        last_change = order.history[-1].at if order.history else order.created_at
        self._c.execute(
            statements.INSERT_ORDER,
            {
                "id": order.id,
                "channel": order.channel,
                "external_id": order.external_id,
                "status": order.status.value,
                "customer": _customer(order.customer),
                "ship_to": _address(order.ship_to),
                "currency": order.currency,
                "total": order.total.amount,
                "charges": [charge_to_json(c) for c in order.charges],
                "declared_total": order.declared_total,
                "payment_method": order.payment_method,
                "raw_message_id": order.raw_message_id,
                "created_at": order.created_at,
                "updated_at": last_change,
                "partner_id": order.customer.partner_id,
                "priority": order.priority,
            },
        )
        self._c.execute(
            statements.INSERT_LINES,
            [
                {
                    "order_id": order.id,
                    "line_no": line.line_no,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price.amount,
                    "status": line.status.value,
                    "backordered": line.backordered,
                    "promised_at": line.promised_at,
                }
                for line in order.lines
            ],
        )
        references = [r.value for r in record.references]
        self._c.execute(search.INSERT_SEARCH, {"order_id": order.id, "text": search.search_text(order, references)})
        insert_history(self._c, order.id, order.history)
        insert_decisions(self._c, order.id, record.decisions)
        insert_reservations(self._c, record.reservations, order.created_at)
        insert_exceptions(self._c, record.exceptions)
        if record.references:
            rows = [
                {"order_id": order.id, "system": r.system, "kind": r.kind, "value": r.value, "created_at": last_change}
                for r in record.references
            ]
            self._c.execute(statements.ADD_REFERENCE[self._c.dialect.name], rows)

    def find_by_external_id(self, channel: str, external_id: str) -> str | None:
        return self._c.scalar(statements.FIND_BY_EXTERNAL_ID, {"b_channel": channel, "b_external_id": external_id})

    def previous_capture(self, channel: str, external_id: str, scope: str, key: str | None) -> PreviousCapture:
        by_key, by_external_id = None, None
        params = {"b_scope": scope, "b_key": key, "b_channel": channel, "b_external_id": external_id}
        for row in self._c.execute(statements.PREVIOUS_CAPTURE, params):
            if row.match == "key":
                by_key = (row.request_hash, row.order_id)
            else:
                by_external_id = row.order_id
        return PreviousCapture(by_key, by_external_id)

    def summary(self, order_id: str) -> OrderSummary | None:
        row = self._c.execute(
            select(orders.c.id, orders.c.status, orders.c.channel, orders.c.external_id, orders.c.created_at).where(
                orders.c.id == order_id
            )
        ).first()
        if row is None:
            return None
        types = self._c.scalars(
            select(order_exceptions.c.type)
            .where(order_exceptions.c.order_id == order_id, order_exceptions.c.status == ExceptionStatus.OPEN.value)
            .order_by(order_exceptions.c.id)
        ).all()
        return OrderSummary(row.id, row.status, row.channel, row.external_id, row.created_at, tuple(types))
