"""Activities of the order workflow: short store calls (run as local activities) and calls to
outside systems (regular activities with their own retry policy).

Every call is idempotent: store writes check before they change, and outside calls carry an
idempotency key made from the order, the step and the placement generation, never from
the attempt, so a retried or replayed call is recognised by the other side.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from overture.domain.decisions import Decision, DecisionKind
from overture.domain.exceptions import ExceptionAction, ExceptionType, OrderException, Severity, default_actions
from overture.domain.inventory import Location, SupplierTransport
from overture.domain.orders import LineEdit, OrderError
from overture.domain.routing import Allocation
from overture.domain.statuses import OrderStatus
from overture.services import amendments, drop_ship, fulfilment, payments, shipping_labels, tax
from overture.services.drop_ship import DropShipNotConfigured
from overture.services.placement import LocationCannotFill
from overture.services.plans import OrderDocument, OrderPlan
from overture.services.ports import Clock, Geocoder, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.carrier import OutboundLabels
from overture.services.ports.connector_errors import ApiDriftError, PermanentConnectorError, ThrottledError
from overture.services.ports.erp import CustomerNotifier, ErpGateway
from overture.services.ports.money import PaymentRecord
from overture.services.ports.partner_documents import PartnerDocuments
from overture.services.ports.payments import PaymentGateway
from overture.services.ports.tax import TaxEngine
from overture.services.ports.wms import ReleaseLine, SupplierGateways, WmsGateway, WmsRelease
from overture.services.retry import in_transaction
from overture.workflows.order.shared import (
    AmendArgs,
    ExceptionArgs,
    InvoiceArgs,
    LocationArgs,
    NoteArgs,
    NotifyArgs,
    PaymentHold,
    PlacementArgs,
    ReauthoriseArgs,
    ReferenceArgs,
    ReleaseArgs,
    ResolveArgs,
    StatusArgs,
)

T = TypeVar("T")
log = logging.getLogger(__name__)
PARTNER_DOCUMENT_STEPS = frozenset({OrderStatus.SHIPPED, OrderStatus.INVOICED})


async def _outside(call: Awaitable[T]) -> T:
    """Translate connector errors into what Temporal's retry policy understands."""
    try:
        return await call
    except ThrottledError as error:
        delay = timedelta(seconds=error.retry_after) if error.retry_after else None
        raise ApplicationError(str(error), type="ThrottledError", next_retry_delay=delay) from error
    except ApiDriftError as error:
        # The raw answer travels with the failure, so the workflow can keep it on the api_drift exception.
        drift = {"connector": error.connector, "operation": error.operation, "problems": list(error.problems)}
        raise ApplicationError(
            str(error), {**drift, "raw": error.raw}, type="ApiDriftError", non_retryable=True
        ) from error
    except PermanentConnectorError as error:
        raise ApplicationError(str(error), type="PermanentConnectorError", non_retryable=True) from error


