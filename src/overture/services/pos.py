"""Point of sale: a store's till receipts recorded as orders of the ``pos`` channel, stock taken at once.

A POS receipt is not an order to fulfil: it happened at a known store and the goods were handed
over at the till. So it takes no part in the order workflow, by design:

- it is never governed, routed nor reserved: each sold line is a ``sale`` movement at *that* store
  (on hand down, in the same inventory ledger as every other change, in the receipt's transaction);
- if the store's book holds fewer free units than were sold, the sale still stands (the goods left
  the shop): the book's free units are taken and a ``stock_count`` exception names the shortfall for
  a person to count the shelf. A till is never refused;
- a returned line (a negative quantity) is a ``receipt`` movement back onto that store's shelf, and
  its money is refunded;
- the order is written already ``completed`` (``refunded`` when the receipt only took goods back), its
  lines ``delivered`` (``returned``), and **no** ``order.placed`` outbox row is written: no workflow
  starts, nothing is released to a WMS, no shipment is awaited. A separate small path keeps the order
  workflow free of a "sold at the till" branch in every step it has;
- money: each line's goods, tax and discount are charged as any order's (``services/money.py``
  ``post_placement``), then captured as paid at the till (``pos:<tender>``); a returned line is charged,
  captured and then given back (its charges undone, its money refunded), so the books balance to zero
  and show the refund.

Every movement flags its SKU for the availability publisher in the same transaction
(``store/inventory.py`` ``_mark_changed``), so the store's lower stock reaches each channel on the
publisher's next pass.

The raw message is stored first; one that cannot be read, or names an unknown store or SKU, is
quarantined with each field and reason. A receipt recorded before (same store, same receipt id) is
answered with its order and records nothing again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime

from overture.domain.charging import Why, placement_entries, whole_line_back
from overture.domain.commands import Charge, ChargeKind, Reference
from overture.domain.exceptions import ExceptionType, OrderException, default_actions
from overture.domain.ids import new_id
from overture.domain.inventory import Location, LocationKind, Movement, MovementKind
from overture.domain.money import Money
from overture.domain.money.ledger import Entry, EntryKind, Ledger
from overture.domain.orders import InvalidOrder, Order, OrderLine, StatusChange
from overture.domain.parties import Address, Customer
from overture.domain.pos import CHANNEL, PosLine, RecordPosSale
from overture.domain.statuses import LineStatus, OrderStatus
from overture.services.capture import keep_apart, quarantine, translate_or_quarantine
from overture.services.characters import refusing_nul
from overture.services.errors import ErrorCode, FieldError, ServiceError
from overture.services.ports import Clock, InboundMessage, MessageStatus, OrderRecord, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only

log = logging.getLogger(__name__)
PosTranslator = Callable[[bytes], RecordPosSale]
ACTOR = "pos"


@dataclass(frozen=True, slots=True)
class PosOutcome:
    """What became of one receipt: its order, whether it was made now, and any shortfall raised."""

    order_id: str
    status: str
    created: bool
    message_id: str
    external_id: str
    shortfalls: tuple[str, ...] = ()  # "SKU: sold N, book held M" per line the store's book could not cover


def record_pos_sale(
    uow_factory: UnitOfWorkFactory, message: InboundMessage, translate: PosTranslator, *, clock: Clock
) -> PosOutcome:
    """Record one till receipt (see the module docstring). Raises PayloadRejected when it is quarantined."""
    try:
        return in_transaction(uow_factory, lambda uow: _record_once(uow, message, translate, clock))
    except ServiceError:
        raise
    except Exception:
        try:
            keep_apart(uow_factory, message, reason="capture_failed")
        except Exception:
            log.exception("could not keep the %s message apart after recording it failed", message.channel)
        raise


def pos_order_of(uow_factory: UnitOfWorkFactory, receipt_id: str, stores: Collection[str]) -> Order | None:
    """The POS order of a receipt rung up at one of ``stores`` (a Shopify POS order's id: its store is not
    in the refund that comes later), or None when none of them has it."""

    def read(uow: UnitOfWork) -> Order | None:
        for store in sorted(set(stores)):
            order_id = uow.orders.find_by_external_id(CHANNEL, f"{store}:{receipt_id}")
            if order_id is not None:
                return uow.fulfilment.load_order(order_id)
        return None

    return read_only(uow_factory, read)


def close_stock_count(
    uow_factory: UnitOfWorkFactory, exception_id: str, order_id: str, *, actor: str, note: str, clock: Clock
) -> bool:
    """A person counted the shelf (and corrected the book with an adjustment): the ``stock_count``
    exception closes as ``override``. No workflow waits on a POS order, so this is the whole of it;
    False when it was closed already."""

    def work(uow: UnitOfWork) -> bool:
        closed = uow.fulfilment.resolve_exception(exception_id, "override", actor, note, clock())
        if closed:
            uow.fulfilment.add_note(order_id, f"stock count done by {actor}: {note}", clock())
        return closed

    return in_transaction(uow_factory, work)


def _record_once(uow: UnitOfWork, message: InboundMessage, translate: PosTranslator, clock: Clock) -> PosOutcome:
    order_id = new_id("ord")
    message_id = uow.messages.add(message, status=MessageStatus.ACCEPTED, order_id=order_id)
    sale = translate_or_quarantine(uow, message_id, message.body, refusing_nul(translate))
    existing = uow.orders.find_by_external_id(CHANNEL, sale.external_id)
    if existing is not None:
        uow.messages.settle(message_id, MessageStatus.DUPLICATE, order_id=existing, reason="external_id")
        summary = uow.orders.summary(existing)
        status = summary.status if summary is not None else ""
        return PosOutcome(existing, status, False, message_id, sale.external_id)
    store = _store_of(uow, message_id, sale)
    order = _order_of(uow, message_id, sale, store, order_id=order_id, at=clock())
    shortfalls = _move_stock(uow, sale, order)
    exceptions = [_shortfall_exception(order, sale, text) for text in shortfalls]
    uow.orders.add(OrderRecord(order, exceptions=exceptions, references=_references(sale)))
    _post_money(uow, order, sale)
    return PosOutcome(order.id, order.status.value, True, message_id, sale.external_id, tuple(shortfalls))


def _store_of(uow: UnitOfWork, message_id: str, sale: RecordPosSale) -> Location:
    """The receipt's store, or quarantine naming what is wrong (an unknown location, SKUs we do not know)."""
    errors: list[FieldError] = []
    store = uow.sourcing.locations({sale.location_id}).get(sale.location_id)
    if store is None:
        errors.append(FieldError("location_id", ErrorCode.NOT_FOUND, f"unknown location {sale.location_id!r}"))
    elif store.kind is not LocationKind.STORE:
        reason = f"location {store.id!r} is a {store.kind.value}, not a store: a till sells from a store"
        errors.append(FieldError("location_id", ErrorCode.INVALID_VALUE, reason))
    known = uow.catalog.known_skus({line.sku for line in sale.lines})
    for n, line in enumerate(sale.lines):
        if line.sku not in known:
            errors.append(FieldError(f"lines[{n}].sku", ErrorCode.NOT_FOUND, f"unknown SKU {line.sku!r}"))
    if errors or store is None:
        quarantine(uow, message_id, ErrorCode.VALIDATION_FAILED, errors)
    return store


