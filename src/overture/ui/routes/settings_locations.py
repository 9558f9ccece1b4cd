"""The locations page: every location's operating settings with an edit form each (through
services/locations.py, as ``PATCH /v1/locations/{id}``), what each holds at or below safety stock,
and a form setting one position's safety stock (services/inventory.py, as the API's PUT)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from overture.services import changes, inventory
from overture.services.errors import InvalidRequest, NotFound
from overture.services.locations import LocationEdit, parse_cutoff, update_location
from overture.ui.routes.common import fragment, page, page_router
from overture.ui.session import Actor
from overture.web.deps import ContainerDep

router = page_router()
Text = Annotated[str, Form(max_length=64)]


def _whole(name: str, text: str) -> int:
    """A whole number typed into the form field ``name``, or InvalidRequest naming it."""
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidRequest(name, f"{text.strip()!r} is not a whole number") from None


def _capacity(text: str) -> int | None:
    # Blank is a meaning of its own: no daily limit.
    return _whole("daily_capacity", text) if text.strip() else None


def _hours(text: str) -> int:
    try:
        return round(float(text.strip()) * 3600)
    except ValueError:
        raise InvalidRequest("ship_by_hours", f"{text.strip()!r} is not a number of hours") from None


def _row(container: ContainerDep, location_id: str) -> dict[str, Any] | None:
    found = container.dashboard.location_rows(container.clock())
    return next((r for r in found if r["id"] == location_id), None)


@router.get("/settings/locations", response_class=HTMLResponse)
def locations_page(request: Request, container: ContainerDep) -> HTMLResponse:
    context = {
        "page": "settings",
        "locations": container.dashboard.location_rows(container.clock()),
        "changes": changes.recent(container.uow, subject_prefix="location:", limit=20),
    }
    return page(request, "settings_locations.html", context)


@router.post("/settings/locations/{location_id}", response_class=HTMLResponse)
def edit_location(
    request: Request,
    location_id: str,
    container: ContainerDep,
    actor: Actor,
    priority: Text = "",
    ship_by_hours: Text = "",
    daily_capacity: Text = "",
    cutoff_utc: Text = "",
    active: Text = "",
) -> HTMLResponse:
    """The row again, saved, or with the refusal named; every field of the form is sent (a checkbox
    left clear is ``active`` off)."""
    try:
        edit = LocationEdit(
            priority=_whole("priority", priority),
            active=active == "on",
            ship_by_seconds=_hours(ship_by_hours),
            daily_capacity=_capacity(daily_capacity),
            cutoff_utc=parse_cutoff(cutoff_utc),
        )
        update_location(container.uow, location_id, edit, clock=container.clock, actor=actor)
    except NotFound as error:
        return fragment(request, "_location_row.html", {"row": None, "error": str(error)}, status_code=404)
    except InvalidRequest as error:
        context = {"row": _row(container, location_id), "error": str(error)}
        return fragment(request, "_location_row.html", context, status_code=422)
    return fragment(request, "_location_row.html", {"row": _row(container, location_id), "saved": True})


@router.post("/settings/safety-stock", response_class=HTMLResponse)
def set_safety_stock(
    request: Request, container: ContainerDep, actor: Actor, sku: Text = "", location_id: Text = "", units: Text = ""
) -> HTMLResponse:
    """One position's safety stock, as ``PUT /v1/inventory/{sku}/locations/{location_id}/safety-stock``."""
    try:
        quantity = _whole("units", units)
        position = inventory.set_safety_stock(
            container.uow, sku.strip(), location_id.strip(), quantity, clock=container.clock, actor=actor
        )
    except (InvalidRequest, NotFound) as error:
        status = 404 if isinstance(error, NotFound) else 422
        return fragment(request, "_safety_stock_outcome.html", {"error": str(error)}, status_code=status)
    return fragment(request, "_safety_stock_outcome.html", {"position": position})
