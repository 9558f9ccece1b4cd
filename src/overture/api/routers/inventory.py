"""Catalogue, locations and the inventory ledger."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from overture.api.routers.supply import allocated_json, signal_filled
from overture.domain.inventory import InventoryPosition, Location, LocationKind, Sku, SupplierTransport
from overture.domain.parties import Address
from overture.domain.sourcing import SourcingConfig, StrategyName
from overture.services import inventory as use_cases
from overture.services import locations, simulation, sourcing
from overture.services.errors import ErrorCode, InvalidRequest, NotFound
from overture.web.auth import ChangedBy
from overture.web.bounds import MAX_UNITS
from overture.web.deps import ContainerDep
from overture.web.responses import Json

router = APIRouter(prefix="/v1", tags=["inventory"])
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocationIn(_Strict):
    id: Code
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    kind: LocationKind = LocationKind.WAREHOUSE
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)] = ""
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "US"
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    capabilities: list[Code] = []
    priority: Annotated[int, Field(ge=0, le=10_000)] = 100
    active: bool = True
    ship_by_hours: Annotated[
        float, Field(gt=0, le=24 * 90, description="Hours from release to shipment before an SLA breach")
    ] = 48
    daily_capacity: (
        Annotated[int, Field(ge=0, le=MAX_UNITS, description="Orders it can ship a day (sourcing); none: no limit")]
        | None
    ) = None
    cutoff_utc: Annotated[time, Field(description="Orders placed after this UTC time ship the next day")] | None = None
    supplier_partner_id: (
        Annotated[Code, Field(description="Drop-ship: the trading partner (PUT /v1/partners) that fulfils it")] | None
    ) = None
    supplier_transport: Annotated[
        SupplierTransport, Field(description="Drop-ship: x12 (an 850, then their 855/856) or api (their HTTP endpoint)")
    ] = SupplierTransport.X12
    supplier_url: (
        Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=500), Field(description="For api")]
        | None
    ) = None


class LocationPatchIn(_Strict):
    """The operating settings of a location; only the fields sent change (null: no limit / no cut-off)."""

    priority: Annotated[int, Field(ge=0, le=10_000)] | None = None
    active: bool | None = None
    ship_by_hours: Annotated[float, Field(gt=0, le=24 * 90)] | None = None
    daily_capacity: (
        Annotated[int, Field(ge=0, le=MAX_UNITS, description="Orders it can ship a day; null: no limit")] | None
    ) = None
    cutoff_utc: Annotated[time, Field(description="UTC; null: orders ship the day they are placed")] | None = None

    def edit(self) -> locations.LocationEdit:
        sent = self.model_fields_set
        for name in ("priority", "active", "ship_by_hours"):
            if name in sent and getattr(self, name) is None:
                raise InvalidRequest(name, "must not be null", ErrorCode.REQUIRED)
        hours = self.ship_by_hours
        return locations.LocationEdit(
            priority=self.priority if self.priority is not None else locations.KEEP,
            active=self.active if self.active is not None else locations.KEEP,
            ship_by_seconds=round(hours * 3600) if hours is not None else locations.KEEP,
            daily_capacity=self.daily_capacity if "daily_capacity" in sent else locations.KEEP,
            cutoff_utc=self.cutoff_utc if "cutoff_utc" in sent else locations.KEEP,
        )


class SkuIn(_Strict):
    sku: Code
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    unit_of_measure: Annotated[str, StringConstraints(min_length=1, max_length=8)] = "EA"
    weight_kg: Annotated[float, Field(ge=0)] | None = None
    serialized: bool = False
    unit_cost: (
        Annotated[
            Decimal, Field(ge=0, max_digits=18, decimal_places=6, description="What one unit costs us (margin checks)")
        ]
        | None
    ) = None
    hazmat: bool = False
    oversize: bool = False


class ZoneIn(_Strict):
    max_km: Annotated[float, Field(gt=0, description="Upper bound of the band; none for the last zone")] | None
    base: Annotated[float, Field(ge=0)]
    per_kg: Annotated[float, Field(ge=0)]
    transit_days: Annotated[int, Field(ge=0, le=60)]


_DEFAULTS = SourcingConfig().to_document()


class SourcingSettingsIn(_Strict):
    default_strategy: StrategyName = StrategyName.COST
    strategies: dict[Code, StrategyName] = Field(default_factory=dict, description="Strategy by channel")
    rate_table: Annotated[list[ZoneIn], Field(min_length=1, max_length=50)] = Field(
        default_factory=lambda: [ZoneIn(**z) for z in _DEFAULTS["rate_table"]]
    )
    handling_by_kind: dict[LocationKind, Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: {LocationKind(k): v for k, v in _DEFAULTS["handling_by_kind"].items()}
    )
    split_penalty: Annotated[float, Field(ge=0)] = _DEFAULTS["split_penalty"]
    priority_weight: Annotated[float, Field(ge=0)] = _DEFAULTS["priority_weight"]


class ReceiptIn(_Strict):
    sku: Code
    location_id: Code
    quantity: Annotated[int, Field(strict=True, gt=0, le=MAX_UNITS)]
    reason: Annotated[str, StringConstraints(max_length=500)] = "receipt"
    reference: Annotated[str, StringConstraints(max_length=255)] = ""


class AdjustmentIn(_Strict):
    sku: Code
    location_id: Code
    quantity: Annotated[int, Field(strict=True, ge=-MAX_UNITS, le=MAX_UNITS, description="Signed change to on hand")]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    reference: Annotated[str, StringConstraints(max_length=255)] = ""


class ReceiptsIn(_Strict):
    entries: Annotated[list[ReceiptIn], Field(min_length=1, max_length=20_000)]


class AdjustmentsIn(_Strict):
    entries: Annotated[list[AdjustmentIn], Field(min_length=1, max_length=20_000)]


class SafetyStockIn(_Strict):
    safety_stock: Annotated[int, Field(strict=True, ge=0, le=MAX_UNITS)]


def _position(p: InventoryPosition) -> dict[str, object]:
    return {
        "sku": p.sku,
        "location_id": p.location_id,
        "on_hand": p.on_hand,
        "reserved": p.reserved,
        "safety_stock": p.safety_stock,
        "available": p.available,
    }


def _to_location(body: LocationIn, container: ContainerDep) -> Location:
    if body.supplier_transport is SupplierTransport.API and body.supplier_partner_id and not body.supplier_url:
        raise InvalidRequest("supplier_url", "an api supplier needs the URL of its endpoint", ErrorCode.REQUIRED)
    latitude, longitude = body.latitude, body.longitude
    if latitude is None or longitude is None:
        if not body.postal_code:
            raise InvalidRequest(
                "postal_code", "give latitude and longitude, or a postal code to locate", ErrorCode.REQUIRED
            )
        point = container.geocoder.locate(Address(body.postal_code, body.country))
        if point is None:
            raise InvalidRequest("postal_code", f"cannot locate postal code {body.postal_code!r} in {body.country}")
        latitude, longitude = point.latitude, point.longitude
    return Location(
        id=body.id,
        name=body.name,
        latitude=latitude,
        longitude=longitude,
        kind=body.kind,
        postal_code=body.postal_code,
        country=body.country,
        capabilities=frozenset(body.capabilities),
        priority=body.priority,
        active=body.active,
        ship_by_seconds=round(body.ship_by_hours * 3600),
        daily_capacity=body.daily_capacity,
        cutoff_utc=body.cutoff_utc,
        supplier_partner_id=body.supplier_partner_id,
        supplier_transport=body.supplier_transport,
        supplier_url=body.supplier_url,
    )


@router.post("/locations", status_code=201)
async def create_location(body: LocationIn, container: ContainerDep, actor: ChangedBy) -> Json:
    """Add a warehouse, store, 3PL, drop-ship partner or seller. Coordinates come from the postal code if not given."""
    location = _to_location(body, container)
    await run_in_threadpool(use_cases.add_location, container.uow, location, clock=container.clock, actor=actor)
    return Json({"id": location.id, "latitude": location.latitude, "longitude": location.longitude}, status_code=201)


@router.get("/locations")
def list_locations(container: ContainerDep) -> Json:
    return Json({"items": container.views.locations()})


@router.patch("/locations/{location_id}")
async def update_location(location_id: str, body: LocationPatchIn, container: ContainerDep, actor: ChangedBy) -> Json:
    """Change a location's capacity, cut-off, ship-by hours, priority or active flag (the change log keeps before
    and after); orders placed from now on are routed with them."""
    updated = await run_in_threadpool(
        partial(locations.update_location, clock=container.clock, actor=actor), container.uow, location_id, body.edit()
    )
    return Json(location_json(updated))


def location_json(location: Location) -> dict[str, object]:
    return {
        "id": location.id,
        "name": location.name,
        "priority": location.priority,
        "active": location.active,
        "ship_by_hours": location.ship_by_seconds / 3600,
        "daily_capacity": location.daily_capacity,
        "cutoff_utc": None if location.cutoff_utc is None else location.cutoff_utc.strftime("%H:%M"),
    }


@router.post("/skus", status_code=200)
async def upsert_skus(
    body: Annotated[list[SkuIn], Field(min_length=1, max_length=20_000)], container: ContainerDep, actor: ChangedBy
) -> Json:
    """Create or update SKUs in bulk (all or none)."""
    items = [
        Sku(s.sku, s.description, s.unit_of_measure, s.weight_kg, s.serialized, s.unit_cost, s.hazmat, s.oversize)
        for s in body
    ]
    count = await run_in_threadpool(use_cases.upsert_skus, container.uow, items, clock=container.clock, actor=actor)
    return Json({"upserted": count})


@router.post("/inventory/receipts", status_code=201)
async def receive(body: ReceiptsIn, request: Request, container: ContainerDep, actor: ChangedBy) -> Json:
    """Book receipts into the ledger (all entries or none); backorders of the SKUs received are filled."""
    entries = [use_cases.StockEntry(e.sku, e.location_id, e.quantity, e.reason, e.reference) for e in body.entries]
    count, allocated = await run_in_threadpool(
        use_cases.receive_and_allocate, container.uow, entries, clock=container.clock, actor=actor
    )
    await signal_filled(request, allocated.completed)
    # Backorder fields only when the receipt filled some, so a plain receipt answers as before.
    filled = allocated_json(allocated) if allocated.completed or allocated.partly_filled else {}
    return Json({"received": count, **filled}, status_code=201)


@router.post("/inventory/adjustments", status_code=201)
async def adjust(body: AdjustmentsIn, container: ContainerDep, actor: ChangedBy) -> Json:
    """Signed corrections with a reason; refused (409) where on hand would fall below reserved."""
    entries = [use_cases.StockEntry(e.sku, e.location_id, e.quantity, e.reason, e.reference) for e in body.entries]
    positions = await run_in_threadpool(use_cases.adjust, container.uow, entries, clock=container.clock, actor=actor)
    return Json({"positions": [_position(p) for p in positions]}, status_code=201)


@router.put("/inventory/{sku}/locations/{location_id}/safety-stock")
async def set_safety_stock(
    sku: str, location_id: str, body: SafetyStockIn, container: ContainerDep, actor: ChangedBy
) -> Json:
    position = await run_in_threadpool(
        partial(use_cases.set_safety_stock, clock=container.clock, actor=actor),
        container.uow,
        sku,
        location_id,
        body.safety_stock,
    )
    return Json(_position(position))


@router.get("/inventory/{sku}")
def get_inventory(sku: str, container: ContainerDep) -> Json:
    """Per-location on hand, reserved, safety stock and available, with totals and recent ledger entries."""
    view = container.views.inventory(sku)
    if view is None:
        raise NotFound(f"no SKU {sku!r}")
    return Json(view)


@router.get("/sourcing/settings")
async def get_sourcing_settings(container: ContainerDep) -> Json:
    """Which strategy routes each channel, the carrier rate table, handling by location kind, split penalty."""
    config = await run_in_threadpool(sourcing.settings, container.uow)
    return Json(config.to_document())


@router.put("/sourcing/settings")
async def put_sourcing_settings(body: SourcingSettingsIn, container: ContainerDep, actor: ChangedBy) -> Json:
    """Replace the sourcing settings; orders placed from now on are routed with them."""
    try:
        config = SourcingConfig.from_document(body.model_dump(mode="json"))
    except ValueError as error:
        raise InvalidRequest("rate_table", str(error)) from error
    await run_in_threadpool(sourcing.save_settings, container.uow, config, clock=container.clock, actor=actor)
    return Json(config.to_document())


@router.get("/sourcing/simulations")
async def simulate_sourcing(
    container: ContainerDep,
    strategy: str,
    since: str,
    until: str | None = None,
    examples: Annotated[int, Query(ge=0, le=100, description="How many of the orders that differ most")] = 5,
) -> Json:
    """Re-run ``strategy`` over the orders routed in ``[since, until)`` against the stock each saw, beside what
    was chosen: orders, cost, shipments, split orders, km, on-time rate, differing orders, the largest changes."""
    name = simulation.strategy_named(strategy)
    start = simulation.parse_moment("since", since)
    end = None if until is None else simulation.parse_moment("until", until)
    report = await run_in_threadpool(
        simulation.simulate, container.uow, name, since=start, until=end, examples=examples
    )
    return Json(report.as_dict())
