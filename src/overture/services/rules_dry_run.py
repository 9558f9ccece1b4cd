"""A dry run of a rule-set version before it is stored: the newest orders it would apply to, judged
by the rules in force and by the proposed ones, and which verdicts would change.

Nothing is written. Each order is judged as capture would judge it now, with the facts of today (the
catalogue, contract prices, the account's open orders), so an order placed before a SKU was added
may fail ``unknown_sku`` under both. Orders captured after an order count as its "prior orders"
for ``duplicate_order`` too; the run says so rather than pretend to replay history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from overture.domain.orders import Order
from overture.domain.rules import (
    Evaluation,
    Outcome,
    RuleCode,
    RuleSet,
    RuleSettings,
    ScopedRules,
    check_scope,
    evaluate,
)
from overture.services.governance import gather_facts, layered
from overture.services.ports import Geocoder, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import read_only

DRY_RUN_ORDERS = 200
PROPOSED_VERSION = 0  # what the proposed rules are recorded as in the run (no stored version is 0)


@dataclass(frozen=True, slots=True)
class JudgedOrder:
    order_id: str
    channel: str
    external_id: str
    now: list[str]  # the rules that stop it today, "rule: hold (reason)"; empty when it passes
    proposed: list[str]

    @property
    def changed(self) -> bool:
        return self.now != self.proposed


@dataclass(frozen=True, slots=True)
class DryRun:
    scope: str
    judged: list[JudgedOrder] = field(default_factory=list)

    @property
    def changed(self) -> list[JudgedOrder]:
        return [j for j in self.judged if j.changed]


def dry_run(
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    scope: str,
    proposed: Mapping[RuleCode, RuleSettings],
    *,
    limit: int = DRY_RUN_ORDERS,
) -> DryRun:
    """The newest ``limit`` orders the scope applies to, judged now and under ``proposed``."""
    scope = check_scope(scope)
    trial = ScopedRules(scope, PROPOSED_VERSION, proposed, note="dry run")

    def work(uow: UnitOfWork) -> DryRun:
        stored = uow.governance.current_rule_sets()
        judged = []
        for order_id in _orders_in_scope(uow, scope, limit):
            order = uow.fulfilment.load_order(order_id)
            if order is not None:
                now = _stopping(uow, geocoder, order, _rule_set(stored, order))
                proposed_set = _rule_set({**stored, scope: trial}, order)
                judged.append(
                    JudgedOrder(
                        order.id, order.channel, order.external_id, now, _stopping(uow, geocoder, order, proposed_set)
                    )
                )
        return DryRun(scope, judged)

    return read_only(uow_factory, work)


def _orders_in_scope(uow: UnitOfWork, scope: str, limit: int) -> list[str]:
    kind, _, name = scope.partition(":")
    if kind == "channel":
        return uow.governance.recent_orders(limit, channel=name)
    if kind == "partner":
        return uow.governance.recent_orders(limit, partner_id=name)
    return uow.governance.recent_orders(limit)


def _rule_set(stored: Mapping[str, ScopedRules], order: Order) -> RuleSet:
    return layered(stored, channel=order.channel, partner_id=order.customer.partner_id)


def _stopping(uow: UnitOfWork, geocoder: Geocoder, order: Order, rule_set: RuleSet) -> list[str]:
    known = uow.catalog.known_skus({line.sku for line in order.lines})
    identifiers = uow.governance.identifiers(order.id)
    facts = gather_facts(uow, order, rule_set, known_skus=known, identifiers=identifiers, geocoder=geocoder)
    return [_described(e) for e in evaluate(rule_set, facts) if e.outcome in (Outcome.HOLD, Outcome.REJECT)]


def _described(evaluation: Evaluation) -> str:
    return f"{evaluation.rule.value}: {evaluation.outcome.value} ({evaluation.reason})"
