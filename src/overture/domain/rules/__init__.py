"""Governance rules, defined once: every channel's orders pass through the same rule set.

Each rule is a small named function ``(OrderFacts, RuleSettings) -> Finding | None`` with a
stable code (``model.RuleCode``); ``registry.RULES`` lists them in evaluation order and
``registry.evaluate`` applies a rule set to one order. Which rules run, their thresholds and
whether a failure holds or rejects the order is configuration (``config``): versioned rule sets
per scope, partner over channel over default over the shipped ``builtin``.

Pure: the facts a rule needs (known SKUs, costs, contract prices, the account's open orders,
the ZIP code's state, earlier orders sharing an identifier) are gathered by the service.
"""

from overture.domain.rules.config import (
    BUILTIN,
    BUILTIN_SCOPE,
    DEFAULT_SCOPE,
    ConfiguredRule,
    InvalidScope,
    RuleSet,
    ScopedRules,
    channel_scope,
    check_scope,
    partner_scope,
    resolve,
)
from overture.domain.rules.model import (
    Action,
    AddressFacts,
    Evaluation,
    Finding,
    LineFacts,
    OrderFacts,
    Outcome,
    PriorOrder,
    RuleCode,
    RuleSettings,
)
from overture.domain.rules.registry import RULES, Rule, evaluate, rule_for_exception

__all__ = [
    "BUILTIN",
    "BUILTIN_SCOPE",
    "DEFAULT_SCOPE",
    "RULES",
    "Action",
    "AddressFacts",
    "ConfiguredRule",
    "Evaluation",
    "Finding",
    "InvalidScope",
    "LineFacts",
    "OrderFacts",
    "Outcome",
    "PriorOrder",
    "Rule",
    "RuleCode",
    "RuleSet",
    "RuleSettings",
    "ScopedRules",
    "channel_scope",
    "check_scope",
    "evaluate",
    "partner_scope",
    "resolve",
    "rule_for_exception",
]