@dataclass
class OrderActivities:
    uow_factory: UnitOfWorkFactory
    geocoder: Geocoder
    clock: Clock
    wms: WmsGateway
    erp: ErpGateway
    notifier: CustomerNotifier
    documents: PartnerDocuments  # what EDI partners are sent (856/810) and drop-ship suppliers (850)
    supplier_gateways: SupplierGateways  # a client for an API drop-ship supplier, by name and URL
    shipment_callback_url: str | None = None
    payments: PaymentGateway | None = None  # our payment provider (orders the channel did not collect)
    tax: TaxEngine | None = None  # committed at invoice for orders it priced (services/tax.py)
    labels: OutboundLabels | None = None  # a label bought per warehouse release (services/shipping_labels.py)
    _suppliers: dict[str, WmsGateway] = field(default_factory=dict)  # one client per supplier URL

    # ---- store (local activities) -------------------------------------------------

    @activity.defn
    def load_plan(self, order_id: str) -> OrderPlan:
        return fulfilment.load_plan(self.uow_factory, order_id)

    @activity.defn
    def advance(self, args: StatusArgs) -> bool:
        status = OrderStatus(args.status)
        then = None
        if status in PARTNER_DOCUMENT_STEPS:
            # The partner's 856 or 810 is made in the transaction that records the step.
            def then(uow: UnitOfWork) -> object:
                return self.documents.after_status(uow, args.order_id, status, at=self.clock())

        moved = fulfilment.advance(self.uow_factory, args.order_id, status, args.note, clock=self.clock, then=then)
        if moved:
            # The interceptor (workflows/log_context.py) adds the order and workflow ids to this line.
            log.info("order moved to %s", status.value)
        return moved

    @activity.defn
    def add_note(self, args: NoteArgs) -> None:
        decision = None
        if args.decision is not None:
            d = args.decision
            decision = Decision(
                DecisionKind(d["kind"]), d["outcome"], d["reason"], d.get("inputs", {}), at=self.clock()
            )
        fulfilment.note(self.uow_factory, args.order_id, args.text, clock=self.clock, decision=decision)

    @activity.defn
    def open_exception(self, args: ExceptionArgs) -> None:
        kind = ExceptionType(args.type)
        exception = OrderException(
            id=args.exception_id,
            order_id=args.order_id,
            type=kind,
            step=args.step,
            reason=args.reason,
            severity=Severity.HIGH,
            allowed_actions=tuple(ExceptionAction(a) for a in args.allowed_actions) or default_actions(kind),
            details=args.details,
            created_at=self.clock(),
        )
        fulfilment.open_exception(self.uow_factory, exception, hold=args.hold, clock=self.clock)

    @activity.defn
    def resolve_exception(self, args: ResolveArgs) -> bool:
        return fulfilment.resolve_exception(
            self.uow_factory,
            args.exception_id,
            action=args.action,
            actor=args.actor,
            note_text=args.note,
            clock=self.clock,
        )

    @activity.defn
    def place_again(self, args: PlacementArgs) -> OrderPlan:
        plan = fulfilment.retry_placement(
            self.uow_factory,
            args.order_id,
            geocoder=self.geocoder,
            clock=self.clock,
            exclude_locations=args.exclude_locations,
        )
        self._tell_partner_if_placed(plan)
        return plan

    @activity.defn
    def amend_order(self, args: AmendArgs) -> OrderPlan:
        """Edit lines and/or place at a chosen location, in one transaction; a refusal fails for good."""
        try:
            plan = amendments.amend_order(
                self.uow_factory, args.order_id, _amendment(args), geocoder=self.geocoder, clock=self.clock
            )
        except (OrderError, LocationCannotFill) as error:
            raise ApplicationError(str(error), type="AmendmentRefused", non_retryable=True) from error
        self._tell_partner_if_placed(plan)
        return plan

    def _tell_partner_if_placed(self, plan: OrderPlan) -> None:
        """A hold a person cleared: the order's partner hears the new answer (a new 855 for an EDI
        order, made only if it says something else than the last one, so a retry sends none)."""
        status = OrderStatus(plan.status)
        if status in (OrderStatus.RESERVED, OrderStatus.ROUTED, OrderStatus.BACKORDERED):
            in_transaction(
                self.uow_factory, lambda uow: self.documents.after_status(uow, plan.order_id, status, at=self.clock())
            )

    @activity.defn
    def check_amendment(self, args: AmendArgs) -> str:
        """Why the amendment would be refused now ("" if it would go through); changes nothing."""
        return amendments.try_amendment(
            self.uow_factory, args.order_id, _amendment(args), geocoder=self.geocoder, clock=self.clock
        )

    @activity.defn
    def cancel_order(self, args: NoteArgs) -> None:
        fulfilment.cancel(self.uow_factory, args.order_id, reason=args.text, clock=self.clock)

    @activity.defn
    def shipped_locations(self, order_id: str) -> list[str]:
        return fulfilment.shipped_locations(self.uow_factory, order_id)

    @activity.defn
    def add_reference(self, args: ReferenceArgs) -> None:
        fulfilment.add_reference(self.uow_factory, args.order_id, args.system, args.kind, args.value, clock=self.clock)

    # ---- outside systems (regular activities) -------------------------------------

    async def _document(self, order_id: str) -> OrderDocument:
        # A short read on the activity thread pool, so the event loop keeps serving other calls; the
        # ERP is sent the lines only, so what each location releases is not read.
        return await asyncio.get_running_loop().run_in_executor(None, self._erp_document, order_id)

    def _erp_document(self, order_id: str) -> OrderDocument:
        return fulfilment.load_document(self.uow_factory, order_id, releases=False)

    @activity.defn
    async def erp_create_sales_order(self, order_id: str) -> str:
        order = await self._document(order_id)
        return await _outside(
            self.erp.create_sales_order(
                order.order_id, order.customer, _lines(order), order.currency, idempotency_key=f"{order_id}:sales-order"
            )
        )

    @activity.defn
    async def erp_confirm_shipments(self, order_id: str) -> list[str]:
        """Each recorded shipment confirmed on the ERP's sales order (one ERP shipment per our shipment,
        however often the step is retried): an ERP of record invoices what it saw ship."""
        sales_order, shipped = await self._in_thread(fulfilment.erp_shipments, self.uow_factory, order_id)
        if not sales_order:  # the sales order step was done by hand (overridden): nothing to confirm against
            return []
        confirmed = []
        for shipment_id, location_id, lines in shipped:
            key = f"{order_id}:erp-shipment:{shipment_id}"
            call = self.erp.confirm_shipment(order_id, sales_order, location_id, lines, idempotency_key=key)
            confirmed.append(await _outside(call))
        return confirmed

    @activity.defn
    async def wms_release(self, args: ReleaseArgs) -> str:
        """Release a location's lines: to its WMS, or to its supplier if it is a drop-ship location."""
        order, supplier = await self._in_thread(self._release_target, args.order_id, args.location_id)
        at_location = order.release_at(args.location_id)
        key = f"{args.order_id}:release:{args.location_id}:{args.generation}"
        if supplier is not None and supplier.supplier_transport is SupplierTransport.X12:
            return await self._in_thread(self._send_purchase_order, order, supplier)
        label = None
        if self.labels is not None and supplier is None:
            buy = shipping_labels.label_for_release(
                self.uow_factory, self.labels, order, args.location_id, key=f"{key}:label", clock=self.clock
            )
            label = await _outside(buy)
        release = WmsRelease(
            order_id=args.order_id,
            location_id=args.location_id,
            lines=[ReleaseLine(line.line_no, line.sku, line.quantity) for line in at_location.lines],
            ship_to=order.ship_to,
            callback_url=self.shipment_callback_url,
            label=label,
        )
        return await _outside(self._connector_for(supplier).release(release, idempotency_key=key))

    @activity.defn
    async def wms_cancel(self, args: LocationArgs) -> str:
        key = f"{args.order_id}:cancel:{args.location_id}:{args.generation}"
        _, supplier = await self._in_thread(self._release_target, args.order_id, args.location_id)
        if supplier is not None and supplier.supplier_transport is SupplierTransport.X12:
            return await self._in_thread(self._cancel_purchase_order, args.order_id, supplier)
        connector = self._connector_for(supplier)
        outcome = await _outside(connector.cancel_release(args.order_id, args.location_id, idempotency_key=key))
        return str(outcome)

    # ---- drop-ship suppliers -----------------------------------------------------------

    async def _in_thread(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, call, *args)

    def _release_target(self, order_id: str, location_id: str) -> tuple[OrderDocument, Location | None]:
        """The order, and the location if it is drop-ship (else None: a WMS location), read together;
        a drop-ship location with no supplier fails for good."""
        order, location = fulfilment.load_release(self.uow_factory, order_id, location_id)
        if location is not None and not location.supplier_partner_id:
            message = f"drop-ship location {location_id} names no supplier (set supplier_partner_id)"
            raise ApplicationError(message, type="DropShipNotConfigured", non_retryable=True)
        return order, location

    def _send_purchase_order(self, order: OrderDocument, location: Location) -> str:
        def work(uow: UnitOfWork) -> str:
            supplier_order = drop_ship.supplier_order(uow, order, location)
            return self.documents.send_purchase_order(uow, supplier_order, at=self.clock())

        try:
            return in_transaction(self.uow_factory, work)
        except DropShipNotConfigured as error:
            raise ApplicationError(str(error), type="DropShipNotConfigured", non_retryable=True) from error

    def _cancel_purchase_order(self, order_id: str, location: Location) -> str:
        # Nothing shipped yet: the lines come back here; the supplier is told on the timeline's note
        # (an 860 change order is not sent yet). Shipped: too late, as with a WMS.
        if location.id in fulfilment.shipped_locations(self.uow_factory, order_id):
            return "already_shipped"
        po = drop_ship.po_number(order_id, location.id)
        text = f"purchase order {po} to supplier {location.supplier_partner_id} cancelled: tell the supplier"
        fulfilment.note(self.uow_factory, order_id, text, clock=self.clock)
        return "cancelled"

    def _connector_for(self, location: Location | None) -> WmsGateway:
        """The WMS, or an API supplier's endpoint (spoken like a WMS), one client per supplier URL."""
        if location is None or not location.supplier_url:
            return self.wms
        url = location.supplier_url
        if url not in self._suppliers:
            self._suppliers[url] = self.supplier_gateways(f"supplier:{location.id}", url)
        return self._suppliers[url]

    @activity.defn
    async def erp_create_invoice(self, args: InvoiceArgs) -> str:
        order = await self._document(args.order_id)
        await self._commit_tax(order)
        return await _outside(
            self.erp.create_invoice(
                order.order_id,
                args.sales_order_id,
                _lines(order),
                order.currency,
                order.total,
                idempotency_key=f"{args.order_id}:invoice",
            )
        )

    async def _commit_tax(self, order: OrderDocument) -> None:
        if self.tax is not None:
            await _outside(tax.commit_invoiced(self.uow_factory, self.tax, order, clock=self.clock))

    @activity.defn
    async def authorise_payment(self, order_id: str) -> PaymentHold:
        """Authorise what the order owes on its payment method (none: the channel collected it)."""
        record = await _outside(payments.authorise_order(self.uow_factory, self.payments, order_id, clock=self.clock))
        return _hold(record)

    @activity.defn
    async def reauthorise_payment(self, args: ReauthoriseArgs) -> PaymentHold:
        """Void an authorisation about to lapse and take a new one for what the order still owes."""
        call = payments.authorise_order(
            self.uow_factory, self.payments, args.order_id, clock=self.clock, replacing=args.intent_id
        )
        return _hold(await _outside(call))

    @activity.defn
    async def capture_payment(self, order_id: str) -> int:
        """Capture each shipped line (the minor units captured)."""
        return await _outside(payments.capture_shipped(self.uow_factory, self.payments, order_id, clock=self.clock))

    @activity.defn
    async def void_payment(self, order_id: str) -> str:
        """A cancelled order's authorisation released at the provider (nothing was captured)."""
        return await _outside(payments.void_order(self.uow_factory, self.payments, order_id, clock=self.clock))

    @activity.defn
    async def notify_customer(self, args: NotifyArgs) -> None:
        await _outside(
            self.notifier.notify(
                args.order_id,
                args.event,
                args.email,
                args.message,
                idempotency_key=f"{args.order_id}:notify:{args.event}",
            )
        )


def _amendment(args: AmendArgs) -> amendments.Amendment:
    edits = tuple(
        LineEdit(
            c.line_no,
            sku=c.sku or None,
            quantity=c.quantity or None,
            unit_price=Decimal(c.unit_price) if c.unit_price else None,
            add=c.add,
            remove=c.remove,
        )
        for c in args.lines
    )
    return amendments.Amendment(
        args.actor,
        args.reason,
        args.exception_type,
        edits,
        args.location_id or None,
        tuple(args.exclude_locations),
        key=args.key,
        planned=tuple(Allocation(a.line_no, a.sku, a.location_id, a.quantity) for a in args.allocations),
        plan=args.plan,
    )


def _lines(order: OrderDocument) -> list[dict[str, Any]]:
    return [
        {"line_no": x.line_no, "sku": x.sku, "quantity": x.quantity, "unit_price": x.unit_price} for x in order.lines
    ]


def _hold(record: PaymentRecord | None) -> PaymentHold:
    if record is None:
        return PaymentHold()
    lapses = record.capture_before.isoformat() if record.capture_before else ""
    return PaymentHold(record.intent_id, lapses)
