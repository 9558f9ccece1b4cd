"""What ``overture load`` sends: the master data it seeds (warehouses, catalogue, ample stock) and
order bodies for ``POST /v1/orders`` drawn from the mix (channel weights, lines per order, Zipf SKUs).

The catalogue, warehouses and addresses are the demo's (``overture.demo.data``), so a load run looks
like the demo's traffic; the stock is ample on purpose, so a run measures the hub, not shortages.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from overture.demo.data import WAREHOUSES, AddressBook, CatalogueItem, catalogue
from overture.load.mix import Mix
from overture.reference.zcta import ZctaGeocoder

STOCK_SITES = 3
_FIRST = ("James", "Mary", "Robert", "Patricia", "John", "Linda", "Wei", "Aisha", "Carlos", "Priya")
_LAST = ("Smith", "Johnson", "Garcia", "Miller", "Nguyen", "Kim", "Patel", "Lee", "Walker", "Davis")


@dataclass(frozen=True, slots=True)
class MasterData:
    """The bodies of the seeding requests: POST /v1/locations (each), /v1/skus, /v1/inventory/receipts."""

    locations: list[dict[str, Any]]
    skus: list[dict[str, Any]]
    receipts: list[dict[str, Any]]


class OrderMaker:
    """Order bodies from one seeded generator: the same mix and seed give the same orders."""

    def __init__(self, mix: Mix, *, run_id: str, units_per_sku: int = 100_000) -> None:
        self._mix = mix
        self._rng = random.Random(mix.seed)
        self._run_id = run_id
        self._units = units_per_sku
        items = catalogue(mix.skus, self._rng)
        self.ranked: list[CatalogueItem] = self._rng.sample(items, len(items))  # best sellers spread out
        self._cum = list(itertools.accumulate(1 / rank**mix.zipf_exponent for rank in range(1, len(self.ranked) + 1)))
        geocoder = ZctaGeocoder()
        self._zips = sorted(geocoder.zip_codes())
        self._addresses = AddressBook(geocoder)
        self._channels = list(mix.channels)
        self._channel_weights = list(mix.channels.values())
        self._line_counts = list(mix.lines)
        self._line_weights = list(mix.lines.values())

    def master_data(self) -> MasterData:
        locations = [
            {"id": code, "name": name, "postal_code": zip_code, "priority": priority}
            for code, name, zip_code, priority in WAREHOUSES
        ]
        skus = [{"sku": i.sku, "description": i.description, "weight_kg": i.weight_kg} for i in self.ranked]
        sites = [w[0] for w in WAREHOUSES]
        receipts = [
            {"sku": i.sku, "location_id": site, "quantity": self._units, "reason": "load test stock"}
            for n, i in enumerate(self.ranked)
            for site in _rotate(sites, n)[:STOCK_SITES]
        ]
        return MasterData(locations, skus, receipts)

    def order(self, n: int) -> dict[str, Any]:
        """The body of the ``n``-th order of this run (its external id names the run, so runs never collide)."""
        rng = self._rng
        channel = rng.choices(self._channels, weights=self._channel_weights)[0]
        wanted = min(rng.choices(self._line_counts, weights=self._line_weights)[0], len(self.ranked))
        items: dict[str, CatalogueItem] = {}
        while len(items) < wanted:
            item = rng.choices(self.ranked, cum_weights=self._cum)[0]
            items[item.sku] = item
        number = rng.randrange(10_000)
        name = f"{_FIRST[number % len(_FIRST)]} {_LAST[number // len(_FIRST) % len(_LAST)]}"
        return {
            "channel": channel,
            "external_id": f"LOAD-{self._run_id}-{n:07d}",
            "customer": {"reference": f"LOAD-CUST-{number:05d}", "name": name, "email": f"load{number}@example.com"},
            "ship_to": self._addresses.address(rng.choice(self._zips), name, rng),
            "currency": "USD",
            "lines": [
                {"sku": i.sku, "quantity": rng.choices((1, 2, 3), weights=(86, 11, 3))[0], "unit_price": str(i.price)}
                for i in items.values()
            ],
        }

    def follow_up(self) -> str | None:
        """What happens to the next order after capture: "cancel", "edit", "return", or None (nothing)."""
        draw, mix = self._rng.random(), self._mix
        for action, share in (("cancel", mix.cancel_share), ("edit", mix.edit_share), ("return", mix.return_share)):
            if draw < share:
                return action
            draw -= share
        return None


def _rotate(items: Sequence[str], by: int) -> list[str]:
    start = by % len(items)
    return [*items[start:], *items[:start]]
