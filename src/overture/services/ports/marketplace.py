"""The marketplace as the use cases read and write it (store/marketplace.py implements it)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from overture.domain.inventory import Reservation
from overture.domain.marketplace.buybox import Offer
from overture.domain.marketplace.commission import CommissionRule
from overture.domain.marketplace.scorecard import Counts
from overture.domain.marketplace.seller_ledger import SellerEntry
from overture.domain.marketplace.sellers import Seller
from overture.domain.marketplace.sub_orders import SellerLine, SubOrder


@dataclass(frozen=True, slots=True)
class SellerCase:
    """Something about a seller an operator decides: an onboarding review, a scorecard warning or
    suspension, a product to map by hand, an escalated incident."""

    id: str
    seller_id: str
    type: str
    subject: str
    reason: str
    created_at: datetime
    details: dict[str, Any] = field(default_factory=dict)
    status: str = "open"
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str | None = None
    resolution_note: str | None = None


@dataclass(frozen=True, slots=True)
class Payout:
    id: str
    seller_id: str
    amount_minor: int
    currency: str
    cutoff: datetime
    bank_account_ref: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    order_id: str
    sub_order_id: str
    seller_id: str
    reason: str
    message: str
    status: str
    opened_by: str
    opened_at: datetime
    respond_by: datetime
    lines: list[dict[str, int]] = field(default_factory=list)
    responded_at: datetime | None = None
    seller_response: str = ""
    outcome: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    note: str = ""


class MarketplaceRepository(Protocol):
    # sellers
    def add_seller(self, seller: Seller, at: datetime) -> None: ...
    def seller(self, seller_id: str) -> Seller | None: ...
    def sellers(self, seller_ids: Collection[str] | None = None) -> list[Seller]: ...
    def update_seller(self, seller_id: str, at: datetime, **fields: Any) -> None:
        """Set the given columns (status, status_note, holiday, profile, score, grace_until, partner_id)."""
        ...

    # offers and commissions
    def upsert_offer(self, offer: Offer, at: datetime) -> bool:
        """Insert or replace the seller's offer for the SKU; True if it is new."""
        ...

    def offers_for(self, skus: Collection[str]) -> list[Offer]: ...
    def offers_of(self, seller_id: str) -> list[Offer]: ...
    def add_rule(self, rule: CommissionRule, at: datetime) -> None: ...
    def rules(self, currency: str | None = None) -> list[CommissionRule]: ...

    # lines and sub-orders
    def add_lines(self, lines: Sequence[SellerLine]) -> None: ...
    def drop_placed_lines(self, order_id: str) -> int:
        """Forget the unpaid lines of an order placed again (its new placement writes its own)."""
        ...

    def lines_of_order(self, order_id: str) -> list[SellerLine]: ...
    def lines_of_sub_order(self, sub_order_id: str) -> list[SellerLine]: ...
    def update_line(self, line_id: str, **fields: Any) -> bool:
        """Set the given columns; False if the line's status was not ``expect_status`` (when given)."""
        ...

    def add_sub_order(self, sub_order: SubOrder) -> bool:
        """Insert once: False if a sub-order with that id exists (a split done twice)."""
        ...

    def sub_order(self, sub_order_id: str) -> SubOrder | None: ...
    def sub_orders_of(self, order_id: str) -> list[SubOrder]: ...
    def update_sub_order(self, sub_order_id: str, at: datetime, **fields: Any) -> None: ...
    def sub_orders_of_seller(
        self, seller_id: str, *, status: str | None = None, limit: int = 200
    ) -> list[SubOrder]: ...
    def add_reservations(self, reservations: Sequence[Reservation], at: datetime) -> None:
        """Reservations taken for an order after its capture (a refused line placed with another seller)."""
        ...

    def set_order_line_status(self, order_id: str, line_no: int, status: str) -> None: ...
    def awaiting_acceptance(self, *, limit: int = 200) -> list[SubOrder]:
        """Sub-orders still waiting for their seller, the nearest deadline first."""
        ...

    # the seller ledger and payouts
    def post(self, key: str, seller_id: str, entries: Sequence[SellerEntry], at: datetime) -> bool:
        """Append the entries under ``key``, once: False when the key was posted before."""
        ...

    def posted(self, key: str) -> bool: ...
    def entries(
        self,
        seller_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        order_id: str | None = None,
    ) -> list[SellerEntry]: ...
    def balances(self) -> dict[str, int]: ...
    def add_payout(self, payout: Payout) -> None: ...
    def payouts(self, seller_id: str) -> list[Payout]: ...

    # governance
    def counts(self, seller_id: str, since: datetime, until: datetime | None = None) -> Counts:
        """What the seller did from ``since`` to ``until`` (now, if None), for its scorecard."""
        ...

    def add_case(self, case: SellerCase) -> bool:
        """Open it unless a case of that type and subject is open for the seller already."""
        ...

    def case(self, case_id: str) -> SellerCase | None: ...
    def cases(
        self, *, seller_id: str | None = None, status: str | None = "open", kind: str | None = None
    ) -> list[SellerCase]: ...
    def resolve_case(self, case_id: str, resolution: str, actor: str, note: str, at: datetime) -> bool: ...

    # incidents
    def add_incident(self, incident: Incident) -> None: ...
    def incident(self, incident_id: str) -> Incident | None: ...
    def incidents(self, *, seller_id: str | None = None, status: str | None = None) -> list[Incident]: ...
    def update_incident(self, incident_id: str, *, expect_status: str | None = None, **fields: Any) -> bool:
        """Set the given columns; False if its status was not ``expect_status`` (when given)."""
        ...

    # settings
    def setting(self, key: str) -> Any: ...
    def save_setting(self, key: str, value: Any, at: datetime) -> None: ...
