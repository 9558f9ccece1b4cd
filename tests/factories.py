"""Builders for test data: locations, SKUs, stock and order payloads."""

from __future__ import annotations

import itertools
from typing import Any

from overture.bootstrap import Container
from overture.domain.inventory import Location, Sku
from overture.services import inventory

_external_ids = itertools.count(1)

# Real places, so distances mean something: (id, name, zip, lat, lon).
WAREHOUSES = [
    ("EWR", "Newark NJ", "07102", 40.7357, -74.1736),
    ("ATL", "Atlanta GA", "30303", 33.7525, -84.3915),
    ("ORD", "Chicago IL", "60607", 41.8721, -87.6578),
    ("DFW", "Dallas TX", "75201", 32.7876, -96.7994),
    ("LAX", "Los Angeles CA", "90021", 34.0290, -118.2379),
]


def add_locations(container: Container, ids: list[str] | None = None) -> list[str]:
    chosen = [w for w in WAREHOUSES if ids is None or w[0] in ids]
    for code, name, zip_code, lat, lon in chosen:
        location = Location(id=code, name=name, latitude=lat, longitude=lon, postal_code=zip_code)
        inventory.add_location(container.uow, location, clock=container.clock)
    return [w[0] for w in chosen]


def add_skus(container: Container, *skus: str) -> None:
    inventory.upsert_skus(container.uow, [Sku(s) for s in skus], clock=container.clock)


def stock(container: Container, sku: str, location_id: str, quantity: int) -> None:
    inventory.receive(
        container.uow, [inventory.StockEntry(sku, location_id, quantity, "test stock")], clock=container.clock
    )


def order_payload(
    *lines: tuple[str, int], zip_code: str = "10001", channel: str = "web", **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": channel,
        "external_id": f"T-{next(_external_ids)}",
        "customer": {"reference": "C-1", "name": "Ann Buyer", "email": "ann@example.com"},
        "ship_to": {
            "name": "Ann Buyer",
            "line1": "1 Main St",
            "city": "New York",
            "region": "NY",
            "postal_code": zip_code,
            "country": "US",
        },
        "currency": "USD",
        "lines": [{"sku": sku, "quantity": quantity, "unit_price": "9.99"} for sku, quantity in lines],
    }
    body.update(overrides)
    return body
