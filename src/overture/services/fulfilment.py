"""Fulfilment use cases the order workflow calls: read the plan, move the status, open and
resolve exceptions, record references and shipments, retry placement, cancel.

Every function is one transaction and idempotent, because a workflow activity may run
again after a crash: setting a status the order already has, or recording a shipment or
reference already recorded, changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from overture.domain.charging import Why
from overture.domain.decisions import Decision
from overture.domain.exceptions import OrderException
from overture.domain.inventory import Location, LocationKind
from overture.domain.statuses import OrderStatus
from overture.services.backorders import after_backorder_cancelled
from overture.services.capture import quarantine, translate_or_quarantine
from overture.services.channel_fulfilment import owe_confirmation
from overture.services.errors import ErrorCode, FieldError, NotFound
from overture.services.money import cancel_money
from overture.services.placement import replace_placement
from overture.services.plans import OrderDocument, OrderPlan, ShipmentOutcome, ShipmentRecord
from overture.services.ports import Clock, Geocoder, InboundMessage, MessageStatus, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only


def load_plan(uow_factory: UnitOfWorkFactory, order_id: str) -> OrderPlan:
    def work(uow: UnitOfWork) -> OrderPlan:
        plan = uow.fulfilment.plan(order_id)
        if plan is None:
            raise NotFound(f"no order {order_id!r}")
        return plan

    return read_only(uow_factory, work)


def load_document(uow_factory: UnitOfWorkFactory, order_id: str, *, releases: bool = True) -> OrderDocument:
    """The order as it is sent to the ERP and the WMS, read when it is sent. ``releases=False`` leaves
    out what each location releases (the ERP is sent the lines only), which saves a query."""

    def work(uow: UnitOfWork) -> OrderDocument:
        repo = uow.fulfilment
        document = repo.document(order_id) if releases else repo.document_without_releases(order_id)
        if document is None:
            raise NotFound(f"no order {order_id!r}")
        return document

    return read_only(uow_factory, work)


def load_release(
    uow_factory: UnitOfWorkFactory, order_id: str, location_id: str
) -> tuple[OrderDocument, Location | None]:
    """The order as it is sent, and the location if it is a drop-ship one (None: a WMS location), in one
    read: a release or its cancel needs both."""

    def work(uow: UnitOfWork) -> tuple[OrderDocument, Location | None]:
        document = uow.fulfilment.document(order_id)
        if document is None:
            raise NotFound(f"no order {order_id!r}")
        # Most releases go to a WMS location: its kind alone says so, without reading the whole location.
        if uow.fulfilment.location_kind(location_id) != LocationKind.DROP_SHIP.value:
            return document, None
        location = uow.sourcing.locations([location_id]).get(location_id)
        return document, location if location is not None and location.kind is LocationKind.DROP_SHIP else None

    return read_only(uow_factory, work)


def advance(
    uow_factory: UnitOfWorkFactory,
    order_id: str,
    target: OrderStatus,
    note: str,
    *,
    clock: Clock,
    then: Callable[[UnitOfWork], object] | None = None,
) -> bool:
    """Move the order to ``target`` (no-op if it is there already); IllegalTransition if not allowed.

    ``then`` runs in the same transaction, whether or not the status moved (a retried step must
    still finish what the first attempt began); it must be idempotent."""

    def work(uow: UnitOfWork) -> bool:
        moved = uow.fulfilment.set_status(order_id, target, note, clock())
        if then is not None:
            then(uow)
        return moved

    return in_transaction(uow_factory, work)


def note(
    uow_factory: UnitOfWorkFactory, order_id: str, text: str, *, clock: Clock, decision: Decision | None = None
) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.fulfilment.add_note(order_id, text, clock())
        if decision is not None:
            uow.fulfilment.add_decision(order_id, decision)

    in_transaction(uow_factory, work)


def open_exception(uow_factory: UnitOfWorkFactory, exception: OrderException, *, hold: bool, clock: Clock) -> None:
    """Record the exception (once, by id) and, if ``hold``, put the order on hold."""

    def work(uow: UnitOfWork) -> None:
        if uow.fulfilment.add_exception(exception) and hold:
            uow.fulfilment.set_status(
                exception.order_id, OrderStatus.ON_HOLD, f"{exception.type}: {exception.reason}", clock()
            )

    in_transaction(uow_factory, work)


def resolve_exception(
    uow_factory: UnitOfWorkFactory, exception_id: str, *, action: str, actor: str, note_text: str, clock: Clock
) -> bool:
    return in_transaction(
        uow_factory, lambda uow: uow.fulfilment.resolve_exception(exception_id, action, actor, note_text, clock())
    )


def add_reference(
    uow_factory: UnitOfWorkFactory, order_id: str, system: str, kind: str, value: str, *, clock: Clock
) -> None:
    in_transaction(uow_factory, lambda uow: uow.fulfilment.add_reference(order_id, system, kind, value, clock()))


def receive_shipment(
    uow_factory: UnitOfWorkFactory,
    message: InboundMessage,
    translate: Callable[[bytes], ShipmentRecord],
    *,
    clock: Clock,
) -> ShipmentOutcome:
    """Store the raw confirmation, then record the shipment once; an unknown order is quarantined."""

    def work(uow: UnitOfWork) -> ShipmentOutcome:
        message_id = uow.messages.add(message)
        shipment = translate_or_quarantine(uow, message_id, message.body, translate)
        status = uow.fulfilment.plan_status(shipment.order_id)
        if status is None:
            error = FieldError("order_id", ErrorCode.NOT_FOUND, f"no order {shipment.order_id!r}")
            quarantine(uow, message_id, ErrorCode.NOT_FOUND, [error])
        # Recording a shipment moves no status, so the one read here is the one its note is made at.
        outcome = _record_shipment(uow, shipment, message_id, clock(), status)
        settled = MessageStatus.ACCEPTED if outcome.recorded else MessageStatus.DUPLICATE
        uow.messages.settle(message_id, settled, order_id=shipment.order_id)
        return outcome

    return in_transaction(uow_factory, work)


def _record_shipment(
    uow: UnitOfWork, shipment: ShipmentRecord, raw_message_id: str, at: datetime, status: str | None
) -> ShipmentOutcome:
    """Store a shipment once and turn that location's reservations into shipped stock."""
    if not uow.fulfilment.add_shipment(shipment, raw_message_id, at):
        return ShipmentOutcome(False, shipment.order_id, shipment.location_id, shipment.shipment_id)
    uow.inventory.settle_reservations(
        shipment.order_id,
        shipped=True,
        at=at,
        reason=f"shipment {shipment.shipment_id}",
        location_id=shipment.location_id,
    )
    uow.fulfilment.mark_lines_shipped(shipment.order_id, shipment.location_id)
    uow.fulfilment.add_reference(shipment.order_id, "carrier", "tracking_number", shipment.tracking_number, at)
    note_text = f"{shipment.location_id} shipped by {shipment.carrier}, tracking {shipment.tracking_number}"
    uow.fulfilment.add_note_at(shipment.order_id, note_text, at, status)
    owe_confirmation(uow, shipment, at)  # a storefront's order: its channel is owed a fulfilment with tracking
    return ShipmentOutcome(True, shipment.order_id, shipment.location_id, shipment.shipment_id)


