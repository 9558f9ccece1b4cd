"""A storefront's change to an order it sent (Shopify ``orders/updated`` after an order edit, WooCommerce
``order.updated``) goes through the one edit path: the lines the platform holds now are compared
with ours and the difference is applied as line edits (services/order_edits.py): directly before
release, through the warehouse after it, never once shipped. What happened is noted on the order.

Lines are matched by SKU: a line the platform edited down to nothing (Shopify keeps it at
``current_quantity`` 0) or no longer lists (WooCommerce drops it) is deleted, one whose units changed
is re-quantified, a SKU we do not have is a line added at the platform's price. (An order with one SKU
on two lines is matched to the first of them.)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from overture.domain.commands import LineRequest, OrderUpdate
from overture.domain.orders import EDITABLE, LineEdit, Order
from overture.domain.statuses import OrderStatus
from overture.services.amendments import Amendment
from overture.services.errors import ServiceError
from overture.services.order_edits import apply_edit, edit_released
from overture.services.ports import Clock, Geocoder, UnitOfWorkFactory
from overture.services.ports.order_workflow import OrderWorkflowGateway
from overture.services.retry import in_transaction, read_only


def line_edits(
    order: Order, wanted: Sequence[LineRequest], *, dropped: Collection[str] = (), complete: bool = True
) -> list[LineEdit]:
    """The edits that make ``order``'s lines what the platform holds now: a line is deleted when its SKU
    was edited down to nothing (``dropped``), or is missing from a ``complete`` list of the lines."""
    ours: dict[str, tuple[int, int]] = {}
    for held in order.lines:
        ours.setdefault(held.sku, (held.line_no, held.quantity))
    theirs: dict[str, LineRequest] = {}
    for asked in wanted:
        seen = theirs.get(asked.sku)
        theirs[asked.sku] = (
            asked if seen is None else LineRequest(asked.sku, seen.quantity + asked.quantity, seen.unit_price)
        )
    gone = [sku for sku in ours if sku not in theirs and (complete or sku in dropped)]
    edits = [LineEdit(ours[sku][0], remove=True) for sku in gone]
    edits += [
        LineEdit(ours[sku][0], quantity=changed.quantity)
        for sku, changed in theirs.items()
        if sku in ours and ours[sku][1] != changed.quantity
    ]
    next_no = max(held.line_no for held in order.lines) + 1
    for sku, new in theirs.items():
        if sku not in ours:
            edits.append(LineEdit(next_no, sku=sku, quantity=new.quantity, unit_price=new.unit_price, add=True))
            next_no += 1
    return edits


async def apply_update(
    uow_factory: UnitOfWorkFactory,
    workflows: OrderWorkflowGateway,
    order_id: str,
    update: OrderUpdate,
    *,
    channel: str,
    geocoder: Geocoder,
    clock: Clock,
) -> str:
    """Apply the platform's lines to the order; what happened, as noted on its timeline."""
    order = read_only(uow_factory, lambda uow: uow.fulfilment.load_order(order_id))
    assert order is not None
    edits = line_edits(order, update.lines, dropped=update.dropped, complete=update.complete)
    outcome = await _apply(uow_factory, workflows, order, edits, channel, geocoder, clock)
    in_transaction(uow_factory, lambda uow: uow.fulfilment.add_note(order_id, outcome, clock()))
    return outcome


async def _apply(
    uow_factory: UnitOfWorkFactory,
    workflows: OrderWorkflowGateway,
    order: Order,
    edits: list[LineEdit],
    channel: str,
    geocoder: Geocoder,
    clock: Clock,
) -> str:
    if not edits:
        return f"{channel} update: the lines are as we have them"
    reason = f"{channel} order edit"
    try:
        if order.status in EDITABLE:
            apply_edit(
                uow_factory, order.id, Amendment(channel, reason, "edit", tuple(edits)), geocoder=geocoder, clock=clock
            )
        elif order.status is OrderStatus.RELEASED:
            await edit_released(uow_factory, workflows, order.id, edits, actor=channel, reason=reason)
        else:
            return f"{channel} order edit not applied: the order is {order.status}"
    except ServiceError as error:
        return f"{channel} order edit refused: {error}"
    return f"{channel} order edit applied ({len(edits)} line change(s))"
