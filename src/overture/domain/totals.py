"""An order's own total reconciled with the total its channel declared.

A channel that states a total (a storefront's ``total_price``, an 850's ``AMT*TT``, an Amazon
``OrderTotal``) says what the buyer agreed to pay; the order's own total (lines plus charges,
rounded to the currency's minor unit) is what the hub will fulfil and invoice. When the two
differ by more than the tolerance, the translation lost or invented money (a charge not mapped, a
tax counted twice, a price misread) and a person decides: the order is held, never quietly
shipped at a price nobody agreed to.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from overture.domain.money import Money
from overture.domain.orders import Order

DEFAULT_TOLERANCE = Decimal("0.01")  # in the currency's units: one cent, one yen's hundredth


@dataclass(frozen=True, slots=True)
class TotalCheck:
    declared: Money  # what the channel said
    computed: Money  # lines plus charges, as the order holds them
    tolerance: Decimal

    @property
    def difference(self) -> Decimal:
        """Declared less computed: positive when the channel asked for more than the order adds up to."""
        return self.declared.amount - self.computed.amount

    @property
    def agrees(self) -> bool:
        return abs(self.difference) <= self.tolerance

    def reason(self) -> str:
        currency = self.declared.currency
        if self.agrees:
            return (
                f"the order's total {self.computed} matches the channel's {self.declared} (tolerance {self.tolerance})"
            )
        return (
            f"the channel's total {self.declared} differs from the order's own total {self.computed} "
            f"(lines plus charges) by {self.difference:+} {currency}, more than the tolerance of "
            f"{self.tolerance} {currency}"
        )

    def details(self) -> dict[str, str]:
        return {
            "declared_total": str(self.declared.amount),
            "computed_total": str(self.computed.amount),
            "difference": str(self.difference),
            "tolerance": str(self.tolerance),
            "currency": self.declared.currency,
        }


def check_total(order: Order, tolerance: Decimal) -> TotalCheck | None:
    """The order's total against its channel's, or None when the channel declared none."""
    if order.declared_total is None:
        return None
    if tolerance < 0:
        raise ValueError(f"a total tolerance cannot be negative, got {tolerance}")
    return TotalCheck(Money(order.declared_total, order.currency), order.total, tolerance)
