"""Governance: every order, whatever its channel, passes the same rule set before it is routed.

The service picks the order's effective rule set (partner over channel over default), gathers
the facts its enabled rules need from the store (a query only for a rule that is on, inside the
capture transaction), and lets the pure rules (``domain.rules``) judge. Placement records each
evaluation as a decision and holds or refuses the order.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from overture.domain.exceptions import ExceptionType
from overture.domain.orders import Order
from overture.domain.rules import (
    DEFAULT_SCOPE,
    AddressFacts,
    Evaluation,
    LineFacts,
    OrderFacts,
    Outcome,
    PriorOrder,
    RuleCode,
    RuleSet,
    RuleSettings,
    ScopedRules,
    channel_scope,
    check_scope,
    evaluate,
    partner_scope,
    resolve,
    rule_for_exception,
)
from overture.domain.rules.documents import rules_document
from overture.services import changes
from overture.services.changes import SYSTEM
from overture.services.ports import Geocoder, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only

# References whose value is what the channel says about payment (Shopify, WooCommerce).
PAYMENT_STATUS_KIND = "financial_status"
_EXCEPTION_TYPES = {t.value: t for t in ExceptionType}


class RejectedByRules(Exception):
    """Raised by placement when a rule configured to reject fails; capture refuses the message."""

    def __init__(self, rejections: Sequence[Evaluation]) -> None:
        super().__init__("; ".join(f"{e.rule}: {e.reason}" for e in rejections))
        self.rejections = list(rejections)


@dataclass(frozen=True, slots=True)
class Verdict:
    rule_set: RuleSet
    evaluations: list[Evaluation]

    def with_outcome(self, outcome: Outcome) -> list[Evaluation]:
        return [e for e in self.evaluations if e.outcome is outcome]


# Resolving costs tens of microseconds an order, and the stored rule sets change rarely: so each
# (channel, partner) keeps its resolved set while the store hands back the very same rule sets.
_resolved: dict[tuple[str, str | None], tuple[Mapping[str, ScopedRules], RuleSet]] = {}
_MAX_RESOLVED = 10_000  # channel names come from payloads: never let them grow this without bound


def rule_set_for(uow: UnitOfWork, *, channel: str, partner_id: str | None) -> RuleSet:
    stored = uow.governance.current_rule_sets()
    key = (channel, partner_id)
    hit = _resolved.get(key)
    if hit is not None and hit[0] is stored:
        return hit[1]
    rule_set = layered(stored, channel=channel, partner_id=partner_id)
    if len(_resolved) >= _MAX_RESOLVED:
        _resolved.clear()
    _resolved[key] = (stored, rule_set)
    return rule_set


def layered(stored: Mapping[str, ScopedRules], *, channel: str, partner_id: str | None) -> RuleSet:
    """The rule set an order of this channel (and partner) gets from these stored scopes."""
    return resolve(
        default=stored.get(DEFAULT_SCOPE),
        channel=stored.get(channel_scope(channel)),
        partner=stored.get(partner_scope(partner_id)) if partner_id else None,
    )


def judge(
    uow: UnitOfWork,
    order: Order,
    *,
    known_skus: Collection[str],
    identifiers: Sequence[tuple[str, str]],
    geocoder: Geocoder,
    waived: Collection[RuleCode] = (),
) -> Verdict:
    """Evaluate the order's rule set. ``identifiers`` are the order's (kind, value) references."""
    rule_set = rule_set_for(uow, channel=order.channel, partner_id=order.customer.partner_id)
    facts = gather_facts(uow, order, rule_set, known_skus=known_skus, identifiers=identifiers, geocoder=geocoder)
    return Verdict(rule_set, evaluate(rule_set, facts, waived=waived))


def waived_rules(overridden_exception_types: Collection[str]) -> set[RuleCode]:
    """Rules a person overrode on this order (each rule's hold opens its own exception type)."""
    kinds = [_EXCEPTION_TYPES[t] for t in overridden_exception_types if t in _EXCEPTION_TYPES]
    return {rule for rule in map(rule_for_exception, kinds) if rule is not None}


# ---- facts ---------------------------------------------------------------------------------


def gather_facts(
    uow: UnitOfWork,
    order: Order,
    rule_set: RuleSet,
    *,
    known_skus: Collection[str],
    identifiers: Sequence[tuple[str, str]],
    geocoder: Geocoder,
) -> OrderFacts:
    """What the enabled rules need to know, and nothing more (each fact costs a query or a look-up)."""
    on = rule_set.is_enabled
    partner_id = order.customer.partner_id
    skus = {line.sku for line in order.lines}
    costs = uow.catalog.unit_costs(skus) if on(RuleCode.LOW_MARGIN) else {}
    contract = _contract_prices(uow, partner_id) if on(RuleCode.PRICE_MISMATCH) and partner_id else {}
    lines = tuple(
        LineFacts(
            line.line_no,
            line.sku,
            line.quantity,
            line.unit_price.amount,
            known=line.sku in known_skus,
            unit_cost=costs.get(line.sku),
            contract_price=contract.get(line.sku),
        )
        for line in order.lines
    )
    a = order.ship_to
    postal_state = geocoder.state_of(a) if on(RuleCode.ADDRESS_MISMATCH) else None
    return OrderFacts(
        channel=order.channel,
        external_id=order.external_id,
        customer_reference=order.customer.reference,
        partner_id=partner_id,
        currency=order.currency,
        total=order.total.amount,
        lines=lines,
        ship_to=AddressFacts(a.country, a.postal_code, a.region, postal_state),
        identifiers=tuple(identifiers),
        payment_status=_payment_status(identifiers),
        open_orders_total=_open_orders_total(uow, order, rule_set),
        prior_orders=_prior_orders(uow, order, rule_set, identifiers),
    )


def _contract_prices(uow: UnitOfWork, partner_id: str) -> Mapping[str, Decimal]:
    profile = uow.partners.get(partner_id)
    return profile.contract_prices if profile is not None else {}


def _payment_status(identifiers: Sequence[tuple[str, str]]) -> str | None:
    return next((value.strip().lower() for kind, value in identifiers if kind == PAYMENT_STATUS_KIND), None)


def _open_orders_total(uow: UnitOfWork, order: Order, rule_set: RuleSet) -> Decimal | None:
    settings = rule_set.get(RuleCode.CREDIT_LIMIT).settings
    partner_id = order.customer.partner_id
    if not settings.enabled or settings.credit_limit is None or partner_id is None:
        return None
    return uow.governance.open_orders_total(partner_id, order.currency, excluding=order.id)


def _prior_orders(
    uow: UnitOfWork, order: Order, rule_set: RuleSet, identifiers: Sequence[tuple[str, str]]
) -> tuple[PriorOrder, ...] | None:
    settings = rule_set.get(RuleCode.DUPLICATE_ORDER).settings
    if not settings.enabled:
        return None
    wanted = sorted({(kind, value) for kind, value in identifiers if kind in settings.reference_kinds})
    return tuple(uow.governance.prior_orders(order.external_id, wanted, excluding=order.id))


# ---- configuration use cases (the rules API) -----------------------------------------------


def get_rule_set(uow_factory: UnitOfWorkFactory, scope: str, version: int | None = None) -> ScopedRules | None:
    scope = check_scope(scope)
    return read_only(uow_factory, lambda uow: uow.governance.rule_set(scope, version))


def all_current_rule_sets(uow_factory: UnitOfWorkFactory) -> list[ScopedRules]:
    return read_only(uow_factory, lambda uow: uow.governance.all_current())


def rule_set_history(uow_factory: UnitOfWorkFactory, scope: str) -> list[ScopedRules]:
    scope = check_scope(scope)
    return read_only(uow_factory, lambda uow: uow.governance.history(scope))


def put_rule_set(
    uow_factory: UnitOfWorkFactory,
    scope: str,
    rules: Mapping[RuleCode, RuleSettings],
    *,
    note: str,
    at: datetime,
    actor: str = SYSTEM,
) -> ScopedRules:
    """Store a new version of the scope's rule set; the next order captured uses it."""
    scope = check_scope(scope)

    def work(uow: UnitOfWork) -> ScopedRules:
        previous = uow.governance.rule_set(scope)
        stored = uow.governance.put_rule_set(scope, rules, note=note, at=at)
        detail = {"version": stored.version, "note": note, "rules": rules_document(rules)}
        if previous is not None:  # the version it replaces, so the record reads as before and after
            detail["before"] = {"version": previous.version, "rules": rules_document(previous.rules)}
        changes.record(uow, at, actor, "rules.put", f"rules:{scope}", **detail)
        return stored

    return in_transaction(uow_factory, work)


def effective_rule_set(uow_factory: UnitOfWorkFactory, *, channel: str, partner_id: str | None) -> RuleSet:
    """The rule set an order from this channel (and partner) would be judged by now."""
    return read_only(uow_factory, lambda uow: rule_set_for(uow, channel=channel, partner_id=partner_id))
