"""The rules, by code, and ``evaluate``: apply a rule set to an order's facts."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from overture.domain.exceptions import ExceptionType
from overture.domain.rules import destination, lines, parties
from overture.domain.rules.config import ConfiguredRule, RuleSet
from overture.domain.rules.model import Action, Evaluation, Finding, OrderFacts, Outcome, RuleCode, RuleSettings

Check = Callable[[OrderFacts, RuleSettings], Finding | None]
Inputs = Callable[[OrderFacts, RuleSettings], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Rule:
    code: RuleCode
    check: Check
    inputs: Inputs  # what the rule looked at, recorded with every evaluation
    passed: str  # the reason recorded when the check finds nothing
    exception: ExceptionType  # the exception a hold opens
    parameters: tuple[str, ...] = ()  # the RuleSettings thresholds it reads


C = RuleCode
E = ExceptionType
RULES: dict[RuleCode, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            C.UNKNOWN_SKU, lines.unknown_sku, lines.unknown_sku_inputs, "every SKU is in the catalogue", E.UNKNOWN_SKU
        ),
        Rule(
            C.INVALID_QUANTITY,
            lines.invalid_quantity,
            lines.quantity_inputs,
            "every quantity is a positive number of units within the limit",
            E.INVALID_QUANTITY,
            ("max_quantity",),
        ),
        Rule(
            C.DUPLICATE_ORDER,
            parties.duplicate_order,
            parties.duplicate_inputs,
            "no earlier order of this customer has the same external id or reference",
            E.DUPLICATE_ORDER,
            ("reference_kinds",),
        ),
        Rule(
            C.EMBARGO,
            destination.embargo,
            destination.embargo_inputs,
            "no embargoed product or destination",
            E.EMBARGO,
            ("skus", "countries"),
        ),
        Rule(
            C.ADDRESS_MISMATCH,
            destination.address_mismatch,
            destination.address_inputs,
            "the ZIP code exists and lies in the state given (or the address is outside the ZIP system)",
            E.ADDRESS_MISMATCH,
        ),
        Rule(
            C.PRICE_MISMATCH,
            lines.price_mismatch,
            lines.price_inputs,
            "every line with a contract price is within tolerance of it",
            E.PRICE_MISMATCH,
            ("tolerance_pct",),
        ),
        Rule(
            C.LOW_MARGIN,
            lines.low_margin,
            lines.margin_inputs,
            "every line with a known cost earns at least the minimum margin",
            E.LOW_MARGIN,
            ("min_margin_pct",),
        ),
        Rule(
            C.CREDIT_LIMIT,
            parties.credit_limit,
            parties.credit_inputs,
            "within the account's credit limit, or not an order on account",
            E.CREDIT_HOLD,
            ("credit_limit",),
        ),
        Rule(
            C.PAYMENT_TERMS,
            parties.payment_terms,
            parties.terms_inputs,
            "bought on granted terms, or paid at checkout",
            E.PAYMENT_TERMS,
            ("terms_days",),
        ),
    )
}
assert list(RULES) == list(RuleCode), "every rule code has exactly one rule, in evaluation order"
_BY_EXCEPTION = {rule.exception: code for code, rule in RULES.items()}


def rule_for_exception(kind: ExceptionType) -> RuleCode | None:
    """The rule whose hold opens this type of exception (None for other exceptions)."""
    return _BY_EXCEPTION.get(kind)


def evaluate(rule_set: RuleSet, facts: OrderFacts, *, waived: Collection[RuleCode] = ()) -> list[Evaluation]:
    """Apply every enabled rule to the order, in order. ``waived`` are rules whose hold a person
    overrode on this order: they are still evaluated and recorded, but no longer stop it."""
    return [_evaluate(configured, facts, waived) for configured in rule_set.enabled()]


def _evaluate(configured: ConfiguredRule, facts: OrderFacts, waived: Collection[RuleCode]) -> Evaluation:
    rule, settings = RULES[configured.code], configured.settings
    finding = rule.check(facts, settings)
    if finding is None:
        outcome, reason, details = Outcome.PASS, rule.passed, {}
    else:
        outcome = _failed(settings.action) if rule.code not in waived else Outcome.WAIVED
        reason, details = finding.reason, dict(finding.details)
    inputs = rule.inputs(facts, settings)
    return Evaluation(
        rule.code, configured.scope, configured.version, settings.action, outcome, reason, inputs, details
    )


def _failed(action: Action) -> Outcome:
    return Outcome.REJECT if action is Action.REJECT else Outcome.HOLD
