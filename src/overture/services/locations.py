"""Change a location's operating settings (capacity, cut-off, ship-by, priority, active), for
``PATCH /v1/locations/{id}`` and the dashboard's locations page alike.

Only the fields given change; the change log keeps each changed field before and after, so a
capacity cut made on a busy morning can be read back and undone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import time
from enum import Enum
from typing import Any

from overture.domain.digits import is_digits
from overture.domain.inventory import Location
from overture.services import changes
from overture.services.changes import SYSTEM
from overture.services.errors import ErrorCode, InvalidRequest, NotFound
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction

MAX_PRIORITY = 10_000  # as POST /v1/locations accepts
MAX_SHIP_BY_SECONDS = 90 * 24 * 3600


class Keep(Enum):
    """A field left as it is (``None`` means something: no capacity limit, no cut-off)."""

    KEEP = "keep"


KEEP = Keep.KEEP
EDITABLE = ("priority", "active", "ship_by_seconds", "daily_capacity", "cutoff_utc")


@dataclass(frozen=True, slots=True)
class LocationEdit:
    priority: int | Keep = KEEP
    active: bool | Keep = KEEP
    ship_by_seconds: int | Keep = KEEP
    daily_capacity: int | Keep | None = KEEP
    cutoff_utc: time | Keep | None = KEEP

    def given(self) -> dict[str, Any]:
        return {name: value for name in EDITABLE if (value := getattr(self, name)) is not KEEP}


def parse_cutoff(text: str) -> time | None:
    """A cut-off as typed ("HH:MM", UTC; blank: none), or InvalidRequest naming the field."""
    text = text.strip()
    if not text:
        return None
    hours, colon, minutes = text.partition(":")
    digits = colon and len(minutes) == 2 and len(hours) <= 2 and is_digits(hours) and is_digits(minutes)
    if digits and int(hours) < 24 and int(minutes) < 60:
        return time(int(hours), int(minutes))
    raise InvalidRequest("cutoff_utc", f"{text!r} is not a time HH:MM (UTC, 00:00 to 23:59)", ErrorCode.INVALID_VALUE)


def _check(edit: LocationEdit) -> None:
    if isinstance(edit.priority, int) and not 0 <= edit.priority <= MAX_PRIORITY:
        raise InvalidRequest("priority", f"must be 0 to {MAX_PRIORITY}", ErrorCode.OUT_OF_RANGE)
    if isinstance(edit.ship_by_seconds, int) and not 0 < edit.ship_by_seconds <= MAX_SHIP_BY_SECONDS:
        raise InvalidRequest("ship_by_hours", "must be more than 0 and at most 2160 (90 days)", ErrorCode.OUT_OF_RANGE)
    if isinstance(edit.daily_capacity, int) and edit.daily_capacity < 0:
        raise InvalidRequest(
            "daily_capacity", "must not be negative (leave it blank for no limit)", ErrorCode.OUT_OF_RANGE
        )


def _recorded(value: Any) -> Any:
    # The change log is JSON: a cut-off is kept as it is typed.
    return value.strftime("%H:%M") if isinstance(value, time) else value


def update_location(
    uow_factory: UnitOfWorkFactory, location_id: str, edit: LocationEdit, *, clock: Clock, actor: str = SYSTEM
) -> Location:
    """Apply the given fields; the location as it is now. NotFound for an unknown id."""
    _check(edit)

    def work(uow: UnitOfWork) -> Location:
        current = uow.sourcing.locations({location_id}).get(location_id)
        if current is None:
            raise NotFound(f"no location {location_id!r}")
        changed = {k: v for k, v in edit.given().items() if getattr(current, k) != v}
        if not changed:
            return current  # nothing to record: saving an unchanged form is not a change
        updated = dataclasses.replace(current, **changed)
        uow.catalog.update_location(updated)
        before = {k: _recorded(getattr(current, k)) for k in changed}
        after = {k: _recorded(v) for k, v in changed.items()}
        changes.record(uow, clock(), actor, "location.updated", f"location:{location_id}", before=before, after=after)
        return updated

    return in_transaction(uow_factory, work)
