"""Returns (RMAs): asking, reviewing and receiving. Settling (refund, store credit, exchange) is in
services/return_settlement.py; the return's durable run is workflows/returns/.

- ``request_return``: the raw request is stored first; each line is checked against what shipped and
  what earlier returns already asked for, inside the channel's return window; the return is approved
  at once when the value it would give back is under the policy's threshold, else it waits for a
  person (``review_return``). The same request delivered twice (channel + its id) is one return.
  A ``return.requested`` outbox row in the same transaction starts the return's workflow.
- ``receive_return``: what inspection found, unit by unit; restocked units are on hand (and sellable,
  backorders first) in the same transaction; refurbished units wait for ``refurbished``; scrapped
  units never come back. A serialized unit comes back as the same SKU: it is one of a kind.

Errors: ``InvalidRequest`` naming the field (422), ``NotFound``, ``ReturnRefused`` (409: the step is
not allowed in the return's or the order's state).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from overture.domain.charging import Why
from overture.domain.exceptions import ExceptionType, OrderException, Severity, default_actions
from overture.domain.ids import new_id
from overture.domain.inventory import Movement, MovementKind
from overture.domain.money import from_minor
from overture.domain.orders import Order
from overture.domain.returns import (
    InvalidReturn,
    Outcome,
    RequestReturn,
    Return,
    ReturnLine,
    ReturnNotAllowed,
    ReturnPolicy,
    ReturnStatus,
)
from overture.domain.statuses import LineStatus
from overture.services.backorders import allocate_received
from overture.services.errors import ActionRefused, ErrorCode, InvalidRequest, NotFound
from overture.services.money import MoneyView, ledger_of, money_view, units_back_entries
from overture.services.ports import Clock, InboundMessage, MessageStatus, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction

TOPIC = "return.requested"
SHIPPED = frozenset({LineStatus.SHIPPED, LineStatus.DELIVERED, LineStatus.RETURNED})


ReturnRefused = ActionRefused  # the step is not allowed now (answered with 409 and the reason)


@dataclass(frozen=True, slots=True)
class ReturnOutcome:
    ret: Return
    created: bool


def request_return(
    uow_factory: UnitOfWorkFactory,
    command: RequestReturn,
    *,
    message: InboundMessage | None,
    policy: ReturnPolicy,
    clock: Clock,
) -> ReturnOutcome:
    """Record a return request (see the module docstring); the existing return for a repeat."""

    def work(uow: UnitOfWork) -> ReturnOutcome:
        existing = uow.returns.find(command.channel, command.external_id)
        if existing is not None:
            found = uow.returns.get(existing)
            assert found is not None
            return ReturnOutcome(found, created=False)
        order = _order(uow, command)
        message_id = (
            None if message is None else uow.messages.add(message, status=MessageStatus.ACCEPTED, order_id=order.id)
        )
        at = clock()
        ret = _new_return(uow, order, command, message_id, at)
        _check_window(uow, order, policy, at)
        value = _value(uow, order, ret, at)
        if value <= policy.auto_approve_minor:
            ret.status, ret.approved_at = ReturnStatus.APPROVED, at
        uow.returns.add(ret)
        if ret.status is ReturnStatus.AWAITING_REVIEW:
            _ask_for_review(uow, order, ret, value, policy, at)
        verdict = (
            "approved at once" if ret.status is ReturnStatus.APPROVED else "waiting for review (over the threshold)"
        )
        uow.fulfilment.add_note(order.id, f"return {ret.id} asked for {describe_lines(ret)}: {verdict}", at)
        uow.outbox.add(TOPIC, ret.id, {"return_id": ret.id, "order_id": order.id}, at)
        return ReturnOutcome(ret, created=True)

    return in_transaction(uow_factory, work)


def _order(uow: UnitOfWork, command: RequestReturn) -> Order:
    order_id = command.order_id
    if order_id is None and command.order_external_id:
        order_id = uow.orders.find_by_external_id(command.order_channel or command.channel, command.order_external_id)
        if order_id is None:
            order_id = uow.returns.order_by_reference(command.order_external_id)
    order = None if order_id is None else uow.fulfilment.load_order(order_id)
    if order is None:
        raise NotFound(f"no order {command.order_id or command.order_external_id!r} to return goods of")
    return order


def _new_return(uow: UnitOfWork, order: Order, command: RequestReturn, message_id: str | None, at: datetime) -> Return:
    by_no = {line.line_no: line for line in order.lines}
    asked = uow.returns.units_asked(order.id)
    lines: dict[int, ReturnLine] = {}
    for n, request in enumerate(command.lines):
        line_no = _line_no(order, n, request.line_no, request.sku)
        line = by_no[line_no]
        if line.status not in SHIPPED:
            raise InvalidRequest(f"lines[{n}].line_no", f"line {line_no} has not shipped ({line.status})")
        left = line.quantity - asked.get(line_no, 0) - (lines[line_no].quantity if line_no in lines else 0)
        if not 0 < request.quantity <= left:
            why = f"line {line_no} has {left} unit(s) left to return; cannot return {request.quantity}"
            raise InvalidRequest(f"lines[{n}].quantity", why, ErrorCode.OUT_OF_RANGE)
        if line_no in lines:
            lines[line_no].quantity += request.quantity
            continue
        lines[line_no] = ReturnLine(
            line_no,
            line.sku,
            request.quantity,
            request.reason,
            request.note,
            exchange_sku=request.exchange_sku,
            exchange_unit_price=request.exchange_unit_price,
        )
    return Return(
        id=new_id("rma"),
        order_id=order.id,
        channel=command.channel,
        external_id=command.external_id,
        status=ReturnStatus.AWAITING_REVIEW,
        settlement=command.settlement,
        lines=list(lines.values()),
        actor=command.actor,
        requested_at=at,
        note=command.note,
        raw_message_id=message_id,
        exchange_policy=command.exchange_policy,
    )


def _ask_for_review(uow: UnitOfWork, order: Order, ret: Return, value: int, policy: ReturnPolicy, at: datetime) -> None:
    """An exception in the queue (the order is not held): override approves, cancel rejects."""
    worth = f"{from_minor(value, order.currency)} {order.currency}"
    limit = f"{from_minor(policy.auto_approve_minor, order.currency)} {order.currency}"
    exception = OrderException(
        id=new_id("exc"),
        order_id=order.id,
        type=ExceptionType.RETURN_REVIEW,
        step="return",
        reason=f"return {ret.id} gives back {worth}, over the {limit} approved at once",
        severity=Severity.LOW,
        allowed_actions=default_actions(ExceptionType.RETURN_REVIEW),
        details={"return_id": ret.id},
        created_at=at,
    )
    uow.fulfilment.add_exception(exception)


def _line_no(order: Order, n: int, line_no: int | None, sku: str | None) -> int:
    if line_no is not None:
        if line_no not in {line.line_no for line in order.lines}:
            raise InvalidRequest(f"lines[{n}].line_no", f"the order has no line {line_no}", ErrorCode.NOT_FOUND)
        return line_no
    matches = [line.line_no for line in order.lines if sku is not None and line.sku == sku]
    if not matches:
        raise InvalidRequest(f"lines[{n}].sku", f"the order has no line of {sku!r}", ErrorCode.NOT_FOUND)
    return matches[0]


def _check_window(uow: UnitOfWork, order: Order, policy: ReturnPolicy, at: datetime) -> None:
    shipped = uow.returns.last_shipped_at(order.id)
    if shipped is not None and at > policy.deadline(shipped):
        raise InvalidRequest(
            "requested_at",
            f"the return window of {policy.window_days} days closed on {policy.deadline(shipped):%Y-%m-%d}",
            ErrorCode.OUT_OF_RANGE,
        )


def _value(uow: UnitOfWork, order: Order, ret: Return, at: datetime) -> int:
    """What the return would give back (minor units): its units' share of goods, discount and tax."""
    ledger = ledger_of(uow, order.id)
    returned = uow.returns.units_asked(order.id)
    by_no = {line.line_no: line for line in order.lines}
    why = Why("value", ret.actor, at)
    total = 0
    for line in ret.lines:
        of = by_no[line.line_no].quantity - returned.get(line.line_no, 0)
        total -= sum(e.amount for e in units_back_entries(ledger, line.line_no, units=line.quantity, of=of, why=why))
    return total


