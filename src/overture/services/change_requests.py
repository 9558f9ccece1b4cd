"""A buyer changing an order it placed (an X12 860, say): each line's change is checked, then the
changes that can be made go through the very amendment a person's edit goes through
(``services/amendments.py``: the lines edited, the rules run again, the order routed and reserved
again, all in one transaction), and each line gets its outcome for the buyer's acknowledgment.

- An order a location already has (released, shipped, cancelled...) is not changed: every line is
  refused with the reason.
- A line the order does not have, a SKU not in the catalogue, or a change the amendment refuses
  (a quantity of zero, the last line deleted) is refused alone; the others still go through.
- A date change is noted on the order (lines carry no dates of their own) and accepted as noted.
- The request's ``key`` names it: the same request again (a partner resending its file) changes
  nothing and says so (``repeated``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from overture.domain.orders import EDITABLE, LineEdit, NotEditable, Order
from overture.services.amendments import Amendment, amend_order, try_amendment
from overture.services.errors import NotFound
from overture.services.ports import Clock, Geocoder, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only


class LineChangeKind(StrEnum):
    ADD = "add"
    DELETE = "delete"
    QUANTITY = "quantity"
    PRICE = "price"
    REPLACE = "replace"  # any of SKU, quantity and price at once
    DATES = "dates"


@dataclass(frozen=True, slots=True)
class RequestedLineChange:
    """One line's change as the buyer asked it; ``line_no`` is ours (for an addition, the new line's)."""

    kind: LineChangeKind
    line_no: int
    sku: str | None = None
    quantity: int | None = None
    unit_price: Decimal | None = None
    note: str = ""  # what a date change asks for, in words


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    actor: str  # who asks: the trading partner
    reason: str  # what it is, for the amendment decision ("change order 3 of PO-7781")
    key: str  # names the request, so that a repeat is recognised
    lines: tuple[RequestedLineChange, ...]
    references: tuple[tuple[str, str, str], ...] = ()  # kept with the edits (the buyer's ids of added lines)


@dataclass(frozen=True, slots=True)
class LineOutcome:
    change: RequestedLineChange
    accepted: bool
    reason: str = ""  # why it was refused


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    order_id: str
    order: Order  # as it stands after the request (unchanged if nothing could be done)
    lines: list[LineOutcome] = field(default_factory=list)
    repeated: bool = False  # the same request came before: nothing done now


def apply_change_request(
    uow_factory: UnitOfWorkFactory, order_id: str, request: ChangeRequest, *, geocoder: Geocoder, clock: Clock
) -> ChangeOutcome:
    """Carry out what can be carried out of the request (see the module docstring)."""
    order, repeated, refusals = read_only(uow_factory, lambda uow: _before(uow, order_id, request))
    if repeated:
        return ChangeOutcome(order_id, order, repeated=True)
    if order.status not in EDITABLE:
        reason = str(NotEditable(order.status))
        return ChangeOutcome(order_id, order, [LineOutcome(c, False, reason) for c in request.lines])
    edits = {c: _edit(c) for c in request.lines if c not in refusals and c.kind is not LineChangeKind.DATES}
    refusals |= _refused_on_trial(uow_factory, order_id, request, edits, geocoder=geocoder, clock=clock)
    kept = [e for c, e in edits.items() if c not in refusals]
    if kept:
        amendment = _amendment(request, kept)
        try:
            amend_order(uow_factory, order_id, amendment, geocoder=geocoder, clock=clock, only_while=EDITABLE)
        except NotEditable as late:  # released since it was read: nothing was changed
            return ChangeOutcome(order_id, order, [LineOutcome(c, False, str(late)) for c in request.lines])
    _note_dates(uow_factory, order_id, request, clock)
    after = read_only(uow_factory, lambda uow: _load(uow, order_id))
    outcomes = [LineOutcome(c, c not in refusals, refusals.get(c, "")) for c in request.lines]
    return ChangeOutcome(order_id, after, outcomes)


def _before(
    uow: UnitOfWork, order_id: str, request: ChangeRequest
) -> tuple[Order, bool, dict[RequestedLineChange, str]]:
    """The order, whether the request came before, and the lines refused before any trial."""
    order = _load(uow, order_id)
    repeated = uow.fulfilment.amended(order_id, request.key)
    have = {line.line_no for line in order.lines}
    known = uow.catalog.known_skus({c.sku for c in request.lines if c.sku})
    refusals: dict[RequestedLineChange, str] = {}
    for change in request.lines:
        if change.kind is LineChangeKind.ADD and change.line_no in have:
            refusals[change] = f"the order has a line {change.line_no} already"
        elif change.kind is not LineChangeKind.ADD and change.line_no not in have:
            refusals[change] = f"the order has no line {change.line_no}"
        elif change.sku and change.sku not in known:
            refusals[change] = f"{change.sku!r} is not in our catalogue"
    return order, repeated, refusals


def _refused_on_trial(
    uow_factory: UnitOfWorkFactory,
    order_id: str,
    request: ChangeRequest,
    edits: dict[RequestedLineChange, LineEdit],
    *,
    geocoder: Geocoder,
    clock: Clock,
) -> dict[RequestedLineChange, str]:
    """Each change the amendment would refuse, found by trying (and rolling back) all, then each alone."""

    def refused(chosen: Sequence[LineEdit]) -> str:
        return try_amendment(uow_factory, order_id, _amendment(request, chosen), geocoder=geocoder, clock=clock)

    if not edits or not refused(list(edits.values())):
        return {}
    refusals = {c: why for c, e in edits.items() if (why := refused([e]))}
    left = [e for c, e in edits.items() if c not in refusals]
    together = refused(left) if left else ""
    if together:  # each goes alone, not together (every line deleted, say): none of them
        refusals |= {c: together for c in edits if c not in refusals}
    return refusals


def _edit(change: RequestedLineChange) -> LineEdit:
    kind = change.kind
    if kind is LineChangeKind.DELETE:
        return LineEdit(change.line_no, remove=True)
    if kind is LineChangeKind.QUANTITY:
        return LineEdit(change.line_no, quantity=change.quantity)
    if kind is LineChangeKind.PRICE:
        return LineEdit(change.line_no, unit_price=change.unit_price)
    return LineEdit(
        change.line_no,
        sku=change.sku,
        quantity=change.quantity,
        unit_price=change.unit_price,
        add=kind is LineChangeKind.ADD,
    )


def _amendment(request: ChangeRequest, edits: Sequence[LineEdit]) -> Amendment:
    return Amendment(
        actor=request.actor,
        reason=request.reason,
        exception_type="change_order",
        edits=tuple(edits),
        key=request.key,
        references=request.references,
    )


def _note_dates(uow_factory: UnitOfWorkFactory, order_id: str, request: ChangeRequest, clock: Clock) -> None:
    notes = [f"line {c.line_no}: {c.note}" for c in request.lines if c.kind is LineChangeKind.DATES and c.note]
    if notes:
        text = f"{request.reason} by {request.actor}, dates: {'; '.join(notes)}"
        in_transaction(uow_factory, lambda uow: uow.fulfilment.add_note(order_id, text, clock()))


def _load(uow: UnitOfWork, order_id: str) -> Order:
    order = uow.fulfilment.load_order(order_id)
    if order is None:
        raise NotFound(f"no order {order_id!r}")
    return order
