"""A seller's lifecycle, and what it must have given before an operator (or the risk rules) approve it.

pending -> onboarding -> ready_for_review -> approved | rejected
approved -> suspended -> approved (an operator's override) | terminated
approved | suspended -> terminated
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SellerStatus(StrEnum):
    PENDING = "pending"
    ONBOARDING = "onboarding"
    READY_FOR_REVIEW = "ready_for_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


S = SellerStatus
_NEXT: dict[SellerStatus, frozenset[SellerStatus]] = {
    S.PENDING: frozenset({S.ONBOARDING, S.REJECTED}),
    S.ONBOARDING: frozenset({S.READY_FOR_REVIEW, S.REJECTED}),
    # Back to onboarding: a reviewer asked for a missing document.
    S.READY_FOR_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.ONBOARDING}),
    S.APPROVED: frozenset({S.SUSPENDED, S.TERMINATED}),
    S.SUSPENDED: frozenset({S.APPROVED, S.TERMINATED}),
    S.REJECTED: frozenset(),
    S.TERMINATED: frozenset(),
}

# What onboarding asks for; each names the field a seller fills.
REQUIREMENTS = ("company_name", "tax_id", "return_address", "bank_account_ref", "documents", "attestation")


class SellerTransitionRefused(ValueError):
    def __init__(self, seller_id: str, current: SellerStatus, target: SellerStatus) -> None:
        allowed = ", ".join(sorted(_NEXT[current])) or "none"
        super().__init__(f"seller {seller_id} is {current}: it cannot become {target} (allowed: {allowed})")


def check_transition(seller_id: str, current: SellerStatus, target: SellerStatus) -> None:
    if target not in _NEXT[current]:
        raise SellerTransitionRefused(seller_id, current, target)


@dataclass(frozen=True, slots=True)
class Seller:
    id: str
    name: str
    status: SellerStatus
    location_id: str
    currency: str = "USD"
    holiday: bool = False  # its offers stay listed but win nothing while it is away
    profile: Mapping[str, object] = field(default_factory=dict)  # what onboarding collected
    score: float = 1.0  # 0..1 from its scorecard; the buy box weighs it
    grace_until: datetime | None = None  # an operator's override: no automatic suspension before this
    partner_id: str | None = None  # a trading partner: orders go as EDI 850, answers come as 855/856
    created_at: datetime | None = None

    @property
    def sells(self) -> bool:
        """Whether its offers may win: approved and not on holiday."""
        return self.status is SellerStatus.APPROVED and not self.holiday


def missing_requirements(profile: Mapping[str, object]) -> list[str]:
    """What onboarding still lacks, in the order it is asked for."""
    missing: list[str] = []
    for name in REQUIREMENTS:
        value = profile.get(name)
        if name == "return_address":
            address = value if isinstance(value, Mapping) else {}
            if not all(str(address.get(k, "")).strip() for k in ("line1", "city", "postal_code", "country")):
                missing.append(name)
        elif name == "attestation":
            if value is not True:
                missing.append(name)
        elif name == "documents":
            if not isinstance(value, list) or not value:
                missing.append(name)
        elif not str(value or "").strip():
            missing.append(name)
    return missing
