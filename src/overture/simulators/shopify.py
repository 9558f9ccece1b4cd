"""A simulated Shopify store's inventory levels: keeps the last level per item and location, with faults.

Routes (operation names for ``POST /_faults`` and ``GET /_stats`` in brackets)::

    POST /admin/api/2024-10/inventory_levels/set.json  [inventory_levels_set]
         {"location_id", "inventory_item_id", "available"} -> {"inventory_level": {...}}
    GET  /_levels   the last level per item and location, and how many sets were received
    POST /admin/api/<version>/graphql.json  fulfilments (simulators/shopify_admin.py, with its own controls)
    plus the control routes of :mod:`overture.simulators.common`.

Every accepted set is also appended to ``ShopifyLevels.history`` with the ``time.monotonic()`` at
which it arrived, so an in-process benchmark can measure publish-to-channel lag.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from overture.connectors.shopify_inventory import SET_LEVEL_PATH
from overture.simulators.common import SimulatorCore, install_control_routes
from overture.simulators.shopify_admin import ShopifyAdmin, install_admin_graphql


class InventoryLevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location_id: int = Field(gt=0)
    inventory_item_id: int = Field(gt=0)
    available: int
    disconnect_if_necessary: bool = False


@dataclass(frozen=True)
class LevelSet:
    received_at: float  # time.monotonic()
    inventory_item_id: int
    location_id: int
    available: int


@dataclass
class ShopifyLevels:
    """What the store holds: the last level per (item, location), and every set in arrival order."""

    levels: dict[tuple[int, int], int] = field(default_factory=dict)
    history: list[LevelSet] = field(default_factory=list)

    def set_level(self, body: dict[str, Any]) -> dict[str, Any]:
        data = InventoryLevelIn.model_validate(body)
        self.history.append(LevelSet(time.monotonic(), data.inventory_item_id, data.location_id, data.available))
        self.levels[(data.inventory_item_id, data.location_id)] = data.available
        level = {
            "inventory_item_id": data.inventory_item_id,
            "location_id": data.location_id,
            "available": data.available,
            "updated_at": datetime.now(UTC).isoformat(),
        }
        return {"inventory_level": level}

    def reset(self) -> None:
        self.levels.clear()
        self.history.clear()


def create_shopify_app(levels: ShopifyLevels | None = None, admin: ShopifyAdmin | None = None) -> FastAPI:
    store = levels if levels is not None else ShopifyLevels()
    shop = admin if admin is not None else ShopifyAdmin()
    core = SimulatorCore("shopify")
    app = FastAPI(title="Shopify simulator")
    app.state.levels = store
    app.state.admin = shop
    app.state.core = core
    reset_admin = install_admin_graphql(app, core, shop)

    @app.post(SET_LEVEL_PATH)
    async def set_level(request: Request) -> Response:
        response = await core.handle(request, "inventory_levels_set", store.set_level)
        # Shopify answers a set with 200, not 201.
        if response.status_code == 201:
            response.status_code = 200
        return response

    @app.get("/_levels")
    async def current_levels() -> dict[str, Any]:
        listed = [
            {"inventory_item_id": item, "location_id": location, "available": units}
            for (item, location), units in sorted(store.levels.items())
        ]
        return {"levels": listed, "sets": len(store.history)}

    def reset() -> None:
        store.reset()
        reset_admin()

    install_control_routes(app, core, on_reset=reset)
    return app
