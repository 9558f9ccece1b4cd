"""Scorecards: a seller's rates over a rolling window, the operator's thresholds, and what each breach
leads to (a warning first; a suspension when the limit is crossed after a warning).

Default thresholds follow public marketplace rules: late shipment under 4%, seller cancellation under
2.5% (Amazon's seller performance targets), valid tracking over 99% (Amazon's VTR target),
acceptance at least 97%. Each has an alert level, a little before the limit, that warns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Counts:
    """What a seller did in the window; the rates are derived."""

    lines: int = 0  # lines it was asked to accept
    accepted: int = 0
    refused: int = 0
    auto_refused: int = 0
    sub_orders: int = 0
    shipped: int = 0  # sub-orders shipped
    late: int = 0  # shipped after their ship-by
    with_valid_tracking: int = 0
    cancelled: int = 0  # sub-orders with a line it refused (or let lapse)
    incidents: int = 0
    refunded_lines: int = 0
    shipped_lines: int = 0


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


@dataclass(frozen=True, slots=True)
class Scorecard:
    seller_id: str
    counts: Counts

    def rates(self) -> dict[str, float | None]:
        c = self.counts
        return {
            "acceptance_rate": _rate(c.accepted, c.accepted + c.refused + c.auto_refused),
            "late_shipment_rate": _rate(c.late, c.shipped),
            "cancellation_rate": _rate(c.cancelled, c.sub_orders),
            "valid_tracking_rate": _rate(c.with_valid_tracking, c.shipped),
            "incident_rate": _rate(c.incidents, c.sub_orders),
            "refund_rate": _rate(c.refunded_lines, c.shipped_lines),
        }

    def score(self) -> float:
        """0..1 for the buy box: the mean of the good rates (1 - the bad ones); 1 with no history."""
        r = self.rates()
        good = [r["acceptance_rate"], r["valid_tracking_rate"]]
        bad = [r["late_shipment_rate"], r["cancellation_rate"], r["incident_rate"], r["refund_rate"]]
        parts = [v for v in good if v is not None] + [1 - v for v in bad if v is not None]
        return sum(parts) / len(parts) if parts else 1.0


class Direction(StrEnum):
    AT_MOST = "at_most"  # a rate that must stay low
    AT_LEAST = "at_least"


@dataclass(frozen=True, slots=True)
class Threshold:
    metric: str
    direction: Direction
    alert: float
    limit: float

    def level(self, value: float) -> str | None:
        """ "limit", "alert" or None."""
        if self.direction is Direction.AT_MOST:
            return "limit" if value >= self.limit else "alert" if value >= self.alert else None
        return "limit" if value < self.limit else "alert" if value < self.alert else None

    def describe(self, value: float) -> str:
        sign = "<" if self.direction is Direction.AT_MOST else ">="
        return f"{self.metric} {value:.2%} (limit {sign} {self.limit:.2%}, alert at {self.alert:.2%})"


DEFAULT_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("late_shipment_rate", Direction.AT_MOST, 0.03, 0.04),
    Threshold("cancellation_rate", Direction.AT_MOST, 0.02, 0.025),
    Threshold("valid_tracking_rate", Direction.AT_LEAST, 0.995, 0.99),
    Threshold("acceptance_rate", Direction.AT_LEAST, 0.98, 0.97),
)
WINDOW_DAYS = 30
MIN_SUB_ORDERS = 10  # fewer in the window: too few to judge a seller by


@dataclass(frozen=True, slots=True)
class Breach:
    metric: str
    level: str  # alert | limit
    value: float
    reason: str


def breaches(card: Scorecard, thresholds: Sequence[Threshold], *, min_sub_orders: int = MIN_SUB_ORDERS) -> list[Breach]:
    if card.counts.sub_orders < min_sub_orders:
        return []
    rates = card.rates()
    found: list[Breach] = []
    for t in thresholds:
        value = rates.get(t.metric)
        if value is None:
            continue
        level = t.level(value)
        if level is not None:
            found.append(Breach(t.metric, level, value, t.describe(value)))
    return found


class Action(StrEnum):
    WARN = "warn"
    SUSPEND = "suspend"


def actions(found: Sequence[Breach], warned: Mapping[str, bool]) -> list[tuple[Action, Breach]]:
    """A breach not yet warned of warns; a limit crossed once warned suspends."""
    out: list[tuple[Action, Breach]] = []
    for b in found:
        if not warned.get(b.metric):
            out.append((Action.WARN, b))
        elif b.level == "limit":
            out.append((Action.SUSPEND, b))
    return out
