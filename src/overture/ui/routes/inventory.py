"""The inventory page: one SKU's positions, reservations, channel availability, backorders and supply."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from overture.ui.routes.common import page, page_router
from overture.web.deps import ContainerDep

router = page_router()


@router.get("/inventory", response_class=HTMLResponse)
def inventory_page(
    request: Request, container: ContainerDep, sku: Annotated[str, Query(max_length=64)] = ""
) -> HTMLResponse:
    context: dict[str, Any] = {"page": "inventory", "sku": sku, "item": None, "reservations": []}
    if sku:
        item = container.views.inventory(sku)
        if item is None:
            context["error"] = f"sku: no SKU {sku!r}"
            return page(request, "inventory.html", context, status_code=404)
        context["item"] = item
        reads = container.dashboard
        context["reservations"] = reads.open_reservations(sku)
        context["channels"] = reads.channel_availability(sku)
        context["backorders"] = reads.backorders(sku)
        context["supply"] = reads.open_supply(sku)
    return page(request, "inventory.html", context)
