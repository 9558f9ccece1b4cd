"""What manual order handling costs, and where the operation stands on the maturity scale.

Pure arithmetic over measured counts: the dashboard feeds it real figures from the store and shows
the reasons next to the result, so nobody has to trust a number they cannot trace.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

DAYS_PER_MONTH = Decimal(30)
DAYS_PER_YEAR = Decimal(365)
_CENTS = Decimal("0.01")


class InvalidSetting(ValueError):
    """A calculator input that cannot be used; ``field`` names it for the form."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SavingsInputs:
    """What an operator enters: minutes a person spends on a manually handled order, and what an hour costs."""

    minutes_per_manual_order: Decimal = Decimal(12)
    loaded_hourly_cost: Decimal = Decimal(45)
    known_channels: tuple[str, ...] = ()
    currency: str = ""  # the hourly cost's ISO 4217 code; "" means the currency the store's orders are in

    def __post_init__(self) -> None:
        if not Decimal(0) < self.minutes_per_manual_order <= Decimal(600):
            raise InvalidSetting("minutes_per_manual_order", "must be more than 0 and at most 600 minutes")
        if not Decimal(0) <= self.loaded_hourly_cost <= Decimal(10000):
            raise InvalidSetting("loaded_hourly_cost", "must be between 0 and 10000 per hour")
        for name in self.known_channels:
            if not name or len(name) > 64 or name != name.strip():
                raise InvalidSetting("known_channels", f"{name!r} is not a channel name (1-64 characters, no spaces)")
        if self.currency and not (len(self.currency) == 3 and self.currency.isascii() and self.currency.isupper()):
            raise InvalidSetting("currency", f"{self.currency!r} is not a currency code (three capitals, as USD)")

    def to_document(self) -> dict[str, Any]:
        return {
            "minutes_per_manual_order": str(self.minutes_per_manual_order),
            "loaded_hourly_cost": str(self.loaded_hourly_cost),
            "known_channels": list(self.known_channels),
            "currency": self.currency,
        }

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> SavingsInputs:
        return cls(
            Decimal(str(document.get("minutes_per_manual_order", "12"))),
            Decimal(str(document.get("loaded_hourly_cost", "45"))),
            tuple(document.get("known_channels", ())),
            str(document.get("currency", "")),  # saved before currencies were: the orders' own
        )


def parse_inputs(minutes: str, hourly_cost: str, channels: str, currency: str = "") -> SavingsInputs:
    """Form text to inputs; InvalidSetting names the field that is wrong."""
    return SavingsInputs(
        _decimal("minutes_per_manual_order", minutes),
        _decimal("loaded_hourly_cost", hourly_cost),
        tuple(dict.fromkeys(c.strip() for c in channels.replace("\n", ",").split(",") if c.strip())),
        currency.strip().upper(),
    )


def _decimal(field_name: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        raise InvalidSetting(field_name, f"{text!r} is not a number") from None
    if not value.is_finite():
        raise InvalidSetting(field_name, f"{text!r} is not a number")
    return value


@dataclass(frozen=True, slots=True)
class WorkCounts:
    """Measured over ``days`` days (a fraction for a store younger than the period): orders taken,
    orders a person had to touch, exceptions people resolved."""

    days: Decimal | int
    orders: int
    touched_orders: int
    manual_exceptions: int

    def __post_init__(self) -> None:
        if self.days <= 0:
            raise InvalidSetting("days", "the period must be longer than zero")
        if min(self.orders, self.touched_orders, self.manual_exceptions) < 0:
            raise InvalidSetting("counts", "counts cannot be negative")
        if self.touched_orders > self.orders:
            raise InvalidSetting("touched_orders", "cannot exceed the orders in the period")


@dataclass(frozen=True, slots=True)
class ManualWorkCost:
    touched_per_day: Decimal
    hours_per_day: Decimal
    cost_per_day: Decimal
    cost_per_month: Decimal
    cost_per_year: Decimal
    # What the same volume would cost if every order were handled by hand, and the share saved.
    all_manual_cost_per_year: Decimal
    saved_per_year: Decimal


def manual_work_cost(inputs: SavingsInputs, counts: WorkCounts) -> ManualWorkCost:
    """Minutes per manually handled order x touched orders x loaded hourly cost, per day, month and year."""
    days = Decimal(counts.days)
    touched_per_day = Decimal(counts.touched_orders) / days
    hours_per_day = touched_per_day * inputs.minutes_per_manual_order / Decimal(60)
    per_day = hours_per_day * inputs.loaded_hourly_cost
    all_manual_per_day = (
        Decimal(counts.orders) / days * inputs.minutes_per_manual_order / 60 * inputs.loaded_hourly_cost
    )
    return ManualWorkCost(
        touched_per_day=_round(touched_per_day),
        hours_per_day=_round(hours_per_day),
        cost_per_day=_round(per_day),
        cost_per_month=_round(per_day * DAYS_PER_MONTH),
        cost_per_year=_round(per_day * DAYS_PER_YEAR),
        all_manual_cost_per_year=_round(all_manual_per_day * DAYS_PER_YEAR),
        saved_per_year=_round((all_manual_per_day - per_day) * DAYS_PER_YEAR),
    )


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENTS, rounding=ROUND_HALF_UP)