def _order_of(
    uow: UnitOfWork, message_id: str, sale: RecordPosSale, store: Location, *, order_id: str, at: datetime
) -> Order:
    """The receipt as an order already handed over (or refunded): no step of the workflow is left to it."""
    try:
        order = Order(
            id=order_id,
            channel=CHANNEL,
            external_id=sale.external_id,
            customer=Customer(reference=f"walk-in:{sale.location_id}", name=f"Walk-in at {store.name}"),
            ship_to=Address(store.postal_code or "-", store.country, name=store.name),
            currency=sale.currency,
            lines=[_line_of(n, line, sale.currency) for n, line in enumerate(sale.lines, start=1)],
            created_at=at,
            raw_message_id=message_id,
            charges=_charges_of(sale),
        )
    except InvalidOrder as error:
        problem = FieldError(error.field, ErrorCode.INVALID_VALUE, error.reason)
        quarantine(uow, message_id, ErrorCode.INVALID_VALUE, [problem])
    target = OrderStatus.REFUNDED if sale.only_returns else OrderStatus.COMPLETED
    where = f"{store.id}" + (f" register {sale.register}" if sale.register else "")
    # Written straight to its end: the lifecycle's forward steps (routed, released, shipped) never happened.
    order.history.append(StatusChange(OrderStatus.RECEIVED, target, f"rung up at the till ({where})", at))
    order.status = target
    return order


