"""The state of the simulated WMS: releases, their shipment, cancellation, and shipment notices.

A release ships ``ship_delay_s`` after it was recorded while ``auto_ship`` is on (or when a
test asks through ``POST /_ship``). Shipping emits a :class:`ShipmentNotice` with the next
sequence number, listed for polling and, when a callback URL is known (the release's own, or
``overture_url`` + :data:`SHIPMENT_WEBHOOK_PATH`), posted to it. A cancelled release never ships.

All methods but :meth:`Warehouse.aclose` are synchronous and run on the app's event loop, so
each one is atomic with respect to the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import httpx
from pydantic import BaseModel, Field

from overture.services.ports.wms import CancelOutcome, ReleaseLine, ShipmentNotice
from overture.simulators.common import FaultPlan, Rejected, TaskKeeper
from overture.simulators.webhooks import WebhookSender

SHIPMENT_WEBHOOK_PATH = "/v1/webhooks/wms/shipments"
CARRIER = "UPS"


class LineIn(BaseModel):
    line_no: int = Field(ge=1)
    sku: str = Field(min_length=1)
    quantity: int = Field(ge=1)


class ReleaseIn(BaseModel):
    order_id: str = Field(min_length=1)
    location_id: str = Field(min_length=1)
    lines: list[LineIn] = Field(min_length=1)
    ship_to: dict[str, Any] = Field(default_factory=dict)
    callback_url: str | None = None
    label: dict[str, str] | None = None  # a label bought by the hub: shipped under its carrier and tracking


class CancelIn(BaseModel):
    order_id: str = Field(min_length=1)
    location_id: str = Field(min_length=1)


class ReleaseStatus(StrEnum):
    RELEASED = "released"
    CANCELLED = "cancelled"
    SHIPPED = "shipped"


@dataclass
class Release:
    release_id: str
    idempotency_key: str | None
    order_id: str
    location_id: str
    lines: list[ReleaseLine]
    ship_to: dict[str, Any]
    callback_url: str | None
    label: dict[str, str] | None = None
    status: ReleaseStatus = ReleaseStatus.RELEASED
    notice: ShipmentNotice | None = None
    ship_task: asyncio.Task[None] | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "release_id": self.release_id,
            "idempotency_key": self.idempotency_key,
            "order_id": self.order_id,
            "location_id": self.location_id,
            "lines": [line.to_json() for line in self.lines],
            "ship_to": self.ship_to,
            "callback_url": self.callback_url,
            "label": self.label,
            "status": str(self.status),
            "shipment_id": self.notice.shipment_id if self.notice else None,
        }


class Warehouse:
    def __init__(
        self,
        faults: FaultPlan,
        *,
        ship_delay_s: float,
        overture_url: str | None,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._defaults = (ship_delay_s, overture_url)
        # Like a real WMS, ids never repeat: a restarted simulator must not hand a hub that keeps its
        # store a shipment id it has seen before (it would be taken for a duplicate webhook).
        self._run = secrets.token_hex(3).upper()
        self.ship_delay_s = ship_delay_s
        self.overture_url = overture_url
        self.auto_ship = True
        self.releases: list[Release] = []
        self.notices: list[ShipmentNotice] = []
        self.webhooks = WebhookSender(faults, transport=webhook_transport)
        self._tasks = TaskKeeper()

    # ---- effects (called through the idempotency ledger) --------------------------

    def release(self, body: dict[str, Any], *, idempotency_key: str | None) -> dict[str, Any]:
        data = ReleaseIn.model_validate(body)
        release = Release(
            release_id=f"WR-{self._run}-{len(self.releases) + 1:06d}",
            idempotency_key=idempotency_key,
            order_id=data.order_id,
            location_id=data.location_id,
            lines=[ReleaseLine(line.line_no, line.sku, line.quantity) for line in data.lines],
            ship_to=data.ship_to,
            callback_url=data.callback_url,
            label=data.label,
        )
        self.releases.append(release)
        if self.auto_ship:
            self._schedule(release)
        return {"release_id": release.release_id, "status": str(release.status)}

    def cancel(self, body: dict[str, Any]) -> dict[str, Any]:
        data = CancelIn.model_validate(body)
        matches = self._matching(data.order_id, data.location_id)
        if not matches:
            return {"outcome": str(CancelOutcome.NOT_FOUND)}
        shipped = [r for r in matches if r.status is ReleaseStatus.SHIPPED]
        if shipped:
            notice = shipped[-1].notice
            return {
                "outcome": str(CancelOutcome.ALREADY_SHIPPED),
                "shipment_id": notice.shipment_id if notice else None,
            }
        for release in matches:
            release.status = ReleaseStatus.CANCELLED
            if release.ship_task is not None:
                release.ship_task.cancel()
        return {"outcome": str(CancelOutcome.CANCELLED), "release_id": matches[-1].release_id}

    # ---- shipping -----------------------------------------------------------------

    def ship_now(self, order_id: str, location_id: str) -> ShipmentNotice:
        """Ship the open release of an order at a location (the notice again if it has shipped)."""
        matches = self._matching(order_id, location_id)
        if not matches:
            raise Rejected(f"no release of {order_id} at {location_id}", status=404, code="not_found")
        for release in reversed(matches):
            if release.notice is not None:
                return release.notice
            if release.status is ReleaseStatus.RELEASED:
                return self._ship(release)
        raise Rejected(f"the release of {order_id} at {location_id} was cancelled", status=409, code="cancelled")

    def notices_after(self, sequence: int, *, limit: int) -> list[ShipmentNotice]:
        return [n for n in self.notices if n.sequence > sequence][:limit]

    def configure(self, *, auto_ship: bool | None, ship_delay_s: float | None, overture_url: str | None) -> None:
        if ship_delay_s is not None:
            self.ship_delay_s = ship_delay_s
        if overture_url is not None:
            self.overture_url = overture_url or None
        if auto_ship is not None:
            self.auto_ship = auto_ship
            for release in self.releases:
                if auto_ship and release.status is ReleaseStatus.RELEASED and release.ship_task is None:
                    self._schedule(release)
                if not auto_ship and release.ship_task is not None:
                    release.ship_task.cancel()
                    release.ship_task = None

    def config(self) -> dict[str, Any]:
        return {"auto_ship": self.auto_ship, "ship_delay_s": self.ship_delay_s, "overture_url": self.overture_url}

    def reset(self) -> None:
        self._tasks.cancel_nowait()
        self.webhooks.reset()
        self.releases.clear()
        self.notices.clear()
        self._run = secrets.token_hex(3).upper()  # numbering restarts: the ids must still be new
        self.ship_delay_s, self.overture_url = self._defaults
        self.auto_ship = True

    async def aclose(self) -> None:
        await self._tasks.cancel_all()
        await self.webhooks.aclose()

    def _matching(self, order_id: str, location_id: str) -> list[Release]:
        return [r for r in self.releases if r.order_id == order_id and r.location_id == location_id]

    def _schedule(self, release: Release) -> None:
        release.ship_task = self._tasks.spawn(self._ship_later(release))

    async def _ship_later(self, release: Release) -> None:
        await asyncio.sleep(self.ship_delay_s)
        release.ship_task = None
        if release.status is ReleaseStatus.RELEASED:
            self._ship(release)

    def _ship(self, release: Release) -> ShipmentNotice:
        sequence = len(self.notices) + 1
        # Tracking numbers leave the run out: a replayed scenario gets the same ones (tests predict them).
        ordinal = release.release_id.rsplit("-", 1)[1]
        digest = hashlib.sha256(f"WR-{ordinal}:{release.order_id}:{release.location_id}".encode()).hexdigest()
        notice = ShipmentNotice(
            shipment_id=f"SH-{self._run}-{sequence:06d}",
            order_id=release.order_id,
            location_id=release.location_id,
            carrier=(release.label or {}).get("carrier") or CARRIER,
            tracking_number=(release.label or {}).get("tracking_code") or "1Z" + digest[:16].upper(),
            shipped_at=datetime.now(UTC).isoformat(),
            lines=list(release.lines),
            sequence=sequence,
        )
        release.status = ReleaseStatus.SHIPPED
        release.notice = notice
        self.notices.append(notice)
        url = release.callback_url or (
            self.overture_url.rstrip("/") + SHIPMENT_WEBHOOK_PATH if self.overture_url else None
        )
        if url is not None:
            self.webhooks.send(url, notice)
        return notice
