"""What a governance rule reads, how it is configured, and what its evaluation says.

A rule is a small named function ``(OrderFacts, RuleSettings) -> Finding | None``: ``None``
when the order passes, a ``Finding`` (reason and details) when it does not. Whether a finding
holds or rejects the order is not the rule's business: that is its ``RuleSettings.action``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class RuleCode(StrEnum):
    """Stable codes: stored in configuration, decisions and rejections; never renamed.

    Rules run in this order. The ones most likely to end in a cancellation come first, so that
    nobody is asked to approve a price on an order that turns out to be a duplicate.
    """

    UNKNOWN_SKU = "unknown_sku"
    INVALID_QUANTITY = "invalid_quantity"
    DUPLICATE_ORDER = "duplicate_order"
    EMBARGO = "embargo"
    ADDRESS_MISMATCH = "address_mismatch"
    PRICE_MISMATCH = "price_mismatch"
    LOW_MARGIN = "low_margin"
    CREDIT_LIMIT = "credit_limit"
    PAYMENT_TERMS = "payment_terms"


class Action(StrEnum):
    """What a failed rule does to the order."""

    HOLD = "hold"  # captured on hold with a typed exception, waiting for a person
    REJECT = "reject"  # refused: no order, the raw message kept in quarantine


class Outcome(StrEnum):
    PASS = "pass"
    HOLD = "hold"
    REJECT = "reject"
    WAIVED = "waived"  # failed, but a person overrode this rule's hold on this order


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """One rule's configuration. Each rule reads only its own thresholds (see ``PARAMETERS``)."""

    enabled: bool = True
    action: Action = Action.HOLD
    max_quantity: int | None = None  # invalid_quantity: most units one line may ask for
    tolerance_pct: Decimal = Decimal(0)  # price_mismatch: allowed distance from the contract price
    min_margin_pct: Decimal = Decimal(0)  # low_margin: (price - cost) / price, in percent
    credit_limit: Decimal | None = None  # credit_limit: open orders on account + this one, at most
    terms_days: int | None = None  # payment_terms: days of credit the account is granted
    reference_kinds: frozenset[str] = frozenset({"po_number"})  # duplicate_order: identifying references
    skus: frozenset[str] = frozenset()  # embargo: products we must not sell here
    countries: frozenset[str] = frozenset()  # embargo: destinations we must not ship to


@dataclass(frozen=True, slots=True)
class LineFacts:
    line_no: int
    sku: str  # ours: the partner's cross-reference was applied by the channel
    quantity: int
    unit_price: Decimal
    known: bool  # the SKU is in our catalogue
    unit_cost: Decimal | None = None
    contract_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AddressFacts:
    country: str
    postal_code: str
    region: str  # as the channel gave it: "NY", "New York", ""
    postal_state: str | None = None  # the state or territory of the ZIP code; None when unknown


@dataclass(frozen=True, slots=True)
class PriorOrder:
    """An order captured earlier that shares an identifier with this one."""

    order_id: str
    channel: str
    external_id: str
    customer_reference: str
    partner_id: str | None
    matched_on: str  # "external_id" or the reference kind, e.g. "po_number"


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """Everything the rules may read, gathered by the service so that the rules stay pure.

    Facts a rule needs are gathered only when that rule is enabled; ``None`` means not gathered.
    """

    channel: str
    external_id: str
    customer_reference: str
    partner_id: str | None  # set for an account (trading partner) order
    currency: str
    total: Decimal
    lines: tuple[LineFacts, ...]
    ship_to: AddressFacts
    identifiers: tuple[tuple[str, str], ...] = ()  # (reference kind, value) of this order
    payment_status: str | None = None  # what the channel says of payment: "paid", "pending", ...
    open_orders_total: Decimal | None = None  # the account's open orders, in this order's currency
    prior_orders: tuple[PriorOrder, ...] | None = None

    @property
    def on_account(self) -> bool:
        """A trading partner's order is bought on account; anyone else pays at checkout."""
        return self.partner_id is not None


@dataclass(frozen=True, slots=True)
class Finding:
    """Why an order fails a rule. ``details`` go into the exception an operator reads."""

    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One rule applied to one order: the record kept as a decision on the order."""

    rule: RuleCode
    scope: str  # where its settings came from: "default", "channel:web", "partner:ACME", "builtin"
    version: int
    action: Action
    outcome: Outcome
    reason: str
    inputs: dict[str, Any]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.outcome in (Outcome.HOLD, Outcome.REJECT)
