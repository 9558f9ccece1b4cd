"""What a sourcing strategy sees: the lines, the ship-to point, every location's facts, the cost model.

Pure data, standard library only. ``SourcingConfig`` round-trips through a plain JSON document
(``to_document`` / ``from_document``) so it can be stored and edited as settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from typing import Any

from overture.domain.inventory import Location
from overture.domain.routing import GeoPoint


class Constraint(StrEnum):
    """The hard constraints; a candidate that breaks one is rejected whatever it would cost."""

    STOCK = "stock"
    CAPABILITY = "capability"
    CAPACITY = "capacity"
    PROMISE_DATE = "promise_date"


class StrategyName(StrEnum):
    COST = "cost"
    NEAREST = "nearest"
    FEWEST_SPLITS = "fewest_splits"
    PRIORITY_LIST = "priority_list"


HAZMAT = "hazmat"
OVERSIZE = "oversize"


@dataclass(frozen=True, slots=True)
class SourcingLine:
    line_no: int
    sku: str
    quantity: int
    unit_weight_kg: float = 0.0
    hazmat: bool = False
    oversize: bool = False

    @property
    def needs(self) -> frozenset[str]:
        """Capabilities a location must have to ship this line."""
        return frozenset(name for name, flag in ((HAZMAT, self.hazmat), (OVERSIZE, self.oversize)) if flag)


@dataclass(frozen=True, slots=True)
class SourcingSite:
    """One location as routing sees it now: its stock, and what is left of today's capacity."""

    location: Location
    available: Mapping[str, int]
    capacity_left: int | None = None  # shipments it can still make today; None: unlimited
    cutoff_utc: time | None = None  # orders after this ship the next day; None: ships today


@dataclass(frozen=True, slots=True)
class Zone:
    """A distance band of the carrier rate table: up to ``max_km`` (None: beyond every other band)."""

    max_km: float | None
    base: float
    per_kg: float
    transit_days: int


DEFAULT_RATE_TABLE: tuple[Zone, ...] = (
    Zone(250, 6.0, 0.40, 1),
    Zone(800, 8.0, 0.60, 2),
    Zone(1_600, 10.0, 0.80, 3),
    Zone(3_000, 12.0, 1.00, 4),
    Zone(None, 15.0, 1.30, 5),
)
# Picking and packing one shipment: a store floor costs more than a warehouse line.
DEFAULT_HANDLING: Mapping[str, float] = {"warehouse": 1.0, "3pl": 1.5, "store": 3.0, "drop_ship": 2.0, "seller": 0.0}


@dataclass(frozen=True, slots=True)
class SourcingConfig:
    default_strategy: StrategyName = StrategyName.COST
    strategies: Mapping[str, StrategyName] = field(default_factory=dict)  # by channel
    rate_table: tuple[Zone, ...] = DEFAULT_RATE_TABLE
    handling_by_kind: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_HANDLING))
    split_penalty: float = 5.0  # per shipment beyond the first
    priority_weight: float = 0.01  # cost per priority point (a lower priority number is preferred)

    def __post_init__(self) -> None:
        if not self.rate_table or self.rate_table[-1].max_km is not None:
            raise ValueError("the rate table needs a last zone with no max_km")
        bounds = [z.max_km for z in self.rate_table[:-1]]
        if any(b is None for b in bounds) or bounds != sorted(bounds):  # type: ignore[type-var]
            raise ValueError("rate table zones must be in increasing max_km")

    def strategy_for(self, channel: str) -> StrategyName:
        return self.strategies.get(channel, self.default_strategy)

    def zone(self, distance_km: float | None) -> Zone:
        if distance_km is None:  # unknown ship-to: price it as the farthest zone
            return self.rate_table[-1]
        for zone in self.rate_table:
            if zone.max_km is None or distance_km <= zone.max_km:
                return zone
        return self.rate_table[-1]  # pragma: no cover (the last zone has no bound)

    def to_document(self) -> dict[str, Any]:
        return {
            "default_strategy": self.default_strategy.value,
            "strategies": {channel: s.value for channel, s in sorted(self.strategies.items())},
            "rate_table": [
                {"max_km": z.max_km, "base": z.base, "per_kg": z.per_kg, "transit_days": z.transit_days}
                for z in self.rate_table
            ],
            "handling_by_kind": dict(sorted(self.handling_by_kind.items())),
            "split_penalty": self.split_penalty,
            "priority_weight": self.priority_weight,
        }

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> SourcingConfig:
        default = cls()
        zones = document.get("rate_table")
        return cls(
            default_strategy=StrategyName(document.get("default_strategy", default.default_strategy)),
            strategies={str(k): StrategyName(v) for k, v in document.get("strategies", {}).items()},
            rate_table=default.rate_table if zones is None else tuple(_zone(z) for z in zones),
            handling_by_kind={str(k): float(v) for k, v in document.get("handling_by_kind", DEFAULT_HANDLING).items()},
            split_penalty=float(document.get("split_penalty", default.split_penalty)),
            priority_weight=float(document.get("priority_weight", default.priority_weight)),
        )


def _zone(entry: Mapping[str, Any]) -> Zone:
    max_km = entry.get("max_km")
    return Zone(
        None if max_km is None else float(max_km),
        float(entry["base"]),
        float(entry["per_kg"]),
        int(entry["transit_days"]),
    )


@dataclass(frozen=True, slots=True)
class SourcingRequest:
    lines: Sequence[SourcingLine]
    ship_to: GeoPoint | None
    sites: Sequence[SourcingSite]
    now: datetime
    promise_by: datetime | None = None  # latest acceptable delivery; None: no promise to keep
    config: SourcingConfig = field(default_factory=SourcingConfig)
