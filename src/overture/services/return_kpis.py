"""Return KPIs and a return's value, as pure computations over rows the dashboard read (no I/O).

- The period: the last ``days`` days, or since the store's first order when the store is younger.
- Return rate: units asked back in the period (rejected returns left out) over units shipped in the
  period, by reason (over all units shipped) and by SKU (over that SKU's units shipped).
- Time to settle: for returns settled in the period, received -> settled and requested -> settled,
  median (the middle value, or the mean of the two middle ones) and p90 (nearest rank: the smallest
  value with at least 90 % of the values at or below it).
- Inspection shares: of the units received in the period, how many were restocked, sent to
  refurbishment and scrapped (each unit has exactly one outcome, so the three shares add up to one).
- Value to give back: what settling a return would post, the same units' share of each line that
  services/return_settlement.py gives back, against what the line still carries.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from overture.domain.charging import Why, units_back
from overture.domain.money import from_minor
from overture.domain.money.ledger import Ledger
from overture.domain.returns import Outcome


@dataclass(frozen=True, slots=True)
class Period:
    since: datetime
    until: datetime
    days: int  # the days asked for
    store_started: datetime | None  # the first order's time; None: no orders yet

    @property
    def clipped(self) -> bool:
        """The store is younger than the period asked for: the period starts at its first order."""
        return self.store_started is not None and self.store_started > self.until - timedelta(days=self.days)

    @property
    def length_days(self) -> float:
        return (self.until - self.since).total_seconds() / 86400


def period(now: datetime, days: int, store_started: datetime | None) -> Period:
    asked = now - timedelta(days=days)
    since = max(asked, store_started) if store_started is not None else asked
    return Period(since, now, days, store_started)


@dataclass(frozen=True, slots=True)
class Rate:
    label: str  # a reason or a SKU
    returned: int  # units
    shipped: int  # units

    @property
    def rate(self) -> float | None:
        return self.returned / self.shipped if self.shipped else None


def rates_by_reason(returned: Mapping[str, int], shipped_total: int) -> list[Rate]:
    """Each reason's units over every unit shipped, most returned first."""
    found = [Rate(reason, units, shipped_total) for reason, units in returned.items() if units]
    return sorted(found, key=lambda r: (-r.returned, r.label))


def rates_by_sku(returned: Mapping[str, int], shipped: Mapping[str, int], *, limit: int) -> list[Rate]:
    """Each returned SKU's units over its own units shipped, the highest rate first (none shipped: last)."""
    found = [Rate(sku, units, shipped.get(sku, 0)) for sku, units in returned.items() if units]
    found.sort(key=lambda r: (r.rate is None, -(r.rate or 0.0), -r.returned, r.label))
    return found[:limit]


@dataclass(frozen=True, slots=True)
class LeadTime:
    count: int
    median_s: float | None
    p90_s: float | None


def lead_time(seconds: Iterable[float]) -> LeadTime:
    values = sorted(seconds)
    if not values:
        return LeadTime(0, None, None)
    return LeadTime(len(values), float(statistics.median(values)), nearest_rank(values, 0.9))


def nearest_rank(ordered: Sequence[float], share: float) -> float:
    """The smallest value with at least ``share`` of the (sorted) values at or below it."""
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


@dataclass(frozen=True, slots=True)
class SettleTimes:
    received_to_settled: LeadTime
    requested_to_settled: LeadTime


def settle_times(settled: Iterable[tuple[datetime, datetime | None, datetime]]) -> SettleTimes:
    """``settled``: (requested_at, received_at or None, settled_at) of each return settled in the period;
    an exchange shipped at once may settle before its parcel is in, so it has no received -> settled."""
    rows = list(settled)
    received = [(s - r).total_seconds() for _, r, s in rows if r is not None]
    requested = [(s - q).total_seconds() for q, _, s in rows]
    return SettleTimes(lead_time(received), lead_time(requested))


@dataclass(frozen=True, slots=True)
class Inspection:
    received: int  # units inspected
    restocked: int
    refurbish: int  # sent to refurbishment
    scrapped: int
    refurbished: int  # of those sent, back and sellable already

    def share(self, units: int) -> float | None:
        return units / self.received if self.received else None


def inspection(lines: Iterable[tuple[Sequence[str], int]]) -> Inspection:
    """``lines``: each received line's outcomes (one per unit) and its refurbished count."""
    counts = dict.fromkeys(Outcome, 0)
    refurbished = 0
    for outcomes, done in lines:
        for outcome in outcomes:
            counts[Outcome(outcome)] += 1
        refurbished += done
    total = sum(counts.values())
    return Inspection(total, counts[Outcome.RESTOCK], counts[Outcome.REFURBISH], counts[Outcome.SCRAP], refurbished)


def value_back(ledger: Ledger, lines: Iterable[tuple[int, int]], carried: Mapping[int, int], at: datetime) -> Decimal:
    """What settling would give back for ``lines`` ((line_no, units)): each line's units' share of what it
    still carries, ``carried[line_no]`` being the units it carries (its quantity less settled returns)."""
    why = Why("value", "dashboard", at)
    total = 0
    for line_no, units in lines:
        of = carried.get(line_no, 0)
        if of > 0:
            total -= sum(e.amount for e in units_back(ledger, line_no, units=min(units, of), of=of, why=why))
    return from_minor(total, ledger.currency)


@dataclass(frozen=True, slots=True)
class ReturnKpis:
    period: Period
    shipped: int  # units shipped in the period
    returned: int  # units asked back in the period (rejected returns left out)
    by_reason: list[Rate]
    by_sku: list[Rate]
    settle: SettleTimes
    inspected: Inspection

    @property
    def rate(self) -> float | None:
        return self.returned / self.shipped if self.shipped else None


def return_kpis(
    at: Period,
    *,
    returned: Mapping[tuple[str, str], int],
    shipped: Mapping[str, int],
    settled: Iterable[tuple[datetime, datetime | None, datetime]],
    received: Iterable[tuple[Sequence[str], int]],
    sku_limit: int = 20,
) -> ReturnKpis:
    """``returned``: units asked back by (reason, SKU); ``shipped``: units shipped by SKU."""
    by_reason: dict[str, int] = {}
    by_sku: dict[str, int] = {}
    for (reason, sku), units in returned.items():
        by_reason[reason] = by_reason.get(reason, 0) + units
        by_sku[sku] = by_sku.get(sku, 0) + units
    total = sum(shipped.values())
    return ReturnKpis(
        at,
        total,
        sum(by_reason.values()),
        rates_by_reason(by_reason, total),
        rates_by_sku(by_sku, shipped, limit=sku_limit),
        settle_times(settled),
        inspection(received),
    )


@dataclass(frozen=True, slots=True)
class ReturnQueueFilter:
    """The returns queue's filter: ``status`` None is every status; ages in days since the request."""

    status: str | None = None
    reason: str | None = None
    settlement: str | None = None
    older_than_days: float | None = None
    younger_than_days: float | None = None
    after: tuple[datetime, str] | None = None  # the next page: rows older than this (requested_at, id)
    before: tuple[datetime, str] | None = None  # the previous page: rows newer than this
    limit: int = 25
