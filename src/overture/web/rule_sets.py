"""The body of a new rule-set version, for the API (``PUT /v1/rules/{scope}``, documented in
api/routers/rules.py) and the dashboard's rules page alike: each rule's own thresholds only, every
field checked with its name and reason."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from overture.domain.rules import Action, RuleCode, RuleSettings

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=9, decimal_places=4)]


class _RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    action: Action = Action.HOLD


class UnknownSkuIn(_RuleIn):
    pass


class InvalidQuantityIn(_RuleIn):
    max_quantity: Annotated[int, Field(strict=True, gt=0)] | None = None


class DuplicateOrderIn(_RuleIn):
    reference_kinds: list[Code] = Field(default_factory=lambda: ["po_number"])


class EmbargoIn(_RuleIn):
    skus: Annotated[list[Code], Field(max_length=10_000)] = Field(default_factory=list)
    countries: list[Country] = Field(default_factory=list)


class AddressMismatchIn(_RuleIn):
    pass


class PriceMismatchIn(_RuleIn):
    tolerance_pct: Percent = Decimal(0)


class LowMarginIn(_RuleIn):
    # Below zero allows selling under cost by at most that much.
    min_margin_pct: Annotated[Decimal, Field(ge=-100, le=100, max_digits=9, decimal_places=4)] = Decimal(0)


class CreditLimitIn(_RuleIn):
    credit_limit: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)] | None = None


class PaymentTermsIn(_RuleIn):
    terms_days: Annotated[int, Field(strict=True, ge=0, le=3650)] | None = None


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unknown_sku: UnknownSkuIn | None = None
    invalid_quantity: InvalidQuantityIn | None = None
    duplicate_order: DuplicateOrderIn | None = None
    embargo: EmbargoIn | None = None
    address_mismatch: AddressMismatchIn | None = None
    price_mismatch: PriceMismatchIn | None = None
    low_margin: LowMarginIn | None = None
    credit_limit: CreditLimitIn | None = None
    payment_terms: PaymentTermsIn | None = None


class RuleSetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    rules: RulesIn


def _settings(rule: _RuleIn) -> RuleSettings:
    params: dict[str, Any] = rule.model_dump(exclude={"enabled", "action"})
    for name in ("reference_kinds", "skus", "countries"):
        if name in params:
            params[name] = frozenset(params[name])
    return RuleSettings(enabled=rule.enabled, action=rule.action, **params)


def rule_settings(body: RulesIn) -> dict[RuleCode, RuleSettings]:
    """The rules a body configures, as the domain's settings (rules left out are inherited)."""
    given = {code: getattr(body, code.value) for code in RuleCode}
    return {code: _settings(rule) for code, rule in given.items() if rule is not None}
