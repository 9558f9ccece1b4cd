"""Rule sets as JSON-ready documents: how the store keeps them and the API shows them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from overture.domain.rules.model import Action, RuleCode, RuleSettings
from overture.domain.rules.registry import RULES

_DECIMALS = frozenset({"tolerance_pct", "min_margin_pct", "credit_limit"})
_INTEGERS = frozenset({"max_quantity", "terms_days"})
_SETS = frozenset({"reference_kinds", "skus", "countries"})
CODES = {code.value: code for code in RuleCode}


def settings_document(code: RuleCode, settings: RuleSettings) -> dict[str, Any]:
    """One rule's settings as stored and shown: enabled, action and the thresholds it reads."""
    data: dict[str, Any] = {"enabled": settings.enabled, "action": settings.action.value}
    for name in RULES[code].parameters:
        value = getattr(settings, name)
        data[name] = sorted(value) if name in _SETS else str(value) if isinstance(value, Decimal) else value
    return data


def settings_from_document(data: Mapping[str, Any]) -> RuleSettings:
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in _DECIMALS:
            values[name] = None if value is None else Decimal(value)
        elif name in _SETS:
            values[name] = frozenset(value)
        elif name in _INTEGERS:
            values[name] = None if value is None else int(value)
    return RuleSettings(enabled=bool(data.get("enabled", True)), action=Action(data.get("action", "hold")), **values)


def rules_document(rules: Mapping[RuleCode, RuleSettings]) -> dict[str, Any]:
    return {code.value: settings_document(code, rules[code]) for code in RuleCode if code in rules}