def describe_lines(ret: Return) -> str:
    return ", ".join(f"{line.quantity} x {line.sku} (line {line.line_no}, {line.reason})" for line in ret.lines)


def review_return(
    uow_factory: UnitOfWorkFactory, return_id: str, *, approve: bool, actor: str, note: str, clock: Clock
) -> Return:
    """A person's verdict on a return over the threshold."""

    def work(uow: UnitOfWork) -> Return:
        ret = _get(uow, return_id)
        at = clock()
        try:
            ret.approve(at) if approve else ret.reject()
        except ReturnNotAllowed as error:
            raise ReturnRefused(str(error)) from None
        uow.returns.save(ret, at)
        action = "override" if approve else "cancel"
        for exception_id in uow.returns.review_exceptions(ret.order_id, ret.id):
            uow.fulfilment.resolve_exception(exception_id, action, actor, note or f"return {ret.id} reviewed", at)
        verdict = "approved" if approve else "rejected"
        uow.fulfilment.add_note(
            ret.order_id, f"return {ret.id} {verdict} by {actor}" + (f": {note}" if note else ""), at
        )
        return ret

    return in_transaction(uow_factory, work)


def receive_return(
    uow_factory: UnitOfWorkFactory,
    return_id: str,
    *,
    location_id: str,
    outcomes: Mapping[int, Sequence[Outcome]],
    actor: str,
    clock: Clock,
) -> Return:
    """The parcel is in: each unit's inspection outcome, restocked units back on hand at once."""

    def work(uow: UnitOfWork) -> Return:
        ret = _get(uow, return_id, for_update=True)
        if ret.status is ReturnStatus.RECEIVED or ret.status is ReturnStatus.SETTLED:
            return ret  # the same receipt sent twice
        if location_id not in uow.catalog.known_locations([location_id]):
            raise InvalidRequest("location_id", f"unknown location {location_id!r}", ErrorCode.NOT_FOUND)
        at = clock()
        try:
            ret.receive(location_id, {n: list(o) for n, o in outcomes.items()}, at)
        except InvalidReturn as error:
            raise InvalidRequest(error.field, error.reason) from None
        except ReturnNotAllowed as error:
            raise ReturnRefused(str(error)) from None
        _restock(uow, ret, {line.line_no: line.count(Outcome.RESTOCK) for line in ret.lines}, clock, "restocked")
        uow.returns.save(ret, at)
        found = "; ".join(_inspection(line) for line in ret.lines)
        uow.fulfilment.add_note(ret.order_id, f"return {ret.id} received at {location_id} by {actor}: {found}", at)
        return ret

    return in_transaction(uow_factory, work)


