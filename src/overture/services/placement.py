"""Placing an order: govern (the rule set), route and reserve, deciding and recording why at each step."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from overture.domain.commands import PlaceOrder
from overture.domain.decisions import Decision, DecisionKind
from overture.domain.exceptions import ExceptionType, OrderException, default_actions, default_severity
from overture.domain.ids import new_id
from overture.domain.inventory import InsufficientStock
from overture.domain.money import Money
from overture.domain.orders import Order, OrderLine
from overture.domain.routing import Allocation, LocationStock, RoutingPlan
from overture.domain.rules import RULES, Evaluation, Outcome, RuleCode
from overture.domain.sourcing import NoFeasiblePlan, no_capacity_reason, said
from overture.domain.statuses import LineStatus, OrderStatus
from overture.domain.totals import TotalCheck, check_total
from overture.services.backorders import backorder
from overture.services.errors import NotFound, ServiceError
from overture.services.governance import RejectedByRules, Verdict, judge, waived_rules
from overture.services.marketplace.buy_box import NoEligibleOffer, marketplace_plan, own_stock
from overture.services.plans import OpenException
from overture.services.ports import Clock, Geocoder, OrderRecord, SkuTraits, UnitOfWork
from overture.services.sourcing import capacity_left, route_order


@dataclass(frozen=True, slots=True)
class ChosenLocation:
    """A location a person picked for the order: it is placed there in full, or not at all."""

    location_id: str
    actor: str


class LocationCannotFill(ServiceError):
    """The chosen location cannot take the whole order (short of stock, or ruled out by sourcing)."""

    def __init__(self, location_id: str, reason: str) -> None:
        super().__init__(f"{location_id} cannot fill the order: {reason}")
        self.location_id = location_id


@dataclass(frozen=True, slots=True)
class PlannedAllocation:
    """Where a plan made for many orders at once (the backlog's) puts this order's units. Kept as
    planned or not at all: the plan counted on the rest of the stock for the other orders."""

    allocations: tuple[Allocation, ...]
    actor: str
    source: str  # what made the plan, for the decision: "backlog plan (cp-sat)"

    @property
    def location_ids(self) -> frozenset[str]:
        return frozenset(a.location_id for a in self.allocations)


class PlanCannotBeKept(LocationCannotFill):
    """The order's lines or the stock are no longer what the plan was made on."""


def build_order(command: PlaceOrder, *, order_id: str, message_id: str, at: datetime) -> Order:
    lines = [
        OrderLine(n, line.sku, line.quantity, Money(line.unit_price, command.currency))
        for n, line in enumerate(command.lines, start=1)
    ]
    return Order(
        id=order_id,
        channel=command.channel,
        external_id=command.external_id,
        customer=command.customer,
        ship_to=command.ship_to,
        currency=command.currency,
        lines=lines,
        created_at=at,
        raw_message_id=message_id,
        charges=command.charges,
        priority=command.priority,
        declared_total=command.declared_total,
        payment_method=command.payment_method,
    )


def place_order(
    command: PlaceOrder,
    *,
    order_id: str,
    message_id: str,
    clock: Clock,
    uow: UnitOfWork,
    geocoder: Geocoder,
) -> OrderRecord:
    """Build the order and take it as far as capture can: routed and reserved, or on hold.

    Raises RejectedByRules when a rule configured to reject fails: there is then no order.
    ``clock`` stamps each decision, status change and exception; it must be strictly
    increasing (see ``services.clock.Ticker``) so the timeline keeps their order.
    """
    order = build_order(command, order_id=order_id, message_id=message_id, at=clock())
    record = OrderRecord(order, references=command.references)
    identifiers = [(r.kind, r.value) for r in command.references]
    _place(record, uow, geocoder, clock, identifiers=identifiers, may_reject=True)
    return record


def _place(
    record: OrderRecord,
    uow: UnitOfWork,
    geocoder: Geocoder,
    clock: Clock,
    *,
    identifiers: Sequence[tuple[str, str]],
    may_reject: bool,
    waived: Collection[RuleCode] = (),
    exclude_locations: Sequence[str] = (),
    chosen: ChosenLocation | PlannedAllocation | None = None,
    total_waived: bool = False,
) -> None:
    availability = uow.inventory.availability({line.sku for line in record.order.lines})
    verdict = judge(
        uow,
        record.order,
        known_skus=availability.known_skus,
        identifiers=identifiers,
        geocoder=geocoder,
        waived=waived,
    )
    total = check_total(record.order, uow.total_tolerance)
    if _govern(record, verdict, clock, may_reject=may_reject, total=total, total_waived=total_waived):
        stock = [s for s in availability.stock if s.location.id not in exclude_locations]
        if isinstance(chosen, ChosenLocation):
            stock = [s for s in stock if s.location.id == chosen.location_id]
        elif chosen is not None:
            stock = [s for s in stock if s.location.id in chosen.location_ids]
        _route_and_reserve(record, stock, uow, geocoder, clock, traits=availability.traits, chosen=chosen)


def _hold(
    record: OrderRecord, kind: ExceptionType, *, step: str, reason: str, details: Mapping[str, object], clock: Clock
) -> None:
    order = record.order
    if order.status is not OrderStatus.ON_HOLD:  # placed again while on hold: it stays on hold
        order.transition(OrderStatus.ON_HOLD, f"{kind}: {reason}", clock())
    record.exceptions.append(
        OrderException(
            id=new_id("exc"),
            order_id=order.id,
            type=kind,
            step=step,
            reason=reason,
            severity=default_severity(kind),
            allowed_actions=default_actions(kind),
            details=dict(details),
            created_at=clock(),
        )
    )


def _govern(
    record: OrderRecord,
    verdict: Verdict,
    clock: Clock,
    *,
    may_reject: bool,
    total: TotalCheck | None = None,
    total_waived: bool = False,
) -> bool:
    """Record every evaluation and the total's reconciliation; refuse, hold or validate the order.
    True if it may be routed. The rules' holds come first: a rule's override may lead to an edit,
    which changes the total, and each placement checks it again."""
    for evaluation in verdict.evaluations:
        record.decisions.append(_decision(evaluation, clock()))
    if total is not None:
        record.decisions.append(_total_decision(total, clock(), waived=total_waived))
    rejections = verdict.with_outcome(Outcome.REJECT)
    if rejections and may_reject:
        raise RejectedByRules(rejections)
    failures = [e for e in verdict.evaluations if e.failed]
    if failures:
        _hold_for(record, failures, clock)
        return False
    if total is not None and not total.agrees and not total_waived:
        kind, reason, details = ExceptionType.TOTAL_MISMATCH, total.reason(), total.details()
        _hold(record, kind, step="validate", reason=reason, details=details, clock=clock)
        return False
    record.order.transition(OrderStatus.VALIDATED, _passed_note(verdict), clock())
    return True


def _total_decision(total: TotalCheck, at: datetime, *, waived: bool) -> Decision:
    """The reconciliation as a validation decision, beside the rules' (with both figures and the difference)."""
    outcome = Outcome.PASS if total.agrees else Outcome.WAIVED if waived else Outcome.HOLD
    reason = total.reason() + (" (overridden earlier)" if outcome is Outcome.WAIVED else "")
    inputs: dict[str, object] = {"check": "total", **total.details()}
    return Decision(DecisionKind.VALIDATION, outcome.value, reason, inputs, at=at)


def _decision(evaluation: Evaluation, at: datetime) -> Decision:
    # One validation decision per rule evaluated; the rule, and the scope and version of the rule
    # set that configured it, lead the inputs so that any decision can be traced to its configuration.
    e = evaluation
    inputs = {"rule": e.rule.value, "rule_set": e.scope, "version": e.version, "action": e.action.value, **e.inputs}
    return Decision(DecisionKind.VALIDATION, e.outcome.value, e.reason, inputs, at=at)


def _hold_for(record: OrderRecord, failures: list[Evaluation], clock: Clock) -> None:
    """Open one exception, for the first failing rule; the others are in the decisions and named
    in it. Each override then clears one rule, and the next placement raises the next one."""
    first, others = failures[0], [e.rule.value for e in failures[1:]]
    reason = first.reason
    if first.outcome is Outcome.REJECT:
        # Placed again after capture: the order exists, so a rejecting rule holds it for a person.
        reason = f"{reason} (configured to reject; the order exists already, so it is held)"
    details = dict(first.details) | ({"also_failing": others} if others else {})
    if others:
        reason = f"{reason} (also failing: {', '.join(others)})"
    _hold(record, RULES[first.rule].exception, step="validate", reason=reason, details=details, clock=clock)


def _passed_note(verdict: Verdict) -> str:
    waived = len(verdict.with_outcome(Outcome.WAIVED))
    sources = ", ".join(f"{scope} v{version}" for scope, version in verdict.rule_set.sources().items())
    overridden = f", {waived} overridden earlier" if waived else ""
    return f"{len(verdict.evaluations)} rule(s) evaluated{overridden}: none holds the order ({sources})"


def replace_placement(
    uow: UnitOfWork,
    order_id: str,
    *,
    geocoder: Geocoder,
    clock: Clock,
    exclude_locations: Sequence[str] = (),
    chosen: ChosenLocation | PlannedAllocation | None = None,
    order: Order | None = None,
) -> OrderRecord:
    """Give back the order's reservations and place it again, avoiding ``exclude_locations``.

    ``chosen``: only at that location, or exactly as planned (LocationCannotFill, or its
    PlanCannotBeKept, if that cannot be; the caller's transaction then rolls back).
    ``order``: the aggregate already loaded (and amended) in this unit of work."""
    order = order or uow.fulfilment.load_order(order_id)
    if order is None:
        raise NotFound(f"no order {order_id!r}")
    uow.inventory.settle_reservations(order_id, shipped=False, at=clock(), reason="placed again")
    plan = uow.fulfilment.plan(order_id) if order.status is OrderStatus.ON_HOLD else None
    if order.status is not OrderStatus.ON_HOLD:
        order.transition(OrderStatus.ON_HOLD, "placing again", clock())
    order.set_line_status(LineStatus.PENDING)
    for line in order.lines:  # placed afresh: what a line is owed and promised is worked out again
        line.backordered, line.promised_at = 0, None
    record = OrderRecord(order)
    overridden = uow.governance.overridden(order_id)
    _place(
        record,
        uow,
        geocoder,
        clock,
        identifiers=uow.governance.identifiers(order_id),
        may_reject=False,
        waived=waived_rules(overridden),
        exclude_locations=exclude_locations,
        chosen=chosen,
        total_waived=ExceptionType.TOTAL_MISMATCH.value in overridden,
    )
    if plan is not None:
        _keep_open(record, plan.open_exceptions)
    uow.fulfilment.append(record)
    return record


def _keep_open(record: OrderRecord, still_open: Sequence[OpenException]) -> None:
    """An order placed again while it is held (a customer's edit) and held again for the same reason keeps
    the exception it has: a second one of that type and step would be a second entry in the queue for one
    hold, and the order's workflow waits on the first, so a decision on the second would never reach it."""
    held_for = {(e.type, e.step) for e in still_open}
    record.exceptions = [e for e in record.exceptions if (e.type.value, e.step) not in held_for]


def _route_and_reserve(
    record: OrderRecord,
    stock: list[LocationStock],
    uow: UnitOfWork,
    geocoder: Geocoder,
    clock: Clock,
    *,
    traits: Mapping[str, SkuTraits],
    chosen: ChosenLocation | PlannedAllocation | None = None,
) -> None:
    order = record.order
    point = geocoder.locate(order.ship_to)
    try:
        marketplace = None if chosen is not None else marketplace_plan(uow, order, stock, clock())
        stock = own_stock(stock)  # a seller's stock is sold through its offers only
        if marketplace is not None:
            plan, seller_lines = marketplace
            uow.marketplace.drop_placed_lines(order.id)
            uow.marketplace.add_lines(seller_lines)
        elif isinstance(chosen, PlannedAllocation):
            _check_capacity(chosen, stock, capacity_left(uow, [s.location for s in stock], clock()))
            plan = _as_planned(order, stock, chosen)
        else:
            plan = route_order(uow, order, stock, point, now=clock(), traits=traits)
    except NoEligibleOffer as none:
        record.decisions.append(_stamped(none.decision, clock()))
        details = {"buy_box": none.decision.inputs["buy_box"]}
        _hold(record, ExceptionType.INSUFFICIENT_STOCK, step="reserve", reason=str(none), details=details, clock=clock)
        return
    except InsufficientStock as shortage:
        if isinstance(chosen, ChosenLocation):  # a person's choice is not second-guessed with a backorder
            raise LocationCannotFill(chosen.location_id, str(shortage)) from shortage
        # Short now: wait for inbound supply if some is expected to cover it, else a person decides.
        why_not = backorder(
            record,
            shortage,
            uow,
            clock,
            route=lambda part: route_order(uow, part, stock, point, now=clock(), traits=traits),
        )
        if why_not is None:
            return
        reason, details = _shortage_reason(shortage, why_not)
        # Ruled out by the sourcing constraints: keep the explained decision; else the network is short.
        explained = getattr(shortage, "decision", None)
        no_stock = Decision(DecisionKind.ROUTING, "no_stock", reason, {"demand": order.demand()})
        record.decisions.append(_stamped(explained if isinstance(explained, Decision) else no_stock, clock()))
        _hold(record, ExceptionType.INSUFFICIENT_STOCK, step="reserve", reason=reason, details=details, clock=clock)
        return
    decision = _chosen_by_person(plan.decision, chosen) if isinstance(chosen, ChosenLocation) else plan.decision
    record.decisions.append(_stamped(decision, clock()))
    at = clock()
    record.reservations = uow.inventory.reserve(order.id, plan.allocations, at)
    units = sum(a.quantity for a in plan.allocations)
    where = ", ".join(plan.location_ids)
    reason = f"{units} unit(s) reserved at {where}"
    record.decisions.append(
        Decision(DecisionKind.RESERVATION, "reserved", reason, {"allocations": len(plan.allocations)}, at=at)
    )
    order.transition(OrderStatus.RESERVED, reason, clock())
    order.transition(OrderStatus.ROUTED, plan.decision.reason, clock())
    order.set_line_status(LineStatus.ALLOCATED)


def _shortage_reason(shortage: InsufficientStock, why_not: str) -> tuple[str, dict[str, object]]:
    """The hold's reason and details. When locations holding the stock were ruled out (out of today's
    capacity, say), the reason names them and why first: "not enough stock" would send a person looking
    for stock the network has."""
    details: dict[str, object] = {
        "shortages": [{"sku": s.sku, "requested": s.requested, "available": s.available} for s in shortage.shortages]
    }
    held = shortage.held_back if isinstance(shortage, NoFeasiblePlan) else ()
    if not held:
        return f"not enough stock anywhere: {shortage}; {why_not}", details
    details["held_back"] = list(held)
    return (
        f"no location can ship it now: {said(held)}; the other locations have too little ({shortage}); {why_not}",
        details,
    )


def _check_capacity(planned: PlannedAllocation, stock: Sequence[LocationStock], left: Mapping[str, int]) -> None:
    """PlanCannotBeKept if a planned location has no capacity left today. The plan was made within each
    location's capacity, but orders captured since (or a plan applied twice) may have used it up."""
    locations = {s.location.id: s.location for s in stock}
    for location_id in sorted(planned.location_ids):
        room = left.get(location_id)
        if room is not None and room <= 0:
            raise PlanCannotBeKept(location_id, no_capacity_reason(locations[location_id], room))


def _as_planned(order: Order, stock: Sequence[LocationStock], planned: PlannedAllocation) -> RoutingPlan:
    """The plan's allocations as this order's routing, once they still cover each line exactly and
    each location still has the units (else PlanCannotBeKept)."""
    lines = {line.line_no: line for line in order.lines}
    for allocation in planned.allocations:
        line = lines.get(allocation.line_no)
        if line is None or line.sku != allocation.sku:
            raise PlanCannotBeKept(
                allocation.location_id, f"the order has no line {allocation.line_no} of {allocation.sku}"
            )
    for line in order.lines:
        covered = sum(a.quantity for a in planned.allocations if a.line_no == line.line_no)
        if covered != line.quantity:
            raise PlanCannotBeKept("the plan", f"line {line.line_no} wants {line.quantity}, the plan gives {covered}")
    available = {s.location.id: s.available for s in stock}
    wanted: dict[tuple[str, str], int] = {}
    for a in planned.allocations:
        wanted[a.location_id, a.sku] = wanted.get((a.location_id, a.sku), 0) + a.quantity
    for (location_id, sku), units in sorted(wanted.items()):
        left = available.get(location_id, {}).get(sku, 0)
        if left < units:
            raise PlanCannotBeKept(location_id, f"{units} x {sku} planned, {left} available now")
    where = "; ".join(f"line {a.line_no}: {a.quantity} x {a.sku} from {a.location_id}" for a in planned.allocations)
    inputs = {
        "planned_by": planned.actor,
        "source": planned.source,
        "allocations": [
            {"line_no": a.line_no, "sku": a.sku, "location_id": a.location_id, "quantity": a.quantity}
            for a in planned.allocations
        ],
    }
    reason = f"as the {planned.source} allocated it, applied by {planned.actor}: {where}"
    return RoutingPlan(planned.allocations, Decision(DecisionKind.ROUTING, "planned", reason, inputs))


def _chosen_by_person(decision: Decision, chosen: ChosenLocation) -> Decision:
    reason = f"{chosen.location_id} chosen by {chosen.actor} (only that location was considered); {decision.reason}"
    inputs = decision.inputs | {"chosen_by": chosen.actor, "chosen_location": chosen.location_id}
    return Decision(decision.kind, decision.outcome, reason, inputs, decision.alternatives, decision.at)


def _stamped(decision: Decision, at: datetime) -> Decision:
    return Decision(decision.kind, decision.outcome, decision.reason, decision.inputs, decision.alternatives, at)
