"""A simulated WMS/3PL: releases, cancellations, shipments by webhook or polling, and faults.

Routes (operation names for ``POST /_faults`` and ``GET /_stats`` in brackets)::

    POST /v1/releases           [release]    record a release -> {"release_id": "WR-3F9A1C-000001"}
    POST /v1/releases/cancel    [cancel]     -> {"outcome": "cancelled" | "already_shipped" | "not_found"}
    GET  /v1/shipments?after=N  [shipments]  -> {"notices": [...]}
    POST /_config   {"auto_ship": bool, "ship_delay_s": float, "overture_url": str}
    POST /_ship     {"order_id", "location_id"}   ship now (when auto_ship is off, or to hurry)
    GET  /_records  releases and notices, for tests that check "exactly one release"
    plus the control routes of :mod:`overture.simulators.common`.

Shipment webhooks appear in ``GET /_stats`` as ``shipment_webhook`` (calls, delivered, failed,
and attempts per shipment id).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from overture.simulators.common import Rejected, SimulatorCore, install_control_routes
from overture.simulators.warehouse import Warehouse


class ConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    auto_ship: bool | None = None
    ship_delay_s: float | None = Field(None, ge=0)
    overture_url: str | None = None


class ShipIn(BaseModel):
    order_id: str = Field(min_length=1)
    location_id: str = Field(min_length=1)


def create_wms_app(
    *,
    ship_delay_s: float = 0.05,
    overture_url: str | None = None,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The simulator app; ``webhook_transport`` replaces the network for shipment webhooks (tests)."""
    core = SimulatorCore("wms")
    warehouse = Warehouse(
        core.faults, ship_delay_s=ship_delay_s, overture_url=overture_url, webhook_transport=webhook_transport
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await warehouse.aclose()

    app = FastAPI(title="Overture WMS simulator", lifespan=lifespan)
    app.state.core = core
    app.state.warehouse = warehouse

    @app.post("/v1/releases")
    async def release(request: Request) -> Response:
        key = request.headers.get("Idempotency-Key")
        return await core.handle(request, "release", lambda body: warehouse.release(body, idempotency_key=key))

    @app.post("/v1/releases/cancel")
    async def cancel(request: Request) -> Response:
        return await core.handle(request, "cancel", warehouse.cancel)

    @app.get("/v1/shipments")
    async def shipments(
        request: Request, after: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000)
    ) -> Response:
        faulted = await core.guard(request, "shipments")
        if faulted is not None:
            return faulted
        return JSONResponse({"notices": [n.to_json() for n in warehouse.notices_after(after, limit=limit)]})

    @app.post("/_config")
    async def configure(config: ConfigIn) -> dict[str, Any]:
        warehouse.configure(
            auto_ship=config.auto_ship, ship_delay_s=config.ship_delay_s, overture_url=config.overture_url
        )
        return warehouse.config()

    @app.get("/_config")
    async def get_config() -> dict[str, Any]:
        return warehouse.config()

    @app.post("/_ship")
    async def ship(target: ShipIn) -> Response:
        try:
            notice = warehouse.ship_now(target.order_id, target.location_id)
        except Rejected as error:
            return JSONResponse({"error": error.code, "message": str(error)}, status_code=error.status)
        return JSONResponse(notice.to_json())

    @app.get("/_records")
    async def records() -> dict[str, Any]:
        return {
            "releases": [r.to_json() for r in warehouse.releases],
            "notices": [n.to_json() for n in warehouse.notices],
        }

    install_control_routes(
        app,
        core,
        on_reset=warehouse.reset,
        extra_stats=lambda: {"shipment_webhook": warehouse.webhooks.stats.snapshot()},
    )
    return app
