"""The order page (messages received, documents sent, shipments) and the search box."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, literal_column, select

from overture.store.dashboard.base import DashboardReads, rows
from overture.store.tables import (
    CUSTOMER_EMAIL,
    inbound_messages,
    order_references,
    orders,
    outbound_documents,
    shipments,
)


class OrderPageReads(DashboardReads):
    def documents(self, order_id: str, raw_message_id: str | None) -> dict[str, list[dict[str, Any]]]:
        """Messages received for the order (the order itself, shipment notices) and documents sent."""
        with self._read() as uow:
            c = uow.connection
            return {
                "inbound": _inbound(c, order_id, raw_message_id),
                "outbound": _outbound(c, order_id),
                "shipments": _shipments(c, order_id),
            }

    def inbound_message(self, message_id: str) -> dict[str, Any] | None:
        with self._read() as uow:
            row = uow.connection.execute(select(inbound_messages).where(inbound_messages.c.id == message_id)).first()
        return None if row is None else dict(row._mapping)

    def outbound_document(self, document_id: str) -> dict[str, Any] | None:
        with self._read() as uow:
            row = uow.connection.execute(
                select(outbound_documents).where(outbound_documents.c.id == document_id)
            ).first()
        return None if row is None else dict(row._mapping)

    def search(self, term: str, limit: int = 50) -> list[dict[str, Any]]:
        """Orders any reference points at: id, channel order id / PO number, other systems' references,
        tracking number, customer e-mail. Each lookup is an index probe."""
        term = term.strip()
        if not term:
            return []
        found: dict[str, str] = {}
        with self._read() as uow:
            c = uow.connection
            for how, query in _lookups(term):
                for order_id in c.scalars(query.limit(limit)):
                    found.setdefault(order_id, how)
            if not found:
                return []
            matches = c.execute(
                select(orders.c.id, orders.c.channel, orders.c.external_id, orders.c.status, orders.c.created_at)
                .where(orders.c.id.in_(list(found)))
                .order_by(orders.c.id.desc())
            )
            return [{**dict(r._mapping), "matched": found[r.id]} for r in matches]


def _inbound(c: Connection, order_id: str, raw_message_id: str | None) -> list[dict[str, Any]]:
    """The order's own message and its shipment notices, oldest first."""
    message_ids = set(c.scalars(select(shipments.c.raw_message_id).where(shipments.c.order_id == order_id)).all())
    message_ids.discard(None)
    if raw_message_id:
        message_ids.add(raw_message_id)
    m = inbound_messages
    return rows(
        c.execute(
            select(m.c.id, m.c.channel, m.c.received_at, m.c.content_type, m.c.status)
            .where(m.c.id.in_(sorted(message_ids)))
            .order_by(m.c.received_at)
        )
    )


def _outbound(c: Connection, order_id: str) -> list[dict[str, Any]]:
    d = outbound_documents
    return rows(
        c.execute(
            select(d.c.id, d.c.partner_id, d.c.kind, d.c.reference, d.c.created_at)
            .where(d.c.order_id == order_id)
            .order_by(d.c.created_at)
        )
    )


def _shipments(c: Connection, order_id: str) -> list[dict[str, Any]]:
    s = shipments
    return rows(
        c.execute(
            select(s.c.id, s.c.carrier, s.c.tracking_number, s.c.shipped_at)
            .where(s.c.order_id == order_id)
            .order_by(s.c.shipped_at)
        )
    )


def _lookups(term: str) -> list[tuple[str, Any]]:
    """How ``term`` may name an order, each as a query for the order ids it matches."""
    lookups: list[tuple[str, Any]] = [
        ("order id", select(orders.c.id).where(orders.c.id == term)),
        ("channel order id", select(orders.c.id).where(orders.c.external_id == term)),
        ("reference", select(order_references.c.order_id).where(order_references.c.value == term)),
        ("tracking number", select(shipments.c.order_id).where(shipments.c.tracking_number == term)),
    ]
    if "@" in term:
        lookups.append(("customer e-mail", select(orders.c.id).where(_customer_email() == term.lower())))
    return lookups


def _customer_email() -> Any:
    # Exactly the indexed expression (tables.py), so both databases use ix_orders_customer_email.
    return literal_column(CUSTOMER_EMAIL)
