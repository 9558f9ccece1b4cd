"""Order edits and partial cancels before release: one path (services/amendments.py) for every channel
and for people, with a preview first.

A preview carries the edit out in a transaction that is rolled back, and reads what it would leave:
the lines, their stock and route (the placement it would make) and the money (what the order would
owe, and the difference). Confirming applies the very same amendment for real: re-priced, re-reserved
and re-routed in one transaction, the difference posted to the ledger (domain/charging.py), the edit
on the timeline with who and why. Before shipment nothing has been captured, so a difference only
changes what the order owes: the capture on shipment takes the new amount, and a final capture
releases what the authorisation holds beyond it.

After release the WMS has the lines: the order's workflow asks it to take the release back first and
applies the edit (or partial cancel) only if it did (``edit_released``); after shipment, never.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from overture.domain.orders import EDITABLE, LineEdit, OrderError
from overture.domain.statuses import OrderStatus
from overture.services.amendments import Amendment, amend_order
from overture.services.errors import ActionRefused, InvalidRequest, NotFound
from overture.services.money import PartialCancelRefused, cancel_edits, money_view
from overture.services.placement import LocationCannotFill
from overture.services.ports import Clock, Geocoder, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.order_workflow import EditOutcome, EditRequest, LineChange, OrderWorkflowGateway
from overture.services.retry import in_transaction, read_only


@dataclass(frozen=True, slots=True)
class EditPreview:
    """What an edit would leave: the order's status, its lines, where its units would come from, and
    what it would owe (minor units) against what it owes now."""

    status: str
    lines: tuple[tuple[int, str, int, str], ...]  # line_no, sku, quantity, unit price
    reservations: tuple[tuple[int, str, int], ...]  # line_no, location, units
    due_before: int
    due_after: int
    currency: str

    @property
    def difference(self) -> int:
        return self.due_after - self.due_before


class _Rollback(Exception):
    def __init__(self, preview: EditPreview) -> None:
        self.preview = preview


def preview_edit(
    uow_factory: UnitOfWorkFactory, order_id: str, amendment: Amendment, *, geocoder: Geocoder, clock: Clock
) -> EditPreview:
    """The edit carried out and rolled back: what it would leave (raises what applying it would raise)."""
    before = read_only(uow_factory, lambda uow: money_view(uow, order_id).totals.due)
    _check_editable(uow_factory, order_id)

    def trial(uow: UnitOfWork) -> None:
        from overture.services.amendments import _amend  # the same code the confirm runs

        _amend(uow, order_id, amendment, geocoder, clock)
        raise _Rollback(_read_preview(uow, order_id, before))

    try:
        in_transaction(uow_factory, trial)
    except _Rollback as done:
        return done.preview
    except (OrderError, LocationCannotFill) as error:
        raise ActionRefused(str(error)) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _read_preview(uow: UnitOfWork, order_id: str, due_before: int) -> EditPreview:
    order = uow.fulfilment.load_order(order_id)
    document = uow.fulfilment.document(order_id)
    view = money_view(uow, order_id)
    assert order is not None and document is not None
    lines = tuple((x.line_no, x.sku, x.quantity, str(x.unit_price.amount)) for x in order.lines)
    held = tuple((r.line_no, release.location_id, r.quantity) for release in document.releases for r in release.lines)
    return EditPreview(order.status.value, lines, held, due_before, view.totals.due, view.currency)


def apply_edit(
    uow_factory: UnitOfWorkFactory, order_id: str, amendment: Amendment, *, geocoder: Geocoder, clock: Clock
) -> EditPreview:
    """Apply the edit (re-priced, re-reserved, re-routed in one transaction); what it left."""
    before = read_only(uow_factory, lambda uow: money_view(uow, order_id).totals.due)
    _check_editable(uow_factory, order_id)
    try:
        amend_order(uow_factory, order_id, amendment, geocoder=geocoder, clock=clock, only_while=EDITABLE)
    except (OrderError, LocationCannotFill) as error:
        raise ActionRefused(str(error)) from None
    return read_only(uow_factory, lambda uow: _read_preview(uow, order_id, before))


def cancel_edits_of(
    uow_factory: UnitOfWorkFactory, order_id: str, cancels: Sequence[tuple[int, int]]
) -> list[LineEdit]:
    """The edits a partial cancel makes (checked against the order's lines, whatever its status)."""
    order = read_only(uow_factory, lambda uow: uow.fulfilment.load_order(order_id))
    if order is None:
        raise NotFound(f"no order {order_id!r}")
    by_no = {line.line_no: line for line in order.lines}
    for n, (line_no, units) in enumerate(cancels):
        line = by_no.get(line_no)
        if line is None:
            raise InvalidRequest(f"lines[{n}].line_no", f"the order has no line {line_no}")
        if not 0 < units <= line.quantity:
            raise InvalidRequest(
                f"lines[{n}].quantity", f"line {line_no} has {line.quantity} unit(s); cannot cancel {units}"
            )
    return [
        LineEdit(n, remove=True) if units == by_no[n].quantity else LineEdit(n, quantity=by_no[n].quantity - units)
        for n, units in cancels
    ]


def cancel_units(
    uow_factory: UnitOfWorkFactory,
    order_id: str,
    cancels: Sequence[tuple[int, int]],
    *,
    actor: str,
    reason: str,
    geocoder: Geocoder,
    clock: Clock,
    preview: bool = False,
) -> EditPreview:
    """Cancel ``units`` of each ``line_no``: their stock goes back and the order owes exactly their share."""
    order = read_only(uow_factory, lambda uow: uow.fulfilment.load_order(order_id))
    if order is None:
        raise NotFound(f"no order {order_id!r}")
    try:
        edits = cancel_edits(order, cancels)
    except PartialCancelRefused as error:
        if error.field == "status":
            raise ActionRefused(error.reason) from None
        raise InvalidRequest(error.field, error.reason) from None
    amendment = Amendment(actor, reason or "partial cancel", "cancel", tuple(edits))
    run = preview_edit if preview else apply_edit
    return run(uow_factory, order_id, amendment, geocoder=geocoder, clock=clock)


def _check_editable(uow_factory: UnitOfWorkFactory, order_id: str) -> None:
    status = read_only(uow_factory, lambda uow: uow.fulfilment.plan_status(order_id))
    if status is None:
        raise NotFound(f"no order {order_id!r}")
    if status not in EDITABLE:
        raise ActionRefused(f"the order is {status}: it can be edited only before it is released")


def edits_from(lines: Sequence[dict[str, object]]) -> list[LineEdit]:
    """API bodies' line changes as the domain's edits (validated by the router's schema)."""
    return [LineEdit(**line) for line in lines]  # type: ignore[arg-type]


async def edit_released(
    uow_factory: UnitOfWorkFactory,
    workflows: OrderWorkflowGateway,
    order_id: str,
    edits: Sequence[LineEdit],
    *,
    actor: str,
    reason: str,
) -> EditOutcome:
    """An edit of an order its warehouse has: the order's workflow asks the WMS to take the release back
    first, and applies the edit only if it did (workflows/order/editing.py); refused, nothing changes."""
    status = read_only(uow_factory, lambda uow: uow.fulfilment.plan_status(order_id))
    if status is None:
        raise NotFound(f"no order {order_id!r}")
    if status != OrderStatus.RELEASED:
        raise ActionRefused(f"the order is {status}: only a released order is edited through its warehouse")
    changes = [
        LineChange(
            e.line_no, e.sku or "", e.quantity or 0, "" if e.unit_price is None else str(e.unit_price), e.add, e.remove
        )
        for e in edits
    ]
    outcome = await workflows.edit(order_id, EditRequest(actor, reason, changes))
    if outcome.outcome != "applied":
        raise ActionRefused(outcome.detail)
    return outcome


def is_released(uow_factory: UnitOfWorkFactory, order_id: str) -> bool:
    return read_only(uow_factory, lambda uow: uow.fulfilment.plan_status(order_id)) == OrderStatus.RELEASED
