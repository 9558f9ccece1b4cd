"""Versioned rule sets and what the rules read about past orders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from overture.domain.rules import PriorOrder, RuleCode, RuleSettings, ScopedRules


class GovernanceRepository(Protocol):
    """Governance rule sets, and what the rules need to know of earlier orders."""

    def current_rule_sets(self) -> dict[str, ScopedRules]:
        """The latest version of every scope's rule set, by scope (may be cached for a few seconds)."""
        ...

    def rule_set(self, scope: str, version: int | None = None) -> ScopedRules | None:
        """The scope's latest rule set, or the given version of it."""
        ...

    def history(self, scope: str) -> list[ScopedRules]: ...

    def all_current(self) -> list[ScopedRules]: ...

    def put_rule_set(
        self, scope: str, rules: Mapping[RuleCode, RuleSettings], *, note: str, at: datetime
    ) -> ScopedRules:
        """Store the scope's next version."""
        ...

    def open_orders_total(self, partner_id: str, currency: str, *, excluding: str) -> Decimal:
        """What the account's open orders in this currency add up to (``excluding`` one order)."""
        ...

    def prior_orders(
        self, external_id: str, identifiers: Sequence[tuple[str, str]], *, excluding: str
    ) -> list[PriorOrder]:
        """Orders, not cancelled, that share the external id or one of the (kind, value) references."""
        ...

    def recent_orders(self, limit: int, *, channel: str | None = None, partner_id: str | None = None) -> list[str]:
        """Ids of the newest orders (of one channel or partner), newest first: what a dry run judges."""
        ...

    def identifiers(self, order_id: str) -> list[tuple[str, str]]:
        """The (kind, value) references stored with an order."""
        ...

    def overridden(self, order_id: str) -> set[str]:
        """Types of the order's exceptions a person resolved with ``override``."""
        ...
