"""The carrier's live rates as the routing cost: the sourcing rate table (per distance zone, a base and a
price per kg) fitted to what the carrier quotes on real lanes from our locations.

Routing prices every candidate at capture from the rate table, in the capture's transaction; asking the
carrier there would put a network call on every order's path. So the carrier is asked here, ahead of
time: for each active location and each sample destination (``LANES``, ZIP codes spread over the
country), two parcel weights; each quote is the cheapest rate of the lane. Quotes are grouped by the zone
their lane's distance falls in, and each zone's ``base`` and ``per_kg`` are the least-squares line through
its (weight, price) points; ``transit_days`` are kept. A zone no lane falls in keeps its values, and the
result says which zones were fitted from how many quotes. Saving it is a sourcing settings change like
any other (``sourcing.saved`` in the change log), so the next orders are routed on the carrier's prices.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from overture.domain.inventory import Location
from overture.domain.parties import Address
from overture.domain.routing import GeoPoint, great_circle_km
from overture.domain.sourcing.model import SourcingConfig
from overture.services import sourcing
from overture.services.ports import Clock, Geocoder, UnitOfWorkFactory
from overture.services.ports.carrier import CarrierRates

# Sample destinations: (ZIP, state), from the north-east to the west coast and Alaska.
LANES: tuple[tuple[str, str], ...] = (
    ("10001", "NY"), ("02108", "MA"), ("19103", "PA"), ("30303", "GA"), ("33131", "FL"), ("60601", "IL"),
    ("48226", "MI"), ("55401", "MN"), ("63101", "MO"), ("75201", "TX"), ("77002", "TX"), ("80202", "CO"),
    ("85004", "AZ"), ("84101", "UT"), ("98101", "WA"), ("97204", "OR"), ("94105", "CA"), ("90012", "CA"),
    ("99501", "AK"),
)  # fmt: skip
WEIGHTS_OZ = (Decimal(16), Decimal(80))  # 1 lb and 5 lb: two points make each zone's line
OZ_PER_KG = Decimal("35.27396195")


@dataclass(frozen=True)
class Quote:
    location_id: str
    zip_code: str
    distance_km: float
    weight_kg: float
    price: float  # the lane's cheapest rate


@dataclass(frozen=True)
class Calibration:
    config: SourcingConfig
    quotes: tuple[Quote, ...]
    fitted: dict[int, int]  # zone index -> quotes it was fitted from

    def summary(self) -> str:
        zones = ", ".join(
            f"zone {i + 1} (to {z.max_km or 'any'} km): {z.base:.2f} + {z.per_kg:.2f}/kg from {self.fitted[i]} quotes"
            for i, z in enumerate(self.config.rate_table)
            if i in self.fitted
        )
        return f"{len(self.quotes)} quotes; {zones or 'no zone fitted'}"


async def quotes(carrier: CarrierRates, locations: Sequence[Location], geocoder: Geocoder) -> list[Quote]:
    """The cheapest rate of every lane from ``locations`` to ``LANES`` at each of ``WEIGHTS_OZ``."""
    found: list[Quote] = []
    for location in locations:
        origin = GeoPoint(location.latitude, location.longitude)
        ship_from = {"name": location.name, "zip": location.postal_code, "country": location.country}
        for zip_code, state in LANES:
            point = geocoder.locate(Address(zip_code, "US"))
            if point is None:
                continue
            ship_to = {"zip": zip_code, "state": state, "country": "US"}
            for weight in WEIGHTS_OZ:
                rates = await carrier.rates(ship_from=ship_from, ship_to=ship_to, parcel_weight_oz=weight)
                cheapest = min(rate.amount for rate in rates)
                kg = float(weight / OZ_PER_KG)
                found.append(Quote(location.id, zip_code, great_circle_km(origin, point), kg, float(cheapest)))
    return found


def fitted(config: SourcingConfig, found: Sequence[Quote]) -> Calibration:
    """``config`` with each zone that has quotes fitted to them (least squares: price = base + per_kg x kg)."""
    by_zone: dict[int, list[Quote]] = {}
    for quote in found:
        zone = config.zone(quote.distance_km)
        by_zone.setdefault(config.rate_table.index(zone), []).append(quote)
    table = list(config.rate_table)
    counts: dict[int, int] = {}
    for index, points in by_zone.items():
        line = _line([q.weight_kg for q in points], [q.price for q in points])
        if line is None:
            continue
        base, per_kg = line
        table[index] = replace(table[index], base=round(max(base, 0.0), 2), per_kg=round(max(per_kg, 0.0), 4))
        counts[index] = len(points)
    return Calibration(replace(config, rate_table=tuple(table)), tuple(found), counts)


def _line(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float] | None:
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None  # one weight only: no slope to fit
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return mean_y - slope * mean_x, slope


async def calibrate(
    uow_factory: UnitOfWorkFactory,
    carrier: CarrierRates,
    geocoder: Geocoder,
    location_ids: Sequence[str],
    *,
    clock: Clock,
    actor: str,
    save: bool = True,
) -> Calibration:
    """Fit the rate table to the carrier's quotes from those of ``location_ids`` that are active; saved
    unless ``save`` is False."""
    config, locations = await asyncio.to_thread(_config_and_locations, uow_factory, location_ids)
    calibration = fitted(config, await quotes(carrier, locations, geocoder))
    if save and calibration.fitted:
        await asyncio.to_thread(sourcing.save_settings, uow_factory, calibration.config, clock=clock, actor=actor)
    return calibration


def _config_and_locations(
    uow_factory: UnitOfWorkFactory, location_ids: Sequence[str]
) -> tuple[SourcingConfig, list[Location]]:
    with uow_factory(readonly=True) as uow:
        active = [loc for loc in uow.sourcing.locations(set(location_ids)).values() if loc.active]
        return uow.sourcing.config(), sorted(active, key=lambda loc: loc.id)
