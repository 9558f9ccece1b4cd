"""The WMS/3PL port: releasing an order's lines at a location, cancelling a release, and the
shipment notices that come back (the JSON shapes of connectors/wms.py's wire format).

A drop-ship supplier reached over an API is spoken to the same way (``SupplierGateways``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


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
    # The label bought for the parcel on release ({carrier, service, tracking_code, label_url}); None: the
    # WMS buys its own.
    label: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        body = {
            "order_id": self.order_id,
            "location_id": self.location_id,
            "lines": [line.to_json() for line in self.lines],
            "ship_to": self.ship_to,
            "callback_url": self.callback_url,
        }
        return body if self.label is None else {**body, "label": self.label}


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


class WmsGateway(Protocol):
    """Raises the errors of services/ports/connector_errors.py."""

    async def release(self, release: WmsRelease, *, idempotency_key: str) -> str:
        """Release an order's lines at one location; the WMS's release id."""
        ...

    async def cancel_release(self, order_id: str, location_id: str, *, idempotency_key: str) -> CancelOutcome: ...

    async def shipments(self, *, after_sequence: int) -> list[ShipmentNotice]:
        """Notices with a sequence above ``after_sequence``, oldest first."""
        ...


# (connector name, base URL) -> a WMS-speaking client for a drop-ship supplier's API.
SupplierGateways = Callable[[str, str], WmsGateway]


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