def refurbished(
    uow_factory: UnitOfWorkFactory, return_id: str, line_no: int, *, units: int, actor: str, clock: Clock
) -> Return:
    """Units back from refurbishment: sellable again at the location the return came in at."""

    def work(uow: UnitOfWork) -> Return:
        ret = _get(uow, return_id, for_update=True)
        line = next((x for x in ret.lines if x.line_no == line_no), None)
        if line is None:
            raise InvalidRequest("line_no", f"return {return_id} has no line {line_no}", ErrorCode.NOT_FOUND)
        waiting = line.count(Outcome.REFURBISH) - line.refurbished
        if not 0 < units <= waiting:
            raise ReturnRefused(f"line {line_no} has {waiting} unit(s) in refurbishment; cannot finish {units}")
        line.refurbished += units
        at = clock()
        _restock(uow, ret, {line_no: units}, clock, "refurbished")
        uow.returns.save(ret, at)
        uow.fulfilment.add_note(
            ret.order_id, f"return {ret.id}: {units} x {line.sku} refurbished by {actor}, sellable again", at
        )
        return ret

    return in_transaction(uow_factory, work)


def _restock(uow: UnitOfWork, ret: Return, units: Mapping[int, int], clock: Clock, what: str) -> None:
    skus = {line.line_no: line.sku for line in ret.lines}
    assert ret.location_id is not None
    movements = [
        Movement(MovementKind.RECEIPT, skus[n], ret.location_id, count, f"return {ret.id}: {what}", reference=ret.id)
        for n, count in units.items()
        if count
    ]
    if movements:
        uow.inventory.receive(movements, clock())
        allocate_received(uow, {(m.sku, m.location_id) for m in movements}, clock, cause=f"return {ret.id}")


