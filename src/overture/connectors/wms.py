"""Connector to a warehouse management system (WMS) or third-party logistics provider (3PL).

Overture releases an order's lines at one location, may cancel that release until it ships,
and learns of shipments from notices: pushed to ``callback_url`` as webhooks, or polled with
:meth:`WmsConnector.shipments` after the last sequence number seen.

Wire format (JSON)::

    POST /v1/releases          {order_id, location_id, lines: [{line_no, sku, quantity}], ship_to, callback_url}
                               -> {"release_id": "WR-..."}
    POST /v1/releases/cancel   {order_id, location_id} -> {"outcome": "cancelled" | "already_shipped" | "not_found"}
    GET  /v1/shipments?after=N -> {"notices": [ShipmentNotice, ...]}   (sequence > N, ascending)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from overture.connectors.http import HttpConnector


@dataclass(frozen=True)
class ReleaseLine:
    line_no: int
    sku: str
    quantity: int

    def to_json(self) -> dict[str, Any]:
        return {"line_no": self.line_no, "sku": self.sku, "quantity": self.quantity}

    @classmethod
    def from_json(cls, data: Any) -> ReleaseLine:
        if not isinstance(data, dict):
            raise ValueError("a line must be an object")
        return cls(_int(data, "line_no"), _str(data, "sku"), _int(data, "quantity"))


@dataclass(frozen=True)
class WmsRelease:
    order_id: str
    location_id: str
    lines: list[ReleaseLine]
    ship_to: dict[str, Any]
    callback_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "location_id": self.location_id,
            "lines": [line.to_json() for line in self.lines],
            "ship_to": self.ship_to,
            "callback_url": self.callback_url,
        }


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"
    ALREADY_SHIPPED = "already_shipped"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class ShipmentNotice:
    """A shipment reported by the WMS; ``sequence`` grows with every notice the WMS emits."""

    shipment_id: str
    order_id: str
    location_id: str
    carrier: str
    tracking_number: str
    shipped_at: str  # ISO 8601 with offset, as sent
    lines: list[ReleaseLine] = field(default_factory=list)
    sequence: int = 0

    def to_json(self) -> dict[str, Any]:
        """The notice as a JSON-ready dict (what the WMS posts and lists)."""
        return {
            "shipment_id": self.shipment_id,
            "order_id": self.order_id,
            "location_id": self.location_id,
            "carrier": self.carrier,
            "tracking_number": self.tracking_number,
            "shipped_at": self.shipped_at,
            "lines": [line.to_json() for line in self.lines],
            "sequence": self.sequence,
        }

    @classmethod
    def from_json(cls, data: Any) -> ShipmentNotice:
        """Read a notice from decoded JSON; raises ValueError naming the first bad field."""
        if not isinstance(data, dict):
            raise ValueError("a shipment notice must be a JSON object")
        lines = data.get("lines")
        if not isinstance(lines, list):
            raise ValueError("lines: must be a list")
        return cls(
            shipment_id=_str(data, "shipment_id"),
            order_id=_str(data, "order_id"),
            location_id=_str(data, "location_id"),
            carrier=_str(data, "carrier"),
            tracking_number=_str(data, "tracking_number"),
            shipped_at=_str(data, "shipped_at"),
            lines=[ReleaseLine.from_json(line) for line in lines],
            sequence=_int(data, "sequence"),
        )


class WmsConnector(HttpConnector):
    """Releases, cancellations and shipment polling against a WMS/3PL."""

    async def release(self, release: WmsRelease, *, idempotency_key: str) -> str:
        """Release an order's lines at one location; returns the WMS's release id."""
        op = "release"
        answer = await self._call(
            "POST", "/v1/releases", json=release.to_json(), idempotency_key=idempotency_key, operation=op
        )
        return self._field(answer, "release_id", op)

    async def cancel_release(self, order_id: str, location_id: str, *, idempotency_key: str) -> CancelOutcome:
        op = "cancel_release"
        body = {"order_id": order_id, "location_id": location_id}
        answer = await self._call(
            "POST", "/v1/releases/cancel", json=body, idempotency_key=idempotency_key, operation=op
        )
        try:
            return CancelOutcome(self._field(answer, "outcome", op))
        except ValueError:
            raise self._malformed(op, f"unknown cancel outcome {answer.get('outcome')!r}") from None

    async def shipments(self, *, after_sequence: int) -> list[ShipmentNotice]:
        """Notices with a sequence above ``after_sequence``, oldest first."""
        op = "shipments"
        answer = await self._call("GET", "/v1/shipments", params={"after": after_sequence}, operation=op)
        notices = answer.get("notices")
        if not isinstance(notices, list):
            raise self._malformed(op, "answer lacks the list 'notices'")
        try:
            return sorted((ShipmentNotice.from_json(item) for item in notices), key=lambda n: n.sequence)
        except ValueError as error:
            raise self._malformed(op, f"bad notice: {error}") from None


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key}: must be a non-empty string")
    return value


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{key}: must be an integer")
    return value
