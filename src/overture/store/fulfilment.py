"""What the order workflow reads and writes as the order moves: status, notes, exceptions,
references to other systems, shipments. Every write is idempotent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from overture.domain.decisions import Decision, DecisionKind
from overture.domain.exceptions import ExceptionStatus, OrderException
from overture.domain.money import Money
from overture.domain.orders import IllegalTransition, Order, OrderLine
from overture.domain.parties import Address, Customer
from overture.domain.statuses import LineStatus, OrderStatus, already_past, can_transition
from overture.services import telemetry
from overture.services.errors import ConflictError
from overture.services.plans import (
    LocationRelease,
    OpenException,
    OrderDocument,
    OrderPlan,
    PlanLine,
    ReleaseTarget,
    ShipmentRecord,
)
from overture.services.ports import OrderRecord
from overture.store import after_commit, search, statements
from overture.store.orders import (
    charge_from_json,
    charge_to_json,
    insert_decisions,
    insert_exceptions,
    insert_history,
    insert_reservations,
)
from overture.store.tables import (
    decisions,
    locations,
    order_exceptions,
    order_lines,
    order_references,
    orders,
    shipments,
)

# Built once: every status move reads it (four moves an order), and building a statement per
# call cost more than running it.
_STATUS_SINCE = select(orders.c.status, orders.c.updated_at).where(orders.c.id == bindparam("b_order_id"))
# What the partner-document step needs to learn that an order is not an EDI one: one read by key.
# What an order document is made of, and no more: reading the whole rows decoded the charges, the
# timestamps and every line's status for nothing (three documents are read an order).
_DOCUMENT_ROW = select(orders.c.id, orders.c.currency, orders.c.total, orders.c.customer, orders.c.ship_to).where(
    orders.c.id == bindparam("b_order_id")
)
_DOCUMENT_LINES = (
    select(order_lines.c.line_no, order_lines.c.sku, order_lines.c.quantity, order_lines.c.unit_price)
    .where(order_lines.c.order_id == bindparam("b_order_id"))
    .order_by(order_lines.c.line_no)
)
_LOCATION_KIND = select(locations.c.kind).where(locations.c.id == bindparam("b_location_id"))
# (orders.partner_id is written from the customer's partner id when the order is added.)
_CHANNEL_AND_PARTNER = select(orders.c.channel, orders.c.partner_id).where(orders.c.id == bindparam("b_order_id"))


class SqlFulfilmentRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def plan_status(self, order_id: str) -> str | None:
        return self._c.scalar(statements.ORDER_STATUS, {"b_order_id": order_id})

    def locked_status(self, order_id: str) -> str | None:
        # FOR UPDATE on PostgreSQL; SQLite's write transactions (BEGIN IMMEDIATE) hold the whole store.
        return self._c.scalar(statements.ORDER_STATUS_LOCKED, {"b_order_id": order_id})

    def _order_with_lines(self, order_id: str) -> tuple[Any, list[Any]] | None:
        row = self._c.execute(statements.ORDER_ROW, {"b_order_id": order_id}).first()
        if row is None:
            return None
        return row, list(self._c.execute(statements.ORDER_LINES, {"b_order_id": order_id}))

    def plan(self, order_id: str) -> OrderPlan | None:
        row = self._c.execute(statements.ORDER_STATUS_AND_CUSTOMER, {"b_order_id": order_id}).first()
        if row is None:
            return None
        targets = [ReleaseTarget(r.location_id, r.ship_by_seconds) for r in self._releases(order_id)]
        email = str(row.customer.get("email") or "")
        return OrderPlan(order_id, row.status, email, targets, self._open_exceptions(order_id))

    def document(self, order_id: str) -> OrderDocument | None:
        return self._document(order_id, with_releases=True)

    def document_without_releases(self, order_id: str) -> OrderDocument | None:
        return self._document(order_id, with_releases=False)

    def _document(self, order_id: str, *, with_releases: bool) -> OrderDocument | None:
        params = {"b_order_id": order_id}
        row = self._c.execute(_DOCUMENT_ROW, params).first()
        if row is None:
            return None
        line_rows = self._c.execute(_DOCUMENT_LINES, params)
        return OrderDocument(
            order_id=row.id,
            currency=row.currency,
            total=str(row.total),
            customer=row.customer,
            ship_to=row.ship_to,
            lines=[PlanLine(r.line_no, r.sku, r.quantity, str(r.unit_price)) for r in line_rows],
            releases=self._releases(order_id) if with_releases else [],
        )

    def location_kind(self, location_id: str) -> str | None:
        kind: str | None = self._c.scalar(_LOCATION_KIND, {"b_location_id": location_id})
        return kind

    def channel_and_partner(self, order_id: str) -> tuple[str, str | None] | None:
        row = self._c.execute(_CHANNEL_AND_PARTNER, {"b_order_id": order_id}).first()
        return None if row is None else (row.channel, row.partner_id or None)

    def _releases(self, order_id: str) -> list[LocationRelease]:
        rows = self._c.execute(statements.UNRELEASED_RESERVATIONS, {"b_order_id": order_id})
        grouped: dict[str, tuple[int, list[PlanLine]]] = {}
        for r in rows:
            _, items = grouped.setdefault(r.location_id, (r.ship_by_seconds, []))
            items.append(PlanLine(r.line_no, r.sku, r.quantity, ""))
        return [LocationRelease(loc, ship_by, items) for loc, (ship_by, items) in grouped.items()]

    def _open_exceptions(self, order_id: str) -> list[OpenException]:
        rows = self._c.execute(statements.OPEN_EXCEPTIONS, {"b_order_id": order_id})
        return [
            OpenException(
                r.id, r.type, r.step, r.reason, list(r.allowed_actions), (r.details or {}).get("location_id", "")
            )
            for r in rows
        ]

    def load_order(self, order_id: str) -> Order | None:
        found = self._order_with_lines(order_id)
        if found is None:
            return None
        row, line_rows = found
        lines = [
            OrderLine(
                r.line_no,
                r.sku,
                r.quantity,
                Money(Decimal(r.unit_price), row.currency),
                LineStatus(r.status),
                r.backordered,
                r.promised_at,
            )
            for r in line_rows
        ]
        return Order(
            id=row.id,
            channel=row.channel,
            external_id=row.external_id,
            customer=Customer(**row.customer),
            ship_to=Address(**row.ship_to),
            currency=row.currency,
            lines=lines,
            created_at=row.created_at,
            status=OrderStatus(row.status),
            raw_message_id=row.raw_message_id,
            charges=tuple(charge_from_json(c) for c in row.charges),
            priority=row.priority,
            declared_total=row.declared_total,
            payment_method=row.payment_method,
        )

    def append(self, record: OrderRecord) -> None:
        order = record.order
        # The latest thing recorded (a receipt may fill a backorder in part without a status change).
        at = max(
            [h.at for h in order.history] + [d.at for d in record.decisions if d.at is not None],
            default=order.created_at,
        )
        # The total and each line's SKU, quantity and price too: a person may have edited them.
        values: dict[str, object] = {"status": order.status.value, "updated_at": at, "total": order.total.amount}
        if order.removed_lines:  # their own charges went with them
            values["charges"] = [charge_to_json(c) for c in order.charges]
        self._c.execute(update(orders).where(orders.c.id == order.id).values(**values))
        if order.removed_lines:  # a buyer's change order deleted them (domain/orders.py amend_lines)
            self._c.execute(
                delete(order_lines).where(
                    order_lines.c.order_id == order.id, order_lines.c.line_no.in_(order.removed_lines)
                )
            )
        for line in order.lines:
            line_values: dict[str, object] = {
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price.amount,
                "status": line.status.value,
                "backordered": line.backordered,
                "promised_at": line.promised_at,
            }
            updated = self._c.execute(
                update(order_lines)
                .where(order_lines.c.order_id == order.id, order_lines.c.line_no == line.line_no)
                .values(**line_values)
            )
            if updated.rowcount == 0:  # a line a change order added
                self._c.execute(insert(order_lines).values(order_id=order.id, line_no=line.line_no, **line_values))
        insert_history(self._c, order.id, order.history)
        insert_decisions(self._c, order.id, record.decisions)
        insert_reservations(self._c, record.reservations, at)
        insert_exceptions(self._c, record.exceptions)

    def set_status(self, order_id: str, target: OrderStatus, note: str, at: datetime) -> bool:
        row = self._c.execute(_STATUS_SINCE, {"b_order_id": order_id}).first()
        if row is None:
            raise IllegalTransition(OrderStatus.RECEIVED, target)
        # Every status write stamps updated_at, so it is when the order entered ``current``.
        current, entered = row.status, row.updated_at
        if current == target or already_past(OrderStatus(current), target):
            return False
        if not can_transition(OrderStatus(current), target):
            raise IllegalTransition(OrderStatus(current), target)
        changed = self._c.execute(
            statements.MOVE_STATUS, {"b_order_id": order_id, "b_from": current, "b_to": target.value, "b_at": at}
        )
        if changed.rowcount != 1:
            raise ConflictError(f"order {order_id} changed status while moving to {target}")
        if entered is not None:
            seconds = max(0.0, (at - entered).total_seconds())
            after_commit.defer(self._c, lambda: telemetry.sink().step_finished(current, seconds))
        self._c.execute(
            statements.INSERT_EVENTS,
            {
                "order_id": order_id,
                "at": at,
                "kind": "status",
                "from_status": current,
                "to_status": target.value,
                "note": note,
            },
        )
        return True

    def add_note(self, order_id: str, note: str, at: datetime) -> None:
        self.add_note_at(order_id, note, at, self.plan_status(order_id))

    def add_note_at(self, order_id: str, note: str, at: datetime, status: str | None) -> None:
        self._c.execute(
            statements.INSERT_EVENTS,
            {"order_id": order_id, "at": at, "kind": "note", "from_status": status, "to_status": status, "note": note},
        )

    def add_decision(self, order_id: str, decision: Decision) -> None:
        insert_decisions(self._c, order_id, [decision])

    def amended(self, order_id: str, key: str) -> bool:
        # An order has a handful of amendments at most: reading their inputs beats a JSON query
        # that SQLite and PostgreSQL would spell differently.
        query = select(decisions.c.inputs).where(
            decisions.c.order_id == order_id, decisions.c.kind == DecisionKind.AMENDMENT.value
        )
        return any(inputs.get("key") == key for inputs in self._c.scalars(query))

    def add_exception(self, exception: OrderException) -> bool:
        if self._c.scalar(select(order_exceptions.c.id).where(order_exceptions.c.id == exception.id)) is not None:
            return False
        insert_exceptions(self._c, [exception])
        return True

    def resolve_exception(self, exception_id: str, action: str, actor: str, note: str, at: datetime) -> bool:
        result = self._c.execute(
            update(order_exceptions)
            .where(order_exceptions.c.id == exception_id, order_exceptions.c.status == ExceptionStatus.OPEN.value)
            .values(
                status=ExceptionStatus.RESOLVED.value,
                resolved_at=at,
                resolved_by=actor,
                resolution=action,
                resolution_note=note,
            )
        )
        return result.rowcount == 1

    def close_open_exceptions(self, order_id: str, action: str, actor: str, note: str, at: datetime) -> None:
        self._c.execute(
            update(order_exceptions)
            .where(order_exceptions.c.order_id == order_id, order_exceptions.c.status == ExceptionStatus.OPEN.value)
            .values(
                status=ExceptionStatus.RESOLVED.value,
                resolved_at=at,
                resolved_by=actor,
                resolution=action,
                resolution_note=note,
            )
        )

    def add_reference(self, order_id: str, system: str, kind: str, value: str, at: datetime) -> None:
        self._c.execute(
            statements.ADD_REFERENCE[self._c.dialect.name],
            {"order_id": order_id, "system": system, "kind": kind, "value": value, "created_at": at},
        )
        search.append_words(self._c, order_id, value)

    def reference(self, order_id: str, system: str, kind: str) -> str | None:
        r = order_references.c
        query = select(r.value).where(r.order_id == order_id, r.system == system, r.kind == kind)
        return self._c.scalar(query.order_by(r.created_at.desc()).limit(1))

    def add_shipment(self, shipment: ShipmentRecord, raw_message_id: str | None, at: datetime) -> bool:
        values: dict[str, Any] = {
            "id": shipment.shipment_id,
            "order_id": shipment.order_id,
            "location_id": shipment.location_id,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "shipped_at": shipment.shipped_at,
            "lines": shipment.lines,
            "raw_message_id": raw_message_id,
            "created_at": at,
        }
        inserted = self._c.execute(statements.ADD_SHIPMENT[self._c.dialect.name], values).scalar()
        if inserted is not None:
            search.append_words(self._c, shipment.order_id, shipment.tracking_number)
        return inserted is not None

    def mark_lines_shipped(self, order_id: str, location_id: str) -> None:
        by_line: dict[int, set[str]] = defaultdict(set)
        for r in self._c.execute(statements.LINE_RESERVATION_STATUSES, {"b_order_id": order_id}):
            by_line[r.line_no].add(r.status)
        # A line split across locations is shipped only when every part of it is.
        done = [line_no for line_no, statuses in by_line.items() if statuses == {"shipped"}]
        if done:
            shipped = LineStatus.SHIPPED.value
            rows = [{"b_order_id": order_id, "b_line_no": line_no, "b_status": shipped} for line_no in done]
            self._c.execute(statements.SET_LINE_STATUS, rows)

    def recorded_shipments(self, shipment_ids: Sequence[str]) -> set[str]:
        if not shipment_ids:
            return set()
        return set(self._c.scalars(select(shipments.c.id).where(shipments.c.id.in_(list(shipment_ids)))))

    def shipment_by_tracking(self, tracking_number: str) -> tuple[str, str] | None:
        s = shipments.c
        query = select(s.order_id, s.id).where(s.tracking_number == tracking_number).order_by(s.created_at.desc())
        row = self._c.execute(query.limit(1)).first()
        return None if row is None else (str(row.order_id), str(row.id))

    def shipped_locations(self, order_id: str) -> set[str]:
        return set(self._c.scalars(statements.SHIPPED_LOCATIONS, {"b_order_id": order_id}))