def touchless_rate(completed: int, touched_completed: int) -> float | None:
    """Share of completed orders nobody had to act on; None when nothing completed yet."""
    if completed <= 0:
        return None
    return (completed - touched_completed) / completed


class Maturity(StrEnum):
    DISCONNECTED = "disconnected"
    INTEGRATED = "integrated"
    COORDINATED = "coordinated"
    ORCHESTRATED = "orchestrated"


@dataclass(frozen=True, slots=True)
class MaturitySignals:
    """``connected_channels``: known channels with orders in the last 30 days; the rest as measured."""

    known_channels: int
    connected_channels: int
    touchless: float | None
    median_resolution_hours: float | None


@dataclass(frozen=True, slots=True)
class MaturityAssessment:
    level: Maturity
    reasons: tuple[str, ...] = field(default_factory=tuple)


# Thresholds for each step up; each level needs every signal of the levels below as well.
INTEGRATED_CHANNEL_SHARE = 0.5
COORDINATED_CHANNEL_SHARE = 0.8
COORDINATED_TOUCHLESS = 0.6
ORCHESTRATED_CHANNEL_SHARE = 1.0
ORCHESTRATED_TOUCHLESS = 0.85
ORCHESTRATED_RESOLUTION_HOURS = 4.0


def assess_maturity(signals: MaturitySignals) -> MaturityAssessment:
    """The highest level whose every condition holds, with one reason per signal (met or not)."""
    share = signals.connected_channels / signals.known_channels if signals.known_channels else 0.0
    touchless = signals.touchless
    hours = signals.median_resolution_hours
    reasons = [
        f"{signals.connected_channels} of {signals.known_channels} known channels sent orders in the last 30 days"
        f" ({share:.0%})",
        "no completed orders yet, so no touchless rate"
        if touchless is None
        else f"touchless rate {touchless:.0%} of completed orders",
        "no exceptions resolved by people yet" if hours is None else f"median exception resolution time {hours:.1f} h",
    ]
    level = Maturity.DISCONNECTED
    if share >= INTEGRATED_CHANNEL_SHARE:
        level = Maturity.INTEGRATED
        if share >= COORDINATED_CHANNEL_SHARE and touchless is not None and touchless >= COORDINATED_TOUCHLESS:
            level = Maturity.COORDINATED
            if (
                share >= ORCHESTRATED_CHANNEL_SHARE
                and touchless >= ORCHESTRATED_TOUCHLESS
                and (hours is None or hours <= ORCHESTRATED_RESOLUTION_HOURS)
            ):
                level = Maturity.ORCHESTRATED
    reasons.append(_next_step(level))
    return MaturityAssessment(level, tuple(reasons))


def _next_step(level: Maturity) -> str:
    if level is Maturity.DISCONNECTED:
        return f"to reach integrated: at least {INTEGRATED_CHANNEL_SHARE:.0%} of known channels connected"
    if level is Maturity.INTEGRATED:
        return (
            f"to reach coordinated: {COORDINATED_CHANNEL_SHARE:.0%} of channels connected and"
            f" a touchless rate of {COORDINATED_TOUCHLESS:.0%}"
        )
    if level is Maturity.COORDINATED:
        return (
            f"to reach orchestrated: every channel connected, touchless {ORCHESTRATED_TOUCHLESS:.0%},"
            f" exceptions resolved within {ORCHESTRATED_RESOLUTION_HOURS:.0f} h (median)"
        )
    return "every signal meets the orchestrated level"


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of ``values`` (None when empty); ``fraction`` in [0, 1]."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]