def _line_of(line_no: int, line: PosLine, currency: str) -> OrderLine:
    status = LineStatus.RETURNED if line.returned else LineStatus.DELIVERED
    return OrderLine(line_no, line.sku, abs(line.quantity), Money(line.unit_price, currency), status=status)


def _charges_of(sale: RecordPosSale) -> tuple[Charge, ...]:
    """Each line's tax and discount on that line, then the receipt's own order-level amounts."""
    per_line: list[Charge] = []
    for n, line in enumerate(sale.lines, start=1):
        if line.tax:
            per_line.append(Charge(ChargeKind.TAX, line.tax, "pos_tax", line_no=n))
        if line.discount:
            per_line.append(Charge(ChargeKind.DISCOUNT, line.discount, "pos_discount", line_no=n))
    return (*per_line, *sale.charges)


def _move_stock(uow: UnitOfWork, sale: RecordPosSale, order: Order) -> list[str]:
    """Sold units off the store's on hand, returned units back onto it; the shortfalls the book could not cover."""
    at = order.created_at
    why = f"pos receipt {sale.receipt_id}"
    shortfalls: list[str] = []
    returned: list[Movement] = []
    # SKU order, as reservations lock positions (primary key order): a till and an online order never deadlock.
    for line in sorted(order.lines, key=lambda line: line.sku):
        if line.status is LineStatus.RETURNED:
            movement = Movement(MovementKind.RECEIPT, line.sku, sale.location_id, line.quantity, f"{why}: returned")
            returned.append(replace(movement, order_id=order.id, reference=sale.receipt_id))
            continue
        sold = Movement(MovementKind.SALE, line.sku, sale.location_id, line.quantity, f"{why}: sold", order.id)
        taken = uow.inventory.sell(replace(sold, reference=sale.receipt_id), at)
        if taken < line.quantity:
            shortfalls.append(f"{line.sku}: sold {line.quantity}, the book held {taken} free")
    if returned:
        uow.inventory.receive(returned, at)
    return shortfalls


def _shortfall_exception(order: Order, sale: RecordPosSale, text: str) -> OrderException:
    kind = ExceptionType.STOCK_COUNT
    return OrderException(
        id=new_id("exc"),
        order_id=order.id,
        type=kind,
        step="pos_sale",
        reason=f"{sale.location_id} sold more than its book held ({text}): count the shelf and adjust the book",
        allowed_actions=default_actions(kind),
        details={"location_id": sale.location_id, "receipt_id": sale.receipt_id, "shortfall": text},
        created_at=order.created_at,
    )


def _references(sale: RecordPosSale) -> tuple[Reference, ...]:
    ours = [
        Reference(CHANNEL, "receipt", sale.receipt_id),
        Reference(CHANNEL, "register", sale.register),
        Reference(CHANNEL, "tender", sale.tender),
        Reference(CHANNEL, "original_receipt", sale.original_receipt),
        Reference(CHANNEL, "sold_at", sale.sold_at.isoformat() if sale.sold_at else ""),
    ]
    return (*(r for r in ours if r.value), *sale.references)


def _post_money(uow: UnitOfWork, order: Order, sale: RecordPosSale) -> None:
    """Charged as placed, captured as paid at the till; a returned line undone and refunded."""
    at = order.created_at
    placed = placement_entries(order, Why("placed", ACTOR, at))
    uow.money.post(f"placed:{order.id}", order.id, placed, at)
    ledger = Ledger(order.id, order.currency, list(placed))
    tender = f"pos:{sale.tender or 'till'}"
    owed = {line_no: balance.due for line_no, balance in ledger.lines().items()}
    paid = [_entry(order, n, EntryKind.CAPTURE, amount, "paid at the till", tender) for n, amount in owed.items()]
    ledger.append(paid)
    back: list[Entry] = []
    for line in order.lines:
        if line.status is LineStatus.RETURNED and owed.get(line.line_no):
            back += whole_line_back(ledger, line.line_no, Why(f"return:{sale.receipt_id}", ACTOR, at))
            back.append(
                _entry(order, line.line_no, EntryKind.REFUND, owed[line.line_no], "returned at the till", tender)
            )
    uow.money.post(f"pos:{order.id}", order.id, [e for e in (*paid, *back) if e.amount], at)


def _entry(order: Order, line_no: int, kind: EntryKind, amount: int, cause: str, reference: str) -> Entry:
    return Entry(order.id, line_no, kind, amount, order.currency, cause, ACTOR, order.created_at, reference)