def erp_shipments(
    uow_factory: UnitOfWorkFactory, order_id: str
) -> tuple[str, list[tuple[str, str, list[dict[str, Any]]]]]:
    """The ERP's sales order id and the order's shipments: (shipment id, location, lines {line_no, sku,
    quantity}), oldest first."""

    def work(uow: UnitOfWork) -> tuple[str, list[tuple[str, str, list[dict[str, Any]]]]]:
        sales_order = uow.fulfilment.reference(order_id, "erp", "sales_order") or ""
        shipped = [
            (str(s["id"]), str(s["location_id"]), [_shipped_line(x) for x in s["lines"]])
            for s in uow.documents.shipments(order_id)
        ]
        return sales_order, shipped

    return read_only(uow_factory, work)


def _shipped_line(line: dict[str, Any]) -> dict[str, Any]:
    return {"line_no": int(line["line_no"]), "sku": str(line["sku"]), "quantity": int(line["quantity"])}


def shipped_locations(uow_factory: UnitOfWorkFactory, order_id: str) -> list[str]:
    return read_only(uow_factory, lambda uow: sorted(uow.fulfilment.shipped_locations(order_id)))


def cancel(uow_factory: UnitOfWorkFactory, order_id: str, *, reason: str, clock: Clock) -> None:
    """Give back every active reservation, bring every line's money to zero and mark the order cancelled
    (idempotent)."""

    def work(uow: UnitOfWork) -> None:
        at = clock()
        was = uow.fulfilment.plan_status(order_id)
        released = uow.inventory.settle_reservations(order_id, shipped=False, at=at, reason=f"cancelled: {reason}")
        uow.fulfilment.set_status(order_id, OrderStatus.CANCELLED, reason, at)
        uow.fulfilment.close_open_exceptions(order_id, "cancel", "system", "order cancelled", at)
        cancel_money(uow, order_id, Why("cancel", "system", at))
        if was == OrderStatus.BACKORDERED:
            # What it held goes to the next backorders in the queue, and what it was owed no longer
            # counts against inbound supply: the others' promises move up.
            after_backorder_cancelled(uow, order_id, released, clock)

    in_transaction(uow_factory, work)


def retry_placement(
    uow_factory: UnitOfWorkFactory,
    order_id: str,
    *,
    geocoder: Geocoder,
    clock: Clock,
    exclude_locations: Sequence[str] = (),
) -> OrderPlan:
    """Validate, route and reserve an order again (after a hold, or to reroute away from locations)."""

    def work(uow: UnitOfWork) -> OrderPlan:
        replace_placement(uow, order_id, geocoder=geocoder, clock=clock, exclude_locations=exclude_locations)
        plan = uow.fulfilment.plan(order_id)
        assert plan is not None
        return plan

    return in_transaction(uow_factory, work)