def _inspection(line: ReturnLine) -> str:
    counts = ", ".join(f"{line.count(o)} {o}" for o in Outcome if line.count(o))
    return f"{line.sku}: {counts}"


def _get(uow: UnitOfWork, return_id: str, *, for_update: bool = False) -> Return:
    ret = uow.returns.get(return_id, for_update=for_update)
    if ret is None:
        raise NotFound(f"no return {return_id!r}")
    return ret


def returns_of(uow: UnitOfWork, order_id: str) -> list[Return]:
    return uow.returns.for_order(order_id)


def label_addresses(uow: UnitOfWork, return_id: str) -> tuple[Return, dict[str, str], dict[str, str], dict[str, str]]:
    """Who the label is for, where the parcel leaves from (the order's ship-to) and where it goes (the
    location that shipped the order, or the first active one), in the carrier's address fields."""
    ret = _get(uow, return_id)
    order = uow.fulfilment.load_order(ret.order_id)
    assert order is not None
    a = order.ship_to
    ship_from = {
        "name": a.name or order.customer.name,
        "street1": a.line1,
        "street2": a.line2,
        "city": a.city,
        "state": a.region,
        "zip": a.postal_code,
        "country": a.country,
        "email": order.customer.email,
    }
    shipped_from = sorted(uow.fulfilment.shipped_locations(ret.order_id))
    location = uow.sourcing.locations(shipped_from[:1]).get(shipped_from[0]) if shipped_from else None
    ship_to = {
        "name": location.name if location else "Returns",
        "street1": "",
        "city": "",
        "state": "",
        "zip": location.postal_code if location else "",
        "country": location.country if location else a.country,
    }
    customer = {"name": order.customer.name, "email": order.customer.email}
    return ret, customer, ship_from, ship_to


def save_label(uow_factory: UnitOfWorkFactory, return_id: str, label: object, *, clock: Clock) -> None:
    """Keep the bought label on the return (its tracking code is searchable on the order)."""
    fields = {k: str(v) for k, v in vars(label).items()} if hasattr(label, "__dict__") else _slots(label)

    def work(uow: UnitOfWork) -> None:
        ret = _get(uow, return_id, for_update=True)
        ret.label = fields
        at = clock()
        uow.returns.save(ret, at)
        tracking = fields.get("tracking_code", "")
        if tracking:
            uow.fulfilment.add_reference(ret.order_id, "carrier", "return_tracking", tracking, at)
        uow.fulfilment.add_note(
            ret.order_id, f"return {ret.id}: label bought, {fields.get('carrier', '')} {tracking}", at
        )

    in_transaction(uow_factory, work)


def _slots(value: object) -> dict[str, str]:
    names = getattr(value, "__slots__", ())
    return {name: str(getattr(value, name)) for name in names}


def get_return(uow: UnitOfWork, return_id: str) -> Return:
    return _get(uow, return_id)


def money_view_of(uow: UnitOfWork, order_id: str) -> MoneyView:
    return money_view(uow, order_id)
