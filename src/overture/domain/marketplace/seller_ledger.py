"""The seller ledger: entries, never a stored balance, and the payout rule on top of them.

Signs are the seller's: what it is owed is positive (its sale, its shipping, a fee given back), what it
owes negative (the commission and its tax, a refund to the customer, a payout already made).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class SellerEntryKind(StrEnum):
    ORDER_AMOUNT = "ORDER_AMOUNT"
    SHIPPING = "SHIPPING"
    COMMISSION_FEE = "COMMISSION_FEE"
    COMMISSION_TAX = "COMMISSION_TAX"
    REFUND_ORDER_AMOUNT = "REFUND_ORDER_AMOUNT"
    REFUND_SHIPPING = "REFUND_SHIPPING"
    REFUND_COMMISSION_FEE = "REFUND_COMMISSION_FEE"
    REFUND_COMMISSION_TAX = "REFUND_COMMISSION_TAX"
    MANUAL_CREDIT = "MANUAL_CREDIT"
    MANUAL_INVOICE = "MANUAL_INVOICE"
    PAYOUT = "PAYOUT"


K = SellerEntryKind
# The sign each kind must carry: a MANUAL_INVOICE is a charge, so never positive, and so on.
POSITIVE = frozenset({K.ORDER_AMOUNT, K.SHIPPING, K.REFUND_COMMISSION_FEE, K.REFUND_COMMISSION_TAX, K.MANUAL_CREDIT})
NEGATIVE = frozenset(
    {K.COMMISSION_FEE, K.COMMISSION_TAX, K.REFUND_ORDER_AMOUNT, K.REFUND_SHIPPING, K.MANUAL_INVOICE, K.PAYOUT}
)


class SellerLedgerError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SellerEntry:
    seller_id: str
    kind: SellerEntryKind
    amount_minor: int
    currency: str
    cause: str
    actor: str
    at: datetime
    order_id: str = ""
    sub_order_id: str = ""
    line_no: int | None = None
    reference: str = ""

    def __post_init__(self) -> None:
        if (self.kind in POSITIVE and self.amount_minor < 0) or (self.kind in NEGATIVE and self.amount_minor > 0):
            raise SellerLedgerError(f"{self.kind} of {self.amount_minor} has the wrong sign")


def balance(entries: Iterable[SellerEntry]) -> int:
    return sum(e.amount_minor for e in entries)


@dataclass(frozen=True, slots=True)
class PayoutPolicy:
    hold_days: int = 7  # an entry is paid out once it is this old (refunds and disputes come meanwhile)
    minimum_minor: int = 1000  # below this, wait for the next run


@dataclass(frozen=True, slots=True)
class PayoutDecision:
    amount_minor: int  # 0: nothing paid now
    available_minor: int  # what is past its hold
    balance_minor: int
    cutoff: datetime
    reason: str


def payout_due(entries: Iterable[SellerEntry], policy: PayoutPolicy, now: datetime) -> PayoutDecision:
    """What to pay now: the entries past their hold (and every payout already made), never more than the
    whole balance (a refund still on hold comes off first), nothing while the balance is negative or the
    sum is under the minimum. A refund after a payout simply lowers the next one."""
    cutoff = now - timedelta(days=policy.hold_days)
    items = list(entries)
    total = balance(items)
    available = sum(e.amount_minor for e in items if e.kind is K.PAYOUT or e.at <= cutoff)
    amount = min(available, total)
    if total < 0:
        return PayoutDecision(0, available, total, cutoff, f"balance is negative ({total}): nothing is paid out")
    if amount < policy.minimum_minor:
        return PayoutDecision(
            0, available, total, cutoff, f"{amount} is due, under the minimum of {policy.minimum_minor}"
        )
    return PayoutDecision(amount, available, total, cutoff, f"{amount} due: entries up to {cutoff:%Y-%m-%d %H:%M}")
